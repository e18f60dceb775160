/**
 * Counting requests per key over a sliding window, as a WAF rate-based rule does: a key may make
 * `limit` requests in any `windowMs`; the next one is refused until the oldest of them leaves the
 * window. Pure arithmetic: the caller passes the time (from its clock port) with every request.
 *
 * Exact sliding log: each key keeps the times of its accepted requests still inside the window, so
 * memory per key is at most `limit` numbers, and keys that sent nothing for a whole window are
 * dropped. Two deliberate differences from WAF: refusals are not counted (so Retry-After is
 * exact: a client that waits that long is let through), and the limit applies at once rather than
 * after WAF's periodic evaluation of the counts.
 */
export type Verdict = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export interface SlidingWindowOptions {
  limit: number;
  windowMs: number;
  /**
   * Most keys kept at once; past it the key seen least recently is forgotten (it starts afresh).
   * WAF likewise tracks at most 10,000 keys per rate-based rule.
   */
  maxKeys?: number;
}

/** Accepted request times of one key, oldest first; `head` skips those that left the window. */
interface RequestLog {
  times: number[];
  head: number;
}

export class SlidingWindowLimiter {
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #maxKeys: number;
  /** In order of each key's latest accepted request, so the stale ones sit at the front. */
  readonly #logs = new Map<string, RequestLog>();

  constructor({ limit, windowMs, maxKeys = 10_000 }: SlidingWindowOptions) {
    this.#limit = limit;
    this.#windowMs = windowMs;
    this.#maxKeys = maxKeys;
  }

  /** Counts a request of `key` at `nowMs` if the window has room for it. */
  take(key: string, nowMs: number): Verdict {
    this.#forgetStale(nowMs);
    const log = this.#logs.get(key) ?? { times: [], head: 0 };
    dropBefore(log, nowMs - this.#windowMs);
    if (log.times.length - log.head >= this.#limit) {
      const oldest = log.times[log.head]!;
      return { allowed: false, retryAfterSeconds: Math.ceil((oldest + this.#windowMs - nowMs) / 1000) };
    }
    // A clock set back must not unsort the log: such a request counts as made at the latest time.
    log.times.push(Math.max(nowMs, log.times.at(-1) ?? nowMs));
    // Re-inserted, so the map stays ordered by latest accepted request.
    this.#logs.delete(key);
    this.#logs.set(key, log);
    if (this.#logs.size > this.#maxKeys) this.#logs.delete(this.#logs.keys().next().value!);
    return { allowed: true };
  }

  /** Keys currently tracked (for tests of the memory bound). */
  get trackedKeys(): number {
    return this.#logs.size;
  }

  /** Drops keys whose latest request left the window; they would count nothing. */
  #forgetStale(nowMs: number): void {
    for (const [key, log] of this.#logs) {
      if (log.times.at(-1)! > nowMs - this.#windowMs) return;
      this.#logs.delete(key);
    }
  }
}

/** Skips the times at or before `cutoff`; compacts once the skipped part is the larger half. */
function dropBefore(log: RequestLog, cutoff: number): void {
  while (log.head < log.times.length && log.times[log.head]! <= cutoff) log.head++;
  if (log.head > 64 && log.head * 2 > log.times.length) {
    log.times.splice(0, log.head);
    log.head = 0;
  }
}
