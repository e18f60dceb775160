import { adminGroup } from '../../shared/auth/principal.ts';
import type { VirtualClock } from '../../shared/clock.ts';
import type { Config } from '../../shared/config/schema.ts';
import { MINUTE_MS } from '../../shared/domain/time.ts';
import { type HttpEvent, json } from '../../shared/http.ts';
import type { ConsoleConfig } from '../../web/console/config.ts';
import { demoCsp, staticSecurityHeaders } from '../../web/csp.ts';
import { demoCss, demoPage, demoScript } from '../../web/widget/demo-page.ts';
import type { LocalBus } from './bus.ts';
import type { Route } from './http-server.ts';
import type { LocalJwt } from './jwt.ts';

/** A job the one-minute schedule runs (the SLA sweep in AWS is an EventBridge rule). */
export type Scheduled = (now: Date) => Promise<void>;

const maxAdvanceMinutes = 60 * 24 * 60;

/** Local-only routes for demos and black-box tests (docs/local.md#local-only-routes). */
export function localRoutes(deps: {
  config: Config;
  sites: { siteId: string; siteKey: string; serverKey: string; origins: string[] }[];
  clock: VirtualClock;
  scheduled: Scheduled[];
  bus: LocalBus;
  jwt: LocalJwt;
  sesEndpoint: string;
  queueDepth: (name: string) => Promise<unknown>;
  /** One intake reconciler run (functions/intake-reconciler), answering what it found. */
  reconcile: () => Promise<unknown>;
  /** Every case with its timeline, newest first (read-only, until the staff API lands). */
  cases: () => Promise<unknown>;
  /** Where a long clock advance reports its progress (the `npm start` terminal). */
  log?: (line: string) => void;
}): Route[] {
  const get = (path: string, handler: (event: HttpEvent) => Promise<unknown> | unknown): Route => ({
    method: 'GET',
    path,
    handler: async (event) => json(200, await handler(event)),
  });
  return [
    get('/health', () => ({ status: 'ok', now: deps.clock.now().toISOString() })),
    get('/__local/sites', () => deps.sites),
    get('/__local/staff', () => localStaff(deps.config)),
    // The staff console's sign-in settings; in AWS the CDK app deploys the Cognito variant.
    get('/console/config.json', (): ConsoleConfig => ({ auth: { kind: 'local' } })),
    {
      method: 'GET',
      path: '/__local/token',
      handler: async (event) => {
        const query = event.queryStringParameters ?? {};
        const who =
          query.admin === '1'
            ? localStaff(deps.config).find((s) => s.admin)
            : localStaff(deps.config).find((s) => s.memberId === query.staff && !s.admin);
        if (!who) {
          return json(404, {
            error: 'not_found',
            message: 'pass ?staff=<memberId> (see /__local/staff) or ?admin=1',
          });
        }
        const groups = who.admin ? [adminGroup] : who.teamIds;
        return json(200, { token: deps.jwt.sign({ memberId: who.memberId, groups }, deps.clock.now()) });
      },
    },
    get('/__local/outbox', () => outbox(deps.sesEndpoint)),
    get('/__local/events', () => deps.bus.events),
    get('/__local/cases', () => deps.cases()),
    ...demoRoutes(deps.config, deps.sites),
    {
      method: 'GET',
      path: '/__local/queues/{name}',
      handler: async (event) => {
        const depth = await deps.queueDepth(event.pathParameters?.name ?? '');
        return depth ? json(200, depth) : json(404, { error: 'not_found', message: 'no such queue' });
      },
    },
    { method: 'POST', path: '/__local/reconcile', handler: async () => json(200, await deps.reconcile()) },
    {
      method: 'POST',
      path: '/__local/clock',
      handler: async (event) => {
        const parsed = parseAdvance(event.body);
        if ('issues' in parsed) return json(400, { error: 'validation_failed', issues: parsed.issues });
        return json(200, await advanceClock(parsed, deps));
      },
    },
  ];
}

/**
 * Moves the clock `minutes` ahead in steps of `stepMinutes`, running the scheduled jobs once per
 * step, as a schedule of that rate would have fired while the time passed (1: the minute rule as
 * in AWS; 60: an hourly one, which lets weeks pass in seconds). The last step may be shorter.
 * Progress goes to the log about every 10 % and at the end.
 */
export async function advanceClock(
  a: { minutes: number; stepMinutes: number },
  deps: { clock: VirtualClock; scheduled: Scheduled[]; log?: (line: string) => void },
) {
  const started = performance.now();
  const steps = Math.ceil(a.minutes / a.stepMinutes);
  const every = Math.max(1, Math.ceil(steps / 10));
  for (let i = 0, left = a.minutes; i < steps; i++, left -= a.stepMinutes) {
    deps.clock.advance(Math.min(a.stepMinutes, left) * MINUTE_MS);
    for (const job of deps.scheduled) await job(deps.clock.now());
    if (steps >= 10 && ((i + 1) % every === 0 || i + 1 === steps)) {
      deps.log?.(
        `clock: ${Math.round(((i + 1) / steps) * 100)}% (${i + 1}/${steps} steps) → ${deps.clock.now().toISOString()}`,
      );
    }
  }
  return { now: deps.clock.now().toISOString(), steps, elapsedMs: Math.round(performance.now() - started) };
}

/**
 * `GET /__local/demo?site=<siteId>&locale=ja|en&scale=nps|csat`: a tiny shop checkout page with the
 * widget embedded under the console's strict CSP (its script and stylesheet are files of their own).
 */
function demoRoutes(config: Config, sites: { siteId: string; siteKey: string }[]): Route[] {
  const file = (path: string, contentType: string, body: string): Route => ({
    method: 'GET',
    path,
    handler: async () => ({
      statusCode: 200,
      headers: { 'content-type': contentType, 'cache-control': 'no-cache', ...staticSecurityHeaders },
      body,
    }),
  });
  return [
    file('/__local/demo.css', 'text/css; charset=utf-8', demoCss),
    file('/__local/demo.js', 'text/javascript; charset=utf-8', demoScript),
    {
      method: 'GET',
      path: '/__local/demo',
      handler: async (event) => {
        const query = event.queryStringParameters ?? {};
        const site = config.sites.find((s) => s.id === (query.site ?? config.sites[0]?.id));
        const key = sites.find((s) => s.siteId === site?.id)?.siteKey;
        if (!site || !key) {
          return json(404, {
            error: 'not_found',
            message: `no such site; pass ?site= one of ${config.sites.map((s) => s.id).join(', ')}`,
          });
        }
        const wanted = query.locale ?? site.defaultLocale;
        const locale = wanted?.toLowerCase().startsWith('en') ? 'en' : 'ja';
        const scale = query.scale === 'csat' ? 'csat' : 'nps';
        return {
          statusCode: 200,
          headers: {
            'content-type': 'text/html; charset=utf-8',
            'cache-control': 'no-store',
            ...staticSecurityHeaders,
            'content-security-policy': demoCsp(site.botCheck !== undefined),
          },
          body: demoPage(
            {
              siteId: site.id,
              siteKey: key,
              name: site.name,
              ...(site.botCheck ? { turnstileSiteKey: site.botCheck.siteKey } : {}),
            },
            locale,
            scale,
          ),
        };
      },
    },
  ];
}

type Advance = { minutes: number; stepMinutes: number } | { issues: { path: string; message: string }[] };

/** `{ advanceMinutes, stepMinutes? }`: each problem named, as the API's 400s. */
function parseAdvance(body: string | undefined): Advance {
  let parsed: { advanceMinutes?: unknown; stepMinutes?: unknown };
  try {
    parsed = JSON.parse(body ?? '') as typeof parsed;
  } catch {
    return { issues: [{ path: '', message: 'body is not valid JSON' }] };
  }
  const whole = (v: unknown, min: number) =>
    Number.isInteger(v) && (v as number) >= min && (v as number) <= maxAdvanceMinutes;
  const issues = [];
  if (!whole(parsed.advanceMinutes, 0)) {
    issues.push({ path: 'advanceMinutes', message: `must be a whole number from 0 to ${maxAdvanceMinutes}` });
  }
  if (parsed.stepMinutes !== undefined && !whole(parsed.stepMinutes, 1)) {
    issues.push({ path: 'stepMinutes', message: `must be a whole number from 1 to ${maxAdvanceMinutes}` });
  }
  if (issues.length) return { issues };
  return { minutes: parsed.advanceMinutes as number, stepMinutes: (parsed.stepMinutes as number) ?? 1 };
}

interface SesStoredEmail {
  destination?: { to?: string[]; cc?: string[]; bcc?: string[] };
  subject?: string;
  body?: { text?: string; html?: string };
  at?: number;
}

async function outbox(sesEndpoint: string) {
  const response = await fetch(`${sesEndpoint}/store`);
  const { emails = [] } = (await response.json()) as { emails?: SesStoredEmail[] };
  return emails.map((e) => ({
    to: e.destination?.to ?? [],
    subject: e.subject ?? '',
    text: e.body?.text ?? '',
    html: e.body?.html ?? '',
    at: e.at ? new Date(e.at * 1000).toISOString() : undefined,
  }));
}

/** Every configured member with all the teams they belong to, plus one local administrator. */
export function localStaff(config: Config) {
  const staff = new Map<string, { memberId: string; name: string; teamIds: string[]; admin: boolean }>();
  for (const team of config.teams) {
    for (const m of team.members) {
      const entry = staff.get(m.id) ?? { memberId: m.id, name: m.name, teamIds: [], admin: false };
      entry.teamIds.push(team.id);
      staff.set(m.id, entry);
    }
  }
  return [...staff.values(), { memberId: 'admin', name: 'Administrator', teamIds: [], admin: true }];
}
