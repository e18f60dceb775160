import type { Feedback } from './feedback.ts';

export type PutNewResult = { created: true } | { created: false; existing: Feedback };

export interface FeedbackStore {
  /** Stores the feedback unless one with its id exists; then answers the stored one. */
  putNew(feedback: Feedback): Promise<PutNewResult>;
}

/** A bot check's answer on one request's token; `reason` says why it failed (for the 403). */
export type BotVerdict = { passed: true } | { passed: false; reason: string };

/**
 * The optional per-site bot check (Cloudflare Turnstile's siteverify in AWS). Throws when the
 * checker cannot be reached, so the request is answered 503 and nothing is stored.
 */
export type BotCheck = (check: { siteId: string; token: string; remoteIp?: string }) => Promise<BotVerdict>;
