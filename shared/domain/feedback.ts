import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import { mustBe, plainly } from '../zod-locale.ts';
import { type Issue, ValidationFailed } from './errors.ts';
import { formatIssuePath } from './paths.ts';

export const channels = ['web', 'app', 'email', 'chat', 'sms', 'kiosk', 'qr', 'phone'] as const;
export const knownTouchpoints = [
  'account_creation',
  'checkout_abandonment',
  'support_chat',
  'product_use',
  'post_purchase',
  'delivery',
] as const;

export const touchpointPattern = /^[a-z][a-z0-9_]{0,63}$/;
const slug = z
  .string()
  .check(z.regex(touchpointPattern, 'must be a lower-case slug (a-z, 0-9, _; at most 64)'));

/** One message for every way a score can be wrong: what it must be, and what came instead. */
const score = (min: number, max: number) => {
  const range = plainly(`a whole number from ${min} to ${max}`);
  return z.number(range).check(z.int(range), z.gte(min, range), z.lte(max, range));
};

export const ratingSchema = z.discriminatedUnion(
  'type',
  [
    z.strictObject({ type: z.literal('nps'), score: score(0, 10) }),
    z.strictObject({ type: z.literal('csat'), score: score(1, 5) }),
    z.strictObject({ type: z.literal('ces'), score: score(1, 7) }),
    z.strictObject({ type: z.literal('thumbs'), score: score(0, 1) }),
  ],
  { error: 'type must be one of nps, csat, ces, thumbs' },
);

const locale = z
  .string()
  .check(z.regex(/^[a-zA-Z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a language tag such as ja or en-US'));

const customerSchema = z.strictObject({
  email: z.optional(z.email('must be an email address').check(z.maxLength(254))),
  name: z.optional(z.string().check(z.maxLength(200))),
  locale: z.optional(locale),
  contactConsent: z.optional(z.boolean()),
  since: z.optional(
    z.union([z.iso.date(), z.iso.datetime({ offset: true })], {
      error: 'must be an ISO 8601 date or date-time',
    }),
  ),
});

const contextValue = z.union([z.string().check(z.maxLength(500)), z.number(), z.boolean()], {
  error: 'must be a string (≤ 500 chars), number or boolean',
});

/** The public contract of `POST /v1/feedback` (docs/intake.md#the-request). */
export const feedbackInputSchema = z.strictObject({
  siteId: z.string().check(z.regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'must be a site id')),
  touchpoint: slug,
  channel: z.enum(channels, {
    error: (iss) =>
      iss.input === undefined ? 'is required' : mustBe(`one of ${channels.join(', ')}`, iss.input),
  }),
  rating: z.optional(ratingSchema),
  comment: z.optional(z.string().check(z.maxLength(4000, 'must be at most 4000 characters'))),
  reasons: z.optional(z.array(slug).check(z.maxLength(10, 'at most 10 reasons'))),
  customer: z.optional(customerSchema),
  context: z.optional(
    z
      .record(
        z.string().check(z.regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'context keys are identifiers')),
        contextValue,
      )
      .check(z.refine((c) => Object.keys(c).length <= 30, 'at most 30 context fields')),
  ),
});

export type FeedbackInput = z.infer<typeof feedbackInputSchema>;
export type Rating = z.infer<typeof ratingSchema>;

/**
 * Parses a request body; each problem becomes one issue naming its path. `touchpoints`: the site's
 * (config `sites[].touchpoints`); a touchpoint outside them is refused, never routed by fallback.
 */
export function parseFeedbackInput(body: unknown, touchpoints?: readonly string[]): FeedbackInput {
  const result = feedbackInputSchema.safeParse(body, { error: requiredMessage });
  const issues = result.success
    ? []
    : result.error.issues.map((issue) => ({
        path: formatIssuePath(issue.path),
        message: unrecognizedKeysMessage(issue) ?? issue.message,
      }));
  issues.push(...crossFieldIssues(body), ...touchpointIssues(body, touchpoints));
  if (issues.length > 0 || !result.success) throw new ValidationFailed(issues);
  return result.data;
}

function requiredMessage(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code !== 'invalid_type') return undefined;
  if (issue.input === undefined) return 'is required';
  return issue.path?.length ? undefined : 'body must be a JSON object';
}

/** Checked on the raw body so they are reported alongside field errors, not after them. */
function crossFieldIssues(body: unknown): Issue[] {
  if (!isRecord(body)) return [];
  const issues: Issue[] = [];
  const comment = typeof body.comment === 'string' ? body.comment.trim() : '';
  const reasons = Array.isArray(body.reasons) ? body.reasons : [];
  if (body.rating === undefined && comment === '' && reasons.length === 0) {
    issues.push({ path: '', message: 'at least one of rating, comment, reasons is required' });
  }
  const customer = isRecord(body.customer) ? body.customer : {};
  if (customer.contactConsent === true && customer.email === undefined) {
    issues.push({ path: 'customer.email', message: 'is required when contactConsent is true' });
  }
  return issues;
}

function touchpointIssues(body: unknown, touchpoints: readonly string[] | undefined): Issue[] {
  if (touchpoints === undefined || !isRecord(body)) return [];
  const { touchpoint } = body;
  // A malformed one already has its issue from the schema.
  if (typeof touchpoint !== 'string' || !touchpointPattern.test(touchpoint)) return [];
  if (touchpoints.includes(touchpoint)) return [];
  return [
    {
      path: 'touchpoint',
      message: mustBe(`one of the site's touchpoints (${touchpoints.join(', ')})`, touchpoint),
    },
  ];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function unrecognizedKeysMessage(issue: z.core.$ZodIssue): string | undefined {
  if (issue.code !== 'unrecognized_keys') return undefined;
  return `unknown field${issue.keys.length > 1 ? 's' : ''}: ${issue.keys.join(', ')}`;
}

export interface Feedback extends FeedbackInput {
  feedbackId: string;
  receivedAt: string;
  bodyHash: string;
  idempotencyKey?: string;
  origin?: string;
  /** Which credential sent it: `server` (the shop vouches for the customer) or the public `site` key; absent on old items = `site`. */
  keyKind?: 'site' | 'server';
}

/** Same key on the same site always names the same feedback, so a replay cannot store a second item. */
export function feedbackIdFor(siteId: string, idempotencyKey: string): string {
  return `fb_${createHash('sha256').update(`${siteId}\n${idempotencyKey}`).digest('base64url').slice(0, 26)}`;
}

/** Hash of the body's meaning: key order and white space do not make a "different body". */
export function bodyHashOf(input: FeedbackInput): string {
  return createHash('sha256').update(canonicalJson(input)).digest('hex');
}

/** JSON with keys sorted and undefined dropped: equal meanings give equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
