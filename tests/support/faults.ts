/**
 * Reusable fault injectors for the local stack (`startLocalStack({ onClient })`): SDK middleware
 * that fails, delays, duplicates or answers-too-late the calls of named commands, chosen by a
 * seeded generator so a scenario is the same run after run.
 *
 * Where a fault sits matters:
 * - `layer: 'app'` (default) fails the call before the SDK's own retries: the code sees the fault.
 * - `layer: 'wire'` fails one HTTP attempt inside the SDK's retry loop, as a throttled or failing
 *   service does in AWS: the SDK retries it (backoff, retry quota) and only what is left reaches
 *   the code.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { SQSRecord } from 'aws-lambda';
import type { Mailer } from '../../shared/domain/notice-ports.ts';

/** Anything with an SDK middleware stack (every v3 client). */
export interface WithMiddleware {
  middlewareStack: {
    add(
      middleware: (next: Next, context: { commandName?: string }) => Next,
      options: { step: 'initialize' | 'deserialize'; name?: string; priority?: 'high' | 'low' },
    ): void;
  };
}
type Next = (args: { input: Record<string, unknown> }) => Promise<{ output: unknown }>;

/** mulberry32: a tiny seeded generator (deterministic scenarios, no `Math.random`). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A stable hash of a string with the seed, in [0, 1). */
export function seededHash(seed: number, text: string): number {
  let h = (seed ^ 0x811c9dc5) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return seededRandom(h)();
}

/** An error shaped like the SDK's service exceptions (name, `$metadata`, `$fault`). */
export function serviceError(name: string, httpStatusCode: number, message = `injected ${name}`): Error {
  return Object.assign(new Error(message), {
    name,
    $fault: httpStatusCode >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode, attempts: 1, totalRetryDelay: 0 },
  });
}

export const errors = {
  dynamoThrottled: () => serviceError('ProvisionedThroughputExceededException', 400),
  dynamoThrottling: () => serviceError('ThrottlingException', 400),
  sqsUnavailable: () => serviceError('ServiceUnavailable', 503),
  sqsInternal: () => serviceError('InternalError', 500),
  sesThrottled: () => serviceError('TooManyRequestsException', 429),
  ses5xx: () => serviceError('InternalFailure', 500),
  ses503: () => serviceError('ServiceUnavailable', 503),
  /** Any 5xx answer the SDK does not model by name: only the status says "server fault". */
  bad502: () => serviceError('BadGateway', 502),
};

export interface FaultRule {
  /** Command names as the SDK names them (`SendMessageCommand`, `PutItemCommand`…). */
  commands: readonly string[];
  /** What to do to a chosen call (default `fail`). */
  effect?:
    | 'fail'
    /** Run the call, then answer an error: the service did it, the caller cannot know. */
    | 'lose_response'
    /** Run the call twice (at-least-once delivery: a message sent twice). */
    | 'duplicate'
    /** Only delay (`delayMs`). */
    | 'delay';
  /** Which calls: a seeded fraction of the matching calls (default 1 = every call)… */
  rate?: number;
  /** …or the first `n` attempts of each key (e.g. an email's recipient + subject), n from `keyFailures`. */
  key?: (input: Record<string, unknown>) => string | undefined;
  /** Per key, how many leading attempts are hit (default: 0–3, seeded). */
  keyFailures?: (hash: number) => number;
  /** Only calls whose input matches (e.g. one queue's URL). */
  match?: (input: Record<string, unknown>) => boolean;
  /** Only while this holds (an outage window); default always. */
  when?: () => boolean;
  /** Let this many matching calls through first (an outage that starts mid-run). */
  afterCalls?: number;
  /** Errors to throw, chosen in turn (default a 503). */
  error?: readonly (() => Error)[];
  /** Delay before the call (ms); with `effect: 'fail'` the failure comes after the delay. */
  delayMs?: number;
  layer?: 'app' | 'wire';
}

export interface RuleCounters {
  /** Matching calls seen. */
  calls: number;
  /** Calls that got the rule's effect. */
  hits: number;
}

interface RuleEntry {
  rule: FaultRule;
  counters: RuleCounters;
  rng: () => number;
  perKey: Map<string, number>;
}

/** A set of rules for one named client; attach it with `attach` from `onClient`. */
export class FaultInjector {
  readonly #rules: RuleEntry[] = [];
  #armed = true;

  constructor(
    readonly name: string,
    private readonly seed = 1,
  ) {}

  /** Adds a rule; answers its live counters. */
  add(rule: FaultRule): RuleCounters {
    const counters = { calls: 0, hits: 0 };
    this.#rules.push({
      rule,
      counters,
      rng: seededRandom(this.seed + this.#rules.length * 7919),
      perKey: new Map(),
    });
    return counters;
  }

  /** Stops every rule (the outage is over); `arm` starts them again. */
  heal(): void {
    this.#armed = false;
  }

  arm(): void {
    this.#armed = true;
  }

  /** Total calls hit by every rule. */
  get hits(): number {
    return this.#rules.reduce((sum, r) => sum + r.counters.hits, 0);
  }

  attach(client: WithMiddleware): void {
    for (const layer of ['app', 'wire'] as const) {
      client.middlewareStack.add(
        (next, context) => async (args) => {
          const command = context.commandName ?? '';
          for (const entry of this.#rules) {
            if ((entry.rule.layer ?? 'app') !== layer) continue;
            if (!entry.rule.commands.includes(command)) continue;
            if (!this.#armed || (entry.rule.when && !entry.rule.when())) continue;
            if (entry.rule.match && !entry.rule.match(args.input)) continue;
            entry.counters.calls++;
            if (entry.counters.calls <= (entry.rule.afterCalls ?? 0)) continue;
            if (!this.#chosen(entry, args.input)) continue;
            entry.counters.hits++;
            return this.#apply(entry.rule, entry.counters, next, args);
          }
          return next(args);
        },
        // `initialize` runs before the retry middleware; `deserialize` inside each attempt.
        layer === 'app'
          ? { step: 'initialize', name: `fault-${this.name}-app`, priority: 'high' }
          : { step: 'deserialize', name: `fault-${this.name}-wire`, priority: 'high' },
      );
    }
  }

  #chosen(entry: RuleEntry, input: Record<string, unknown>): boolean {
    const { rule } = entry;
    if (rule.key) {
      const key = rule.key(input);
      if (key === undefined) return false;
      const seen = entry.perKey.get(key) ?? 0;
      entry.perKey.set(key, seen + 1);
      const hash = seededHash(this.seed, key);
      const failures = (rule.keyFailures ?? ((h) => Math.floor(h * 4)))(hash);
      return seen < failures;
    }
    return entry.rng() < (rule.rate ?? 1);
  }

  async #apply(
    rule: FaultRule,
    counters: RuleCounters,
    next: Next,
    args: { input: Record<string, unknown> },
  ) {
    if (rule.delayMs) await new Promise((r) => setTimeout(r, rule.delayMs));
    const effect = rule.effect ?? 'fail';
    if (effect === 'delay') return next(args);
    if (effect === 'duplicate') {
      await next(args);
      return next(args);
    }
    const errors = rule.error ?? [() => serviceError('ServiceUnavailable', 503)];
    const error = errors[counters.hits % errors.length]!();
    if (effect === 'lose_response') await next(args);
    throw error;
  }
}

/** SES v2 SendEmail's recipient + subject: the identity of one notice to one person. */
export function emailKey(input: Record<string, unknown>): string | undefined {
  const to = (input.Destination as { ToAddresses?: string[] } | undefined)?.ToAddresses?.join(',');
  const subject = (input.Content as { Simple?: { Subject?: { Data?: string } } } | undefined)?.Simple?.Subject
    ?.Data;
  return to && subject ? `${to}|${subject}` : undefined;
}

export type BatchHandler<R> = (event: { Records: SQSRecord[] }) => Promise<R>;

/**
 * A queue consumer that crashes in the middle of a batch: with probability `rate` (seeded), it
 * handles the first k records for real, then throws, so the whole batch comes back and the
 * first k are handled again. Only batches delivered for the first time crash, so no message is
 * crashed on twice (nothing reaches the DLQ because of the crashes alone).
 */
export function crashingMidBatch<R>(
  handler: BatchHandler<R>,
  opts: { seed: number; rate: number },
): BatchHandler<R> & { crashes: number; replayed: number } {
  const rng = seededRandom(opts.seed);
  const wrapped = Object.assign(
    async (event: { Records: SQSRecord[] }) => {
      const fresh = event.Records.every((r) => r.attributes.ApproximateReceiveCount === '1');
      if (fresh && event.Records.length > 1 && rng() < opts.rate) {
        const k = 1 + Math.floor(rng() * (event.Records.length - 1));
        await handler({ Records: event.Records.slice(0, k) });
        wrapped.crashes++;
        wrapped.replayed += k;
        throw new Error(`injected crash after ${k} of ${event.Records.length} records`);
      }
      return handler(event);
    },
    { crashes: 0, replayed: 0 },
  );
  return wrapped;
}

/**
 * Notify senders that die in the middle of a send (seeded, `rate` of the emails of batches delivered
 * for the first time, each email at most once):
 * half before SES gets the mail, half right after it took it. Dying ends the invocation with an
 * error, as a killed Lambda's batch comes back whole, and leaves that send hanging forever.
 * `wrap` goes around the mailer, `around` around the handler whose invocation dies.
 */
export function dyingMidSend(opts: { seed: number; rate: number }) {
  const rng = seededRandom(opts.seed);
  const invocation = new AsyncLocalStorage<{ kill: (error: Error) => void; dead: boolean; fresh: boolean }>();
  const died = new Set<string>();
  const state = { before: 0, after: 0 };
  const wrap = (mailer: Mailer): Mailer => ({
    async send(mail) {
      const key = `${mail.to}|${mail.subject}`;
      const run = invocation.getStore();
      // The rest of a dead invocation's batch dies with it, before sending, as in a killed Lambda.
      if (run?.dead) {
        died.add(key);
        state.before++;
        return new Promise<never>(() => {});
      }
      if (!run?.fresh || died.has(key) || rng() >= opts.rate) return mailer.send(mail);
      died.add(key);
      const afterSend = (state.before + state.after) % 2 === 1;
      if (afterSend) {
        await mailer.send(mail);
        state.after++;
      } else state.before++;
      run.dead = true;
      run.kill(new Error(`injected death ${afterSend ? 'after' : 'before'} sending to ${mail.to}`));
      return new Promise<never>(() => {});
    },
  });
  const around =
    <R>(handler: BatchHandler<R>): BatchHandler<R> =>
    (event) =>
      new Promise<R>((resolve, reject) => {
        // Only batches delivered for the first time die, so no message comes back often enough to
        // be dead-lettered by the deaths of others alone.
        const fresh = event.Records.every((r) => r.attributes.ApproximateReceiveCount === '1');
        invocation.run({ kill: reject, dead: false, fresh }, () => {
          handler(event).then(resolve, reject);
        });
      });
  return Object.assign(state, { wrap, around });
}
