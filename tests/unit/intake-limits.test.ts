import { describe, expect, it } from 'vitest';
import { intakeLimit, intakeLimitsOn } from '../../infra/local/intake-limits.ts';
import { SlidingWindowLimiter } from '../../infra/local/sliding-window.ts';
import { VirtualClock } from '../../shared/clock.ts';

const t0 = Date.parse('2026-11-24T00:00:00.000Z');
const minute = 60_000;

/** Takes `n` requests for `key` at `at`, answering how many were allowed. */
const takeMany = (limiter: SlidingWindowLimiter, key: string, n: number, at: number) =>
  Array.from({ length: n }, () => limiter.take(key, at)).filter((v) => v.allowed).length;

describe('sliding window limiter', () => {
  it('allows exactly `limit` requests in a window and refuses the next', () => {
    const limiter = new SlidingWindowLimiter({ limit: 30, windowMs: minute });

    const allowed = takeMany(limiter, 'a', 30, t0);
    const next = limiter.take('a', t0);

    expect(allowed).toBe(30);
    expect(next.allowed).toBe(false);
  });

  it('answers Retry-After in whole seconds until the oldest counted request leaves the window', () => {
    const limiter = new SlidingWindowLimiter({ limit: 2, windowMs: minute });
    limiter.take('a', t0);
    limiter.take('a', t0 + 10_000);

    const refused = limiter.take('a', t0 + 15_500);

    // The first request leaves at t0 + 60 s: 44.5 s from now, rounded up.
    expect(refused).toEqual({ allowed: false, retryAfterSeconds: 45 });
  });

  it('lets a request through once the oldest leaves: the window slides, it does not reset', () => {
    const limiter = new SlidingWindowLimiter({ limit: 2, windowMs: minute });
    limiter.take('a', t0);
    limiter.take('a', t0 + 10_000);

    const justBefore = limiter.take('a', t0 + minute - 1);
    const atExpiry = limiter.take('a', t0 + minute);
    const stillFull = limiter.take('a', t0 + minute + 1);

    expect(justBefore.allowed).toBe(false);
    expect(atExpiry.allowed).toBe(true);
    // The window now holds t0 + 10 s and t0 + 60 s: the next slot frees at t0 + 70 s.
    expect(stillFull).toEqual({ allowed: false, retryAfterSeconds: 10 });
  });

  it('does not count refusals, so a client that waits for Retry-After is let through', () => {
    const limiter = new SlidingWindowLimiter({ limit: 1, windowMs: minute });
    limiter.take('a', t0);
    const refusals = takeMany(limiter, 'a', 100, t0 + 30_000);
    const refused = limiter.take('a', t0 + 30_000);
    if (refused.allowed) throw new Error('expected a refusal');

    const retried = limiter.take('a', t0 + 30_000 + refused.retryAfterSeconds * 1000);

    expect(refusals).toBe(0);
    expect(retried.allowed).toBe(true);
  });

  it('frees the whole window after a jump of the clock past it', () => {
    const limiter = new SlidingWindowLimiter({ limit: 30, windowMs: minute });
    takeMany(limiter, 'a', 30, t0);

    const afterJump = takeMany(limiter, 'a', 30, t0 + 24 * 60 * minute);

    expect(afterJump).toBe(30);
  });

  it('counts each key on its own', () => {
    const limiter = new SlidingWindowLimiter({ limit: 3, windowMs: minute });
    takeMany(limiter, 'a', 3, t0);

    const other = takeMany(limiter, 'b', 3, t0);
    const first = limiter.take('a', t0);

    expect(other).toBe(3);
    expect(first.allowed).toBe(false);
  });

  it('forgets keys that sent nothing for a whole window', () => {
    const limiter = new SlidingWindowLimiter({ limit: 3, windowMs: minute });
    for (let i = 0; i < 1000; i++) limiter.take(`client-${i}`, t0);

    limiter.take('late', t0 + minute);

    expect(limiter.trackedKeys).toBe(1);
  });

  it('keeps at most `maxKeys`, forgetting the one seen least recently', () => {
    const limiter = new SlidingWindowLimiter({ limit: 1, windowMs: minute, maxKeys: 2 });
    limiter.take('a', t0);
    limiter.take('b', t0 + 1);

    limiter.take('c', t0 + 2);
    const bAgain = limiter.take('b', t0 + 3);
    const aAgain = limiter.take('a', t0 + 4);

    expect(limiter.trackedKeys).toBe(2);
    expect(bAgain.allowed).toBe(false); // still counted
    expect(aAgain.allowed).toBe(true); // forgotten, starts afresh
  });

  it('keeps counting right over many windows of steady traffic (the log compacts)', () => {
    const limiter = new SlidingWindowLimiter({ limit: 100, windowMs: minute });
    let allowed = 0;

    // One request every 100 ms for 10 minutes: at most 100 per minute pass, 10 per 100 requests.
    for (let i = 0; i < 6000; i++) if (limiter.take('a', t0 + i * 100).allowed) allowed++;

    expect(allowed).toBe(1000);
  });
});

describe('intake limit (the local stand-in for WAF rate-based rules)', () => {
  const limits = { perClientPerMinute: 30, serverPerSitePerMinute: 50 };
  const serverKeySites = new Map([
    ['sv_local_shop-jp', 'shop-jp'],
    ['sv_local_shop-en', 'shop-en'],
  ]);
  const setUp = () => {
    const clock = new VirtualClock(new Date(t0));
    return { clock, limit: intakeLimit({ limits, serverKeySites, clock }) };
  };
  const publicFrom = (clientAddress: string) => ({ clientAddress, serverKey: undefined });
  const serverKeyed = (serverKey: string) => ({ clientAddress: '10.0.0.1', serverKey });
  const refusedOf = (answers: unknown[]) => answers.filter((a) => a !== undefined).length;

  it('refuses the 31st public request of one client in a minute, naming the client as the reason', () => {
    const { limit } = setUp();

    const first30 = Array.from({ length: 30 }, () => limit(publicFrom('10.0.0.1')));
    const thirtyFirst = limit(publicFrom('10.0.0.1'));

    expect(refusedOf(first30)).toBe(0);
    expect(thirtyFirst).toEqual({ retryAfterSeconds: 60, per: 'client' });
  });

  it('counts clients independently', () => {
    const { limit } = setUp();
    for (let i = 0; i < 30; i++) limit(publicFrom('10.0.0.1'));

    const other = Array.from({ length: 30 }, () => limit(publicFrom('10.0.0.2')));

    expect(refusedOf(other)).toBe(0);
  });

  it('takes its time from the clock: moving it past the minute lets the client in again', () => {
    const { clock, limit } = setUp();
    for (let i = 0; i < 31; i++) limit(publicFrom('10.0.0.1'));

    clock.advance(minute);

    expect(limit(publicFrom('10.0.0.1'))).toBeUndefined();
  });

  it('counts server-key requests per site, not per client, at the server quota', () => {
    const { limit } = setUp();
    for (let i = 0; i < 30; i++) limit(publicFrom('10.0.0.1'));

    const fifty = Array.from({ length: 50 }, () => limit(serverKeyed('sv_local_shop-jp')));
    const fiftyFirst = limit(serverKeyed('sv_local_shop-jp'));
    const otherSite = limit(serverKeyed('sv_local_shop-en'));

    expect(refusedOf(fifty)).toBe(0);
    expect(fiftyFirst).toEqual({ retryAfterSeconds: 60, per: 'site' });
    expect(otherSite).toBeUndefined();
  });

  it('counts a request with an unknown server key per client, so made-up keys do not dodge the limit', () => {
    const { limit } = setUp();

    const madeUp = Array.from({ length: 31 }, (_, i) => limit(serverKeyed(`sv_guess_${i}`)));

    expect(madeUp.at(-1)).toEqual({ retryAfterSeconds: 60, per: 'client' });
  });

  it('is off only when CLOSELOOP_INTAKE_LIMITS says off', () => {
    expect(intakeLimitsOn({})).toBe(true);
    expect(intakeLimitsOn({ CLOSELOOP_INTAKE_LIMITS: 'on' })).toBe(true);
    expect(intakeLimitsOn({ CLOSELOOP_INTAKE_LIMITS: 'off' })).toBe(false);
    expect(intakeLimitsOn({ CLOSELOOP_INTAKE_LIMITS: 'OFF' })).toBe(false);
  });
});
