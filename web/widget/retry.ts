/**
 * When to send an answer again. Network errors, 408, 429 and 5xx are worth retrying (with the same
 * Idempotency-Key, so the server stores the answer once); any other 4xx is the site's mistake and
 * will not get better. DOM-free.
 */

/** What one attempt came back with: an HTTP status, or none when the network failed. */
export interface Attempt {
  status?: number;
  /** The Retry-After header: seconds or an HTTP date. */
  retryAfter?: string | null;
}

export type Decision = { kind: 'sent' } | { kind: 'drop' } | { kind: 'retry'; delayMs: number };

export const baseDelayMs = 1000;
export const maxDelayMs = 5 * 60_000;
/** An answer that could not be sent for this long is given up. */
export const maxAgeMs = 7 * 86_400_000;

export function isRetryable(status: number | undefined): boolean {
  return status === undefined || status === 408 || status === 429 || status >= 500;
}

/**
 * Exponential backoff with full jitter over [delay/2, delay] (attempt 1 waits about 1 s, then 2 s,
 * 4 s… up to 5 minutes); a server's Retry-After wins when it asks for longer.
 */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Retry-After in milliseconds, or undefined when absent or unreadable. */
export function retryAfterMs(value: string | null | undefined, now: number): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** `attempt` counts the attempts made so far, this one included (1 after the first). */
export function decide(result: Attempt, attempt: number, now: number, random?: () => number): Decision {
  const { status } = result;
  if (status !== undefined && status >= 200 && status < 300) return { kind: 'sent' };
  if (!isRetryable(status)) return { kind: 'drop' };
  const backoff = backoffMs(attempt, random);
  const asked = retryAfterMs(result.retryAfter, now);
  return { kind: 'retry', delayMs: Math.min(Math.max(backoff, asked ?? 0), 60 * 60_000) };
}
