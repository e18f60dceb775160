/**
 * Journey events (`POST /v1/events`, docs/invitations.md): what the shop's backend tells Closeloop
 * happened to a customer. The shape is checked here; what depends on the config (the event type,
 * whether its rule needs an address) is checked by `journeyIssues`. Pure.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import '../zod-locale.ts';
import { type Issue, ValidationFailed } from './errors.ts';
import { canonicalJson, channels } from './feedback.ts';
import { formatIssuePath } from './paths.ts';
import { isValidTimeZone, MINUTE_MS } from './time.ts';

/** An event may say it happened at most this far in the future (clock skew between servers). */
export const MAX_FUTURE_SKEW_MS = 5 * MINUTE_MS;

const slug = z
  .string()
  .check(z.regex(/^[a-z][a-z0-9_]{0,63}$/, 'must be a lower-case slug (a-z, 0-9, _; at most 64)'));
const instant = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time with a zone' });
const dateOrInstant = z.union([z.iso.date(), z.iso.datetime({ offset: true })], {
  error: 'must be an ISO 8601 date or date-time',
});

const itemSchema = z.strictObject({
  id: z.string().check(z.minLength(1), z.maxLength(128)),
  name: z.optional(z.string().check(z.maxLength(200))),
  quantity: z.optional(z.int().check(z.positive())),
});

export const journeyEventSchema = z.strictObject({
  siteId: z.string().check(z.regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'must be a site id')),
  eventId: z.string().check(z.regex(/^[\x21-\x7e]{1,128}$/, 'must be 1–128 visible ASCII characters')),
  type: slug,
  occurredAt: instant,
  customer: z.strictObject({
    id: z.optional(z.string().check(z.minLength(1), z.maxLength(128))),
    email: z.optional(z.email('must be an email address').check(z.maxLength(254))),
    name: z.optional(z.string().check(z.maxLength(200))),
    locale: z.optional(
      z.string().check(z.regex(/^[a-zA-Z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a language tag such as ja')),
    ),
    timeZone: z.optional(z.string().check(z.refine(isValidTimeZone, 'must be an IANA time zone'))),
    contactConsent: z.boolean(),
    since: z.optional(dateOrInstant),
  }),
  data: z.optional(
    z.strictObject({
      orderId: z.optional(z.string().check(z.minLength(1), z.maxLength(128))),
      items: z.optional(z.array(itemSchema).check(z.maxLength(50, 'at most 50 items'))),
      channel: z.optional(z.enum(channels)),
      reasons: z.optional(z.array(slug).check(z.maxLength(10, 'at most 10 reasons'))),
    }),
  ),
});

export type JourneyEventInput = z.infer<typeof journeyEventSchema>;

export interface JourneyEvent extends JourneyEventInput {
  receivedAt: string;
  bodyHash: string;
}

/** What `POST /v1/events` stored, and what it answered (a replay answers the same). */
export interface StoredEvent extends JourneyEvent {
  /** The invitation the event made, as the answer names it. */
  invitationId?: string;
}

/** What the config says about event types (the `invitations` section). */
export interface JourneyRules {
  eventTypes: readonly string[];
  /** The rules for an event type that email the customer. */
  emailingRules(type: string): readonly { id: string }[];
}

/** Parses a body into an event, or throws one issue per problem (shape and config together). */
export function parseJourneyEvent(body: unknown, rules: JourneyRules, now: Date): JourneyEventInput {
  const result = journeyEventSchema.safeParse(body, { error: requiredMessage });
  const issues: Issue[] = result.success
    ? []
    : result.error.issues.map((issue) => ({
        path: formatIssuePath(issue.path),
        message: unknownKeys(issue) ?? issue.message,
      }));
  issues.push(...journeyIssues(body, rules, now));
  if (issues.length > 0 || !result.success) throw new ValidationFailed(issues);
  return result.data;
}

/** Checks that need the config or the clock, on the raw body so they come with the shape's. */
export function journeyIssues(body: unknown, rules: JourneyRules, now: Date): Issue[] {
  if (!isRecord(body)) return [];
  const issues: Issue[] = [];
  const { type, occurredAt } = body;
  const customer = isRecord(body.customer) ? body.customer : {};
  if (typeof type === 'string' && !rules.eventTypes.includes(type)) {
    issues.push({
      path: 'type',
      message: `unknown event type "${type}" (known: ${rules.eventTypes.join(', ')})`,
    });
  }
  if (typeof occurredAt === 'string' && Date.parse(occurredAt) > now.getTime() + MAX_FUTURE_SKEW_MS) {
    issues.push({ path: 'occurredAt', message: 'is more than 5 minutes in the future' });
  }
  if (customer.id === undefined && customer.email === undefined) {
    issues.push({ path: 'customer', message: 'needs an id or an email' });
  }
  if (typeof type === 'string' && customer.email === undefined) {
    const rule = rules.emailingRules(type)[0];
    if (rule) {
      issues.push({
        path: 'customer.email',
        message: `is required: rule "${rule.id}" emails an invitation for ${type}`,
      });
    }
  }
  return issues;
}

/** Hash of the event's meaning: the same eventId with another body is a conflict (409). */
export function eventHashOf(input: JourneyEventInput): string {
  return createHash('sha256').update(canonicalJson(input)).digest('hex');
}

function requiredMessage(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code !== 'invalid_type') return undefined;
  if (issue.input === undefined) return 'is required';
  return issue.path?.length ? undefined : 'body must be a JSON object';
}

function unknownKeys(issue: z.core.$ZodIssue): string | undefined {
  if (issue.code !== 'unrecognized_keys') return undefined;
  return `unknown field${issue.keys.length > 1 ? 's' : ''}: ${issue.keys.join(', ')}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
