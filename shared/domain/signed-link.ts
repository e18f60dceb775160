/**
 * Signed links in emails (docs/design.md#signed-links, invariant 10): a token names one action and
 * carries what the action needs; it cannot be forged (HMAC-SHA256), it expires, and single use is
 * enforced where the action is performed (a conditional write of `TOKEN#<jti>`, never on GET).
 *
 * Token format: `<payload>.<signature>`, both base64url without padding.
 * - payload: compact JSON with one-letter keys (`j` jti, `a` action, `c` caseId, `m` memberId,
 *   `e` email, `k` contact, `v` value, `l` locale, `x` expiry in epoch seconds), so links stay short;
 * - signature: HMAC-SHA256 over `closeloop.link.v1.<payload>` with the link secret (32 bytes), or,
 *   for an unsubscribe link, with its case's own key (`unsubscribeCaseOf`).
 * Pure apart from node:crypto: no AWS, no clock (callers pass `now`).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import * as z from 'zod/mini';
import '../zod-locale.ts';

export const linkActions = [
  'acknowledge',
  'claim',
  'open',
  'rate',
  'unsubscribe',
  'confirm',
  'survey',
] as const;
export type LinkAction = (typeof linkActions)[number];

export interface LinkPayload {
  /** Token id: the single-use key. Links that exclude each other (a rating's 1–5) share one. */
  jti: string;
  act: LinkAction;
  caseId?: string;
  /** Staff member the link was made for: the actor of acknowledge / claim. */
  memberId?: string;
  /**
   * The recipient of an unsubscribe link made before those links named their case instead; still
   * read, so such links act while the link secret that signed them is current or previous.
   */
  email?: string;
  /** The contact a double opt-in link confirms (`<siteId>.<hash>`, shared/domain/contact.ts). */
  contactId?: string;
  /** The answer a rating link records (`good`, `bad`, `1`…`5`). */
  value?: string;
  /** Language of the confirm page. */
  locale?: 'ja' | 'en';
  /** Expiry, epoch seconds. */
  exp: number;
}

export type VerifyResult =
  | { status: 'ok'; payload: LinkPayload }
  /** Genuine but too old: the payload is returned so the page can say what it was for. */
  | { status: 'expired'; payload: LinkPayload }
  | { status: 'invalid'; reason: 'malformed' | 'signature' | 'payload' };

/** How long each kind of link works. */
export const linkLifetimeSeconds: Record<LinkAction, number> = {
  acknowledge: 7 * 86_400,
  claim: 7 * 86_400,
  open: 30 * 86_400,
  rate: 30 * 86_400,
  // RFC 8058 one-click and the footer link must keep working long after the mail was sent.
  unsubscribe: 365 * 86_400,
  confirm: 7 * 86_400,
  // A survey link's expiry is its invitation's close (`surveyLinkOf`); this is the rule default.
  survey: 14 * 86_400,
};

/**
 * The longest life of a link signed with the link secret (unsubscribe links are signed with their
 * case's key). A rotation period at least this long keeps every such link verifiable: it was
 * signed with AWSCURRENT, which stays current or previous until the second rotation after.
 */
export const LONGEST_SECRET_SIGNED_LINK_DAYS =
  Math.max(
    // Survey links end when their invitation closes; the config check keeps that within a rotation.
    ...linkActions.filter((a) => a !== 'unsubscribe' && a !== 'survey').map((a) => linkLifetimeSeconds[a]),
  ) / 86_400;

/** Single-use actions; opening a case changes nothing and unsubscribing twice is harmless. */
export const singleUseActions: ReadonlySet<LinkAction> = new Set(['acknowledge', 'claim', 'rate']);

export const MIN_SECRET_LENGTH = 32;
const MAX_TOKEN_LENGTH = 2048;
const DOMAIN = 'closeloop.link.v1.';
const SIGNATURE_BYTES = 32;
const TOKEN_PATTERN = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

const compactSchema = z.strictObject({
  j: z.string().check(z.minLength(8), z.maxLength(64)),
  a: z.enum(linkActions),
  c: z.optional(z.string().check(z.minLength(1), z.maxLength(128))),
  m: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
  e: z.optional(z.email().check(z.maxLength(254))),
  k: z.optional(z.string().check(z.minLength(1), z.maxLength(100))),
  v: z.optional(z.string().check(z.minLength(1), z.maxLength(16))),
  l: z.optional(z.enum(['ja', 'en'])),
  x: z.int().check(z.positive()),
});

function assertSecret(secret: string): void {
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new Error(`link secret must be at least ${MIN_SECRET_LENGTH} characters`);
  }
}

const mac = (secret: string, payloadPart: string) =>
  createHmac('sha256', secret).update(DOMAIN).update(payloadPart).digest();

export function signLink(payload: LinkPayload, secret: string): string {
  assertSecret(secret);
  const compact = compactSchema.parse({
    j: payload.jti,
    a: payload.act,
    c: payload.caseId,
    m: payload.memberId,
    e: payload.email,
    k: payload.contactId,
    v: payload.value,
    l: payload.locale,
    x: payload.exp,
  });
  const payloadPart = Buffer.from(JSON.stringify(compact), 'utf8').toString('base64url');
  return `${payloadPart}.${mac(secret, payloadPart).toString('base64url')}`;
}

/**
 * Checks the signature in constant time against each secret (the current one first, then any
 * being rotated out), then the payload's shape, then the expiry.
 */
export function verifyLink(token: string, secret: string | readonly string[], now: Date): VerifyResult {
  const secrets = typeof secret === 'string' ? [secret] : secret;
  for (const s of secrets) assertSecret(s);
  if (token.length > MAX_TOKEN_LENGTH || !TOKEN_PATTERN.test(token)) {
    return { status: 'invalid', reason: 'malformed' };
  }
  const [payloadPart, signaturePart] = token.split('.') as [string, string];
  const given = Buffer.from(signaturePart, 'base64url');
  if (given.length !== SIGNATURE_BYTES) return { status: 'invalid', reason: 'signature' };
  let genuine = false;
  for (const s of secrets) genuine = timingSafeEqual(mac(s, payloadPart), given) || genuine;
  if (!genuine) return { status: 'invalid', reason: 'signature' };

  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(payloadPart, 'base64url').toString('utf8'));
  } catch {
    return { status: 'invalid', reason: 'payload' };
  }
  const parsed = compactSchema.safeParse(decoded);
  if (!parsed.success) return { status: 'invalid', reason: 'payload' };
  const c = parsed.data;
  const payload: LinkPayload = {
    jti: c.j,
    act: c.a,
    exp: c.x,
    ...(c.c === undefined ? {} : { caseId: c.c }),
    ...(c.m === undefined ? {} : { memberId: c.m }),
    ...(c.e === undefined ? {} : { email: c.e }),
    ...(c.k === undefined ? {} : { contactId: c.k }),
    ...(c.v === undefined ? {} : { value: c.v }),
    ...(c.l === undefined ? {} : { locale: c.l }),
  };
  if (now.getTime() >= payload.exp * 1000) return { status: 'expired', payload };
  return { status: 'ok', payload };
}

/**
 * The case whose own key signs this token, read from the payload before any check: an unsubscribe
 * link names its case and no address, and is signed with that case's key (UnsubscribeKeys), so it
 * needs no history of the link secret. Undefined for every other token: the link secret signs it.
 */
export function unsubscribeCaseOf(token: string): string | undefined {
  if (token.length > MAX_TOKEN_LENGTH || !TOKEN_PATTERN.test(token)) return undefined;
  let claimed: unknown;
  try {
    claimed = JSON.parse(Buffer.from(token.slice(0, token.indexOf('.')), 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  const c = claimed as { a?: unknown; c?: unknown; e?: unknown } | null;
  return c?.a === 'unsubscribe' && typeof c.c === 'string' && c.e === undefined ? c.c : undefined;
}

/** Expiry (epoch seconds) of a link of this kind made at `now`. */
export function linkExpiry(act: LinkAction, now: Date): number {
  return Math.floor(now.getTime() / 1000) + linkLifetimeSeconds[act];
}
