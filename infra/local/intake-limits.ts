import type { Clock } from '../../shared/clock.ts';
import { MINUTE_MS } from '../../shared/domain/time.ts';
import { SlidingWindowLimiter } from './sliding-window.ts';

/**
 * The local stand-in for the WAF rate-based rules in front of the public intake in AWS
 * (`config.intake.limits`): public requests counted per client address, server-key requests per
 * site, each over a sliding minute. `CLOSELOOP_INTAKE_LIMITS=off` leaves it out (load tests);
 * in AWS the variable does nothing, WAF applies the rules.
 */

/** What the HTTP front knows of a public intake request before reading its body. */
export interface IntakeRequest {
  /** The socket's remote address; X-Forwarded-For is not trusted, any client can send one. */
  clientAddress: string;
  serverKey: string | undefined;
}

export interface IntakeRefusal {
  retryAfterSeconds: number;
  /** Whose quota ran out: this client's, or the site's server-key quota. */
  per: 'client' | 'site';
}

/** Counts a public intake request; answers a refusal, or undefined to let it through. */
export type IntakeLimit = (request: IntakeRequest) => IntakeRefusal | undefined;

export function intakeLimit(opts: {
  limits: { perClientPerMinute: number; serverPerSitePerMinute: number };
  /**
   * Each valid server key's site. The front keys server-key requests by it without reading the
   * body; a server key not in it counts per client, so made-up keys cannot dodge the client limit.
   */
  serverKeySites: ReadonlyMap<string, string>;
  clock: Clock;
}): IntakeLimit {
  const perClient = new SlidingWindowLimiter({ limit: opts.limits.perClientPerMinute, windowMs: MINUTE_MS });
  const perSite = new SlidingWindowLimiter({
    limit: opts.limits.serverPerSitePerMinute,
    windowMs: MINUTE_MS,
  });
  return ({ clientAddress, serverKey }) => {
    const now = opts.clock.now().getTime();
    const siteId = serverKey === undefined ? undefined : opts.serverKeySites.get(serverKey);
    const verdict = siteId === undefined ? perClient.take(clientAddress, now) : perSite.take(siteId, now);
    if (verdict.allowed) return undefined;
    return { retryAfterSeconds: verdict.retryAfterSeconds, per: siteId === undefined ? 'client' : 'site' };
  };
}

/** `CLOSELOOP_INTAKE_LIMITS=off` turns the local intake limits off; anything else leaves them on. */
export const intakeLimitsOn = (env: NodeJS.ProcessEnv = process.env): boolean =>
  env.CLOSELOOP_INTAKE_LIMITS?.trim().toLowerCase() !== 'off';
