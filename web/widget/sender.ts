/**
 * Sends answers to `POST /v1/feedback` and keeps trying the ones that could not go yet. Every answer
 * is stored in the pending queue before the first attempt and removed only once the server took
 * it (2xx) or refused it for good (4xx other than 408/429), so a reload or a lost connection
 * loses nothing. DOM-free: fetch, timers and the clock are passed in.
 */
import type { FeedbackBody } from './payload.ts';
import type { Pending, PendingQueue } from './pending.ts';
import { type Attempt, decide } from './retry.ts';

export interface HttpAnswer {
  status: number;
  headers: { get(name: string): string | null };
  /** The body of a refusal: its `error` code tells a failed bot check apart and the developer why. */
  json?(): Promise<unknown>;
}

/** The site's bot check (web/widget/turnstile.ts): a fresh single-use token per attempt. */
export interface BotCheck {
  token(): Promise<string>;
}

export type Fetch = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: string; signal?: AbortSignal },
) => Promise<HttpAnswer>;

export interface SenderDeps {
  queue: PendingQueue;
  fetch: Fetch;
  now?: () => number;
  random?: () => number;
  setTimer?: (run: () => void, ms: number) => unknown;
  clearTimer?: (timer: unknown) => void;
  /** A request without an answer after this long counts as a network failure. */
  timeoutMs?: number;
  /** When the site has a bot check: every attempt carries a new token as X-Bot-Token. */
  botCheck?: BotCheck;
}

/** `unverified`: kept and retried later, because no bot check token could be had (or it failed). */
export type Outcome = 'sent' | 'queued' | 'refused' | 'unverified';

/** Failed bot checks of one answer before it is given up (a person passes within a few). */
export const maxBotCheckFailures = 3;

export interface NewAnswer {
  key: string;
  url: string;
  siteKey: string;
  body: FeedbackBody;
}

export class Sender {
  private readonly inFlight: Record<string, true> = {};
  private timer: unknown;
  private readonly now: () => number;
  /** The status of the last refusal, for the error a site sees. */
  lastRefusal: number | undefined;
  /** What the server said of it: `unauthorized: unknown site`, or each field's problem. */
  lastReason: string | undefined;

  constructor(private readonly deps: SenderDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Stores the answer, then tries once: 'sent', 'queued' (retried later) or 'refused' (dropped). */
  submit(answer: NewAnswer): Promise<Outcome> {
    const now = this.now();
    const entry: Pending = { ...answer, createdAt: now, attempts: 0, nextAt: now };
    this.deps.queue.put(entry);
    return this.attempt(entry);
  }

  /** Sends what is due; `all` also sends what waits for its backoff (the browser is back online). */
  async flush(all = false): Promise<void> {
    for (const { key } of this.deps.queue.due(this.now(), all)) {
      // Read it again: another flush may have sent it, or counted an attempt, meanwhile.
      const entry = this.deps.queue.list().find((p) => p.key === key);
      if (entry) await this.attempt(entry);
    }
    this.schedule();
  }

  private async attempt(entry: Pending): Promise<Outcome> {
    // Another attempt of this answer is on its way; its outcome will update the queue.
    if (this.inFlight[entry.key]) return 'queued';
    this.inFlight[entry.key] = true;
    let result: Attempt;
    let refusal: ErrorBody | undefined;
    let unverified = false;
    try {
      const botToken = this.deps.botCheck ? await this.botToken() : undefined;
      if (botToken === null) {
        // No token, no request: an unchecked post would only be refused. Kept for later.
        unverified = true;
        result = {};
      } else {
        const answer = await this.post(entry, botToken);
        result = { status: answer.status, retryAfter: answer.headers.get('retry-after') };
        // A body can be read once: its error serves both the bot check test and the refusal's reason.
        refusal = answer.status >= 400 ? await errorOf(answer) : undefined;
        if (answer.status === 403 && this.deps.botCheck && refusal?.error === 'bot_check_failed') {
          unverified = true;
          // Worth another try with a new token, a few times: then it is a refusal like any 403.
          if ((entry.botFailures ?? 0) + 1 < maxBotCheckFailures) result = {};
          entry = { ...entry, botFailures: (entry.botFailures ?? 0) + 1 };
        }
      }
    } catch {
      result = {};
    } finally {
      delete this.inFlight[entry.key];
    }
    const attempts = entry.attempts + 1;
    const decision = decide(result, attempts, this.now(), this.deps.random);
    if (decision.kind === 'retry') {
      this.deps.queue.put({ ...entry, attempts, nextAt: this.now() + decision.delayMs });
      this.schedule();
      return unverified ? 'unverified' : 'queued';
    }
    this.deps.queue.remove(entry.key);
    if (decision.kind === 'sent') return 'sent';
    this.lastRefusal = result.status;
    this.lastReason = refusal && reasonOf(refusal);
    return 'refused';
  }

  /** A fresh token, or null when the check could not give one (script blocked, timeout, error). */
  private async botToken(): Promise<string | null> {
    try {
      return await (this.deps.botCheck as BotCheck).token();
    } catch {
      return null;
    }
  }

  private post(entry: Pending, botToken: string | undefined): Promise<HttpAnswer> {
    const controller = typeof AbortController === 'function' ? new AbortController() : undefined;
    const setTimer = this.deps.setTimer ?? setTimeout;
    const clearTimer = this.deps.clearTimer ?? ((t: unknown) => clearTimeout(t as number));
    const timeout = setTimer(() => controller?.abort(), this.deps.timeoutMs ?? 15_000);
    return this.deps
      .fetch(entry.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-site-key': entry.siteKey,
          'idempotency-key': entry.key,
          ...(botToken === undefined ? {} : { 'x-bot-token': botToken }),
        },
        body: JSON.stringify(entry.body),
        ...(controller ? { signal: controller.signal } : {}),
      })
      .finally(() => clearTimer(timeout));
  }

  /** One timer, for the earliest answer waiting. */
  private schedule(): void {
    const setTimer = this.deps.setTimer ?? setTimeout;
    const clearTimer = this.deps.clearTimer ?? ((t: unknown) => clearTimeout(t as number));
    if (this.timer !== undefined) clearTimer(this.timer);
    this.timer = undefined;
    const waiting = this.deps.queue.list().filter((p) => !this.inFlight[p.key]);
    if (waiting.length === 0) return;
    const next = Math.min(...waiting.map((p) => p.nextAt));
    this.timer = setTimer(
      () => {
        this.timer = undefined;
        void this.flush();
      },
      Math.max(0, next - this.now()),
    );
  }
}

/** The API's error shape (docs/api.md#errors). */
interface ErrorBody {
  error?: unknown;
  message?: unknown;
  issues?: { path?: unknown; message?: unknown }[];
}

async function errorOf(answer: HttpAnswer): Promise<ErrorBody | undefined> {
  try {
    const body = await answer.json?.();
    return typeof body === 'object' && body !== null ? (body as ErrorBody) : undefined;
  } catch {
    return undefined;
  }
}

function reasonOf(body: ErrorBody): string | undefined {
  if (typeof body.error !== 'string') return undefined;
  const detail = Array.isArray(body.issues)
    ? body.issues.map((i) => `${i.path || '(body)'} ${i.message}`).join('; ')
    : body.message;
  return typeof detail === 'string' && detail ? `${body.error}: ${detail}` : body.error;
}
