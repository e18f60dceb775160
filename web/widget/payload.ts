/**
 * What `Closeloop.ask` sends: the body of `POST /v1/feedback` (the public contract) built from the
 * site's options and the customer's answer. DOM-free.
 */
import { type Locale, type ReasonId, reasonIds, type Scale } from './i18n.ts';

export interface AskOptions {
  /** Where in the journey the question is asked: a slug such as `checkout_abandonment`. */
  touchpoint: string;
  scale?: Scale;
  /** Show the checkout-abandonment reasons as checkboxes. */
  reasons?: boolean;
  /** `web` unless the page is inside an app, a kiosk… (the contract's channels). */
  channel?: string;
  customer?: { email?: string; name?: string; locale?: string; contactConsent?: boolean };
  /** Offer a contact-consent checkbox (only when `customer.email` is known). */
  askConsent?: boolean;
  /** Reference fields for the staff: `orderId`, `sku`… (strings, numbers, booleans; at most 30). */
  context?: Record<string, string | number | boolean>;
  /** Display language for this prompt (default: the script tag's `data-locale`). */
  locale?: string;
}

export interface Answer {
  score?: number;
  reasons: string[];
  comment: string;
  consent?: boolean;
}

export interface FeedbackBody {
  siteId: string;
  touchpoint: string;
  channel: string;
  rating?: { type: Scale; score: number };
  comment?: string;
  reasons?: ReasonId[];
  customer?: { email?: string; name?: string; locale?: string; contactConsent?: boolean };
  context?: Record<string, string | number | boolean>;
}

const slug = /^[a-z][a-z0-9_]{0,63}$/;
const contextKey = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
export const maxComment = 4000;

/** The score range a scale offers, lowest first. */
export function scoreRange(scale: Scale): number[] {
  return scale === 'nps' ? [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10] : [1, 2, 3, 4, 5];
}

/** Refuses options a site got wrong, before the customer is asked anything. */
export function checkOptions(options: AskOptions): string | undefined {
  if (!options || typeof options.touchpoint !== 'string' || !slug.test(options.touchpoint)) {
    return 'touchpoint must be a lower-case slug such as "checkout_abandonment"';
  }
  if (options.scale !== undefined && options.scale !== 'nps' && options.scale !== 'csat') {
    return 'scale must be "nps" or "csat"';
  }
  return undefined;
}

/**
 * The contract's body. Blank comments and unknown reasons are left out, the comment is cut to the
 * contract's limit, consent is only claimed with an address to contact, and the customer's locale
 * defaults to the language they answered in. The page's address goes along without query or
 * fragment (they may hold tokens).
 */
export function buildPayload(
  siteId: string,
  options: AskOptions,
  answer: Answer,
  locale: Locale,
  pageUrl?: string,
): FeedbackBody {
  const scale: Scale = options.scale ?? 'nps';
  const body: FeedbackBody = {
    siteId,
    touchpoint: options.touchpoint,
    channel: options.channel ?? 'web',
  };
  if (answer.score !== undefined && scoreRange(scale).indexOf(answer.score) >= 0) {
    body.rating = { type: scale, score: answer.score };
  }
  const comment = answer.comment.trim().slice(0, maxComment);
  if (comment) body.comment = comment;
  const reasons = reasonIds.filter((id) => answer.reasons.indexOf(id) >= 0);
  if (reasons.length) body.reasons = reasons;

  const given = options.customer ?? {};
  const customer: NonNullable<FeedbackBody['customer']> = { locale: given.locale || locale };
  if (given.email) customer.email = given.email;
  if (given.name) customer.name = given.name;
  if (given.email && (given.contactConsent === true || answer.consent === true)) {
    customer.contactConsent = true;
  }
  body.customer = customer;

  const context: Record<string, string | number | boolean> = {};
  let fields = 0;
  for (const [key, value] of Object.entries(options.context ?? {})) {
    if (fields >= 29 || !contextKey.test(key)) continue;
    if (typeof value === 'string') context[key] = value.slice(0, 500);
    else if (typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) {
      context[key] = value;
    } else continue;
    fields++;
  }
  if (pageUrl && context.pageUrl === undefined) context.pageUrl = pageUrl.split(/[?#]/)[0]!.slice(0, 500);
  if (Object.keys(context).length) body.context = context;
  return body;
}

export interface RandomSource {
  randomUUID?: () => string;
  getRandomValues?: (bytes: Uint8Array) => unknown;
}

/** A fresh Idempotency-Key: a UUID v4 from the platform, else from its random source. */
export function newIdempotencyKey(
  c: RandomSource | undefined = (globalThis as { crypto?: RandomSource }).crypto,
): string {
  if (c?.randomUUID) return c.randomUUID();
  const bytes = new Uint8Array(16);
  if (c?.getRandomValues) c.getRandomValues(bytes);
  else for (let i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256);
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => (b + 256).toString(16).slice(1)).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
