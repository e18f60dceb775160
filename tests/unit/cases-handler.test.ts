import { beforeEach, describe, expect, it } from 'vitest';
import { type CasesDeps, makeCasesHandler } from '../../functions/cases/handler.ts';
import { VirtualClock } from '../../shared/clock.ts';
import { loadConfigFile } from '../../shared/config/load.ts';
import type { Case, TimelineEvent } from '../../shared/domain/case.ts';
import type { HttpEvent } from '../../shared/http.ts';
import { httpEvent } from '../support/http-events.ts';
import { sampleCase } from '../support/notices.ts';
import { decodeQrSvg } from '../support/qr.ts';
import { MemoryBroadcasts, MemoryRollups, MemoryStaffStore } from '../support/staff-fakes.ts';
import { MemoryPosters } from '../support/survey-fakes.ts';

const config = loadConfigFile('closeloop.config.example.json');
let store: MemoryStaffStore;
let clock: VirtualClock;
let posters: MemoryPosters;
let drawn = 0;

const opened = (c: Case): TimelineEvent => ({
  at: c.createdAt,
  type: 'opened',
  actor: 'system:triage',
  via: 'triage',
  data: { receivedAt: c.createdAt, reasons: [] },
});

function handler() {
  const deps: CasesDeps = {
    cases: store,
    problems: store,
    broadcasts: new MemoryBroadcasts(),
    metrics: store,
    rollups: new MemoryRollups(),
    customers: store,
    clock,
    config,
    newId: () => 'b1e4c0de-0000-4000-8000-000000000001',
    backoff: async () => {},
    posters,
    // Each poster made gets other bytes, so getting the same code twice means it was kept.
    randomBytes: (n) => new Uint8Array(n).fill(++drawn),
    publicBaseUrl: () => 'https://feedback.example.jp',
  };
  return makeCasesHandler(deps);
}

/** A request as API Gateway hands it over after the JWT authorizer (claims flattened to strings). */
function call(
  routeKey: string,
  opts: {
    id?: string;
    as?: { user: string; groups: string[] } | null;
    headers?: Record<string, string>;
    body?: string | object;
    query?: Record<string, string>;
  } = {},
) {
  const [method, routePath] = routeKey.split(' ') as [string, string];
  const path = routePath.replace('{id}', opts.id ?? 'case_abc123');
  const base = httpEvent({
    method,
    path,
    headers: {
      ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...opts.headers,
    },
    ...(opts.body !== undefined ? { body: opts.body } : {}),
  });
  const who = opts.as === undefined ? { user: 'tanaka', groups: ['orders'] } : opts.as;
  const event: HttpEvent = {
    ...base,
    routeKey,
    pathParameters: routePath.includes('{id}') ? { id: opts.id ?? 'case_abc123' } : undefined,
    queryStringParameters: opts.query,
    requestContext: {
      ...base.requestContext,
      ...(who
        ? {
            authorizer: {
              jwt: {
                claims: { 'cognito:username': who.user, 'cognito:groups': `[${who.groups.join(' ')}]` },
                scopes: [],
              },
            },
          }
        : {}),
    } as HttpEvent['requestContext'],
  };
  return handler()(event);
}

const bodyOf = (r: { body?: string }) => JSON.parse(r.body ?? 'null');

beforeEach(() => {
  store = new MemoryStaffStore();
  posters = new MemoryPosters();
  clock = new VirtualClock(new Date('2026-11-20T02:00:00Z'));
  const c = sampleCase({ createdAt: '2026-11-20T01:00:00.000Z' });
  store.addCase(c, [opened(c)]);
  store.feedbacks.set(c.feedbackId, {
    feedbackId: c.feedbackId,
    siteId: 'shop-jp',
    touchpoint: 'checkout_abandonment',
    channel: 'web',
    receivedAt: c.createdAt,
    bodyHash: 'x',
    comment: '支払いができません',
    customer: { email: 'hanako@example.jp', name: '花子', contactConsent: true },
  });
});

describe('validation: each bad field is one 400 issue', () => {
  it('names every bad field of a resolve body at once, with unknown fields', async () => {
    const response = await call('POST /v1/cases/{id}/resolve', {
      headers: { 'if-match': '1' },
      body: { customerMessage: '   ', actions: { internal: 'x', external: [] }, extra: 1 },
    });

    expect(response.statusCode).toBe(400);
    expect(bodyOf(response)).toEqual({
      error: 'validation_failed',
      issues: expect.arrayContaining([
        { path: 'customerMessage', message: 'must not be blank' },
        { path: 'rootCause', message: 'is required' },
        { path: 'actions.internal', message: expect.any(String) },
        { path: '', message: 'unknown field: extra' },
      ]),
    });
    expect(bodyOf(response).issues).toHaveLength(4);
    expect(store.commits).toEqual([]);
  });

  it('reports a malformed If-Match together with the body problems, and a bad case id by its path', async () => {
    const response = await call('POST /v1/cases/{id}/notes', {
      id: 'not-a-case',
      headers: { 'if-match': 'W/"1"' },
      body: { text: '' },
    });

    expect(response.statusCode).toBe(400);
    expect(
      bodyOf(response)
        .issues.map((i: { path: string }) => i.path)
        .sort(),
    ).toEqual(['header:If-Match', 'path:id', 'text']);
  });

  it('answers 428 when a change has no If-Match, once everything else is valid', async () => {
    const response = await call('POST /v1/cases/{id}/acknowledge');

    expect(response.statusCode).toBe(428);
    expect(bodyOf(response).error).toBe('precondition_required');
  });

  it('answers 415 to a body that is not JSON and 400 to broken JSON', async () => {
    const notJson = await call('POST /v1/cases/{id}/notes', {
      headers: { 'if-match': '1', 'content-type': 'text/plain' },
      body: 'hello',
    });
    const broken = await call('POST /v1/cases/{id}/notes', {
      headers: { 'if-match': '1' },
      body: '{"text":',
    });

    expect(notJson.statusCode).toBe(415);
    expect(broken.statusCode).toBe(400);
    expect(bodyOf(broken).issues).toEqual([{ path: '', message: 'body is not valid UTF-8 JSON' }]);
  });

  it('answers 413 to a body over 32 KiB', async () => {
    const response = await call('POST /v1/cases/{id}/notes', {
      headers: { 'if-match': '1' },
      body: { text: 'x'.repeat(40_000) },
    });

    expect(response.statusCode).toBe(413);
  });

  it('validates query strings: unknown parameters, bad status, limit and groupBy', async () => {
    const list = await call('GET /v1/cases', { query: { status: 'open,done', limit: '500', color: 'red' } });
    const metrics = await call('GET /v1/metrics', { query: { groupBy: 'colour', from: '2026-13-01' } });

    expect(list.statusCode).toBe(400);
    expect(
      bodyOf(list)
        .issues.map((i: { path: string }) => i.path)
        .sort(),
    ).toEqual(['query:', 'query:limit', 'query:status[1]']);
    expect(metrics.statusCode).toBe(400);
    expect(
      bodyOf(metrics)
        .issues.map((i: { path: string }) => i.path)
        .sort(),
    ).toEqual(['query:from', 'query:groupBy']);
  });

  it('refuses to assign the case to someone outside its team', async () => {
    const response = await call('POST /v1/cases/{id}/assign', {
      headers: { 'if-match': '1' },
      body: { assigneeId: 'sato' },
    });

    expect(response.statusCode).toBe(400);
    expect(bodyOf(response).issues).toEqual([
      { path: 'assigneeId', message: 'is not a member of team orders' },
    ]);
  });
});

describe('authorization (object level, on every route)', () => {
  it('answers 401 without a staff identity', async () => {
    const response = await call('GET /v1/cases/{id}', { as: null });

    expect(response.statusCode).toBe(401);
  });

  it("answers 403 for another team's case and 404 for a case that does not exist", async () => {
    const other = await call('GET /v1/cases/{id}', { as: { user: 'sato', groups: ['web'] } });
    const missing = await call('GET /v1/cases/{id}', {
      id: 'case_nope',
      as: { user: 'sato', groups: ['web'] },
    });
    const change = await call('POST /v1/cases/{id}/acknowledge', {
      as: { user: 'sato', groups: ['web'] },
      headers: { 'if-match': '1' },
    });

    expect(other.statusCode).toBe(403);
    expect(missing.statusCode).toBe(404);
    expect(change.statusCode).toBe(403);
    expect(store.commits).toEqual([]);
  });

  it('lets an admin act on any team and refuses a member on an admin route', async () => {
    const asAdmin = await call('GET /v1/cases/{id}', { as: { user: 'boss', groups: ['admin'] } });
    const erase = await call('DELETE /v1/customers', { query: { email: 'hanako@example.jp' } });

    expect(asAdmin.statusCode).toBe(200);
    expect(erase.statusCode).toBe(403);
    expect(store.feedbacks.get('fb_abc123')?.customer?.email).toBe('hanako@example.jp');
  });

  it("refuses a member listing another team's cases, and lists only their own teams by default", async () => {
    const other = sampleCase({ caseId: 'case_web1', teamId: 'web', assigneeId: 'sato' });
    store.addCase(other, [opened(other)]);

    const forbidden = await call('GET /v1/cases', { query: { team: 'web' } });
    const mine = await call('GET /v1/cases');

    expect(forbidden.statusCode).toBe(403);
    expect(bodyOf(mine).items.map((c: Case) => c.caseId)).toEqual(['case_abc123']);
  });

  it('shows a member only their teams under groupBy=team', async () => {
    for (const key of ['orders', 'web']) {
      store.metricItems.push({ dimension: 'team', week: '2026-W47', key, responses: 2 });
    }

    const member = await call('GET /v1/metrics', {
      query: { groupBy: 'team', from: '2026-11-16', to: '2026-11-22' },
    });
    const admin = await call('GET /v1/metrics', {
      as: { user: 'boss', groups: ['admin'] },
      query: { groupBy: 'team', from: '2026-11-16', to: '2026-11-22' },
    });

    expect(bodyOf(member).groups.map((g: { key: string }) => g.key)).toEqual(['orders']);
    expect(bodyOf(admin).groups.map((g: { key: string }) => g.key)).toEqual(['orders', 'web']);
  });
});

describe('GET /v1/teams', () => {
  it("names a member's own teams and their members, with no addresses", async () => {
    const response = await call('GET /v1/teams');

    expect(response.statusCode).toBe(200);
    const { items } = bodyOf(response);
    expect(items.map((t: { teamId: string }) => t.teamId)).toEqual(['orders']);
    const orders = config.teams.find((t) => t.id === 'orders')!;
    expect(items[0]).toMatchObject({ name: orders.name, leadId: orders.leadId });
    expect(items[0].members.map((m: { name: string }) => m.name)).toEqual(orders.members.map((m) => m.name));
    expect(response.body).not.toContain('@');
  });

  it('lists every configured team to an admin, those without cases included', async () => {
    const response = await call('GET /v1/teams', { as: { user: 'boss', groups: ['admin'] } });

    expect(bodyOf(response).items.map((t: { teamId: string }) => t.teamId)).toEqual(
      config.teams.map((t) => t.id),
    );
  });

  it('answers 400 to a query parameter, which the route does not take', async () => {
    const response = await call('GET /v1/teams', { query: { team: 'web' } });

    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('this route takes no query parameters');
  });
});

describe('changes with If-Match', () => {
  it('acknowledges with the current version: 200, the new version as ETag, one event by the member via the API', async () => {
    const response = await call('POST /v1/cases/{id}/acknowledge', { headers: { 'if-match': '"1"' } });

    expect(response.statusCode).toBe(200);
    expect(response.headers.etag).toBe('"2"');
    expect(bodyOf(response)).toMatchObject({
      case: { status: 'acknowledged', version: 2 },
      event: {
        type: 'acknowledged',
        actor: 'staff:tanaka',
        via: 'api',
        data: { from: 'open', to: 'acknowledged' },
      },
    });
    expect(store.commits).toHaveLength(1);
    expect(store.commits[0]!.events).toHaveLength(1);
  });

  it('answers 409 version_conflict with the current version to a stale If-Match, and writes nothing', async () => {
    await call('POST /v1/cases/{id}/acknowledge', { headers: { 'if-match': '1' } });

    const stale = await call('POST /v1/cases/{id}/notes', {
      headers: { 'if-match': '1' },
      body: { text: 'late' },
    });

    expect(stale.statusCode).toBe(409);
    expect(bodyOf(stale)).toMatchObject({ error: 'version_conflict', current: 2 });
    expect(store.commits).toHaveLength(1);
  });

  it('answers 409 invalid_transition to an action the status does not allow', async () => {
    const response = await call('POST /v1/cases/{id}/close', { headers: { 'if-match': '1' } });

    expect(response.statusCode).toBe(409);
    expect(bodyOf(response)).toMatchObject({ error: 'invalid_transition', status: 'open', action: 'close' });
  });

  it('retries a transaction DynamoDB cancelled for a concurrent one when the version did not move', async () => {
    store.failNext.push('conflict');

    const response = await call('POST /v1/cases/{id}/acknowledge', { headers: { 'if-match': '1' } });

    expect(response.statusCode).toBe(200);
    expect(store.commits).toHaveLength(1);
  });

  it('answers 503 (retry) when storage fails, never a stack trace', async () => {
    store.load = async () => {
      throw new Error('DynamoDB is down');
    };

    const response = await call('GET /v1/cases/{id}');

    expect(response.statusCode).toBe(503);
    expect(response.body).not.toContain('DynamoDB is down');
  });
});

describe('reading', () => {
  it('answers a case with its feedback, timeline and ETag', async () => {
    const response = await call('GET /v1/cases/{id}');

    expect(response.statusCode).toBe(200);
    expect(response.headers.etag).toBe('"1"');
    expect(bodyOf(response)).toMatchObject({
      case: { caseId: 'case_abc123', version: 1 },
      feedback: { feedbackId: 'fb_abc123', comment: '支払いができません' },
      timeline: [{ type: 'opened' }],
    });
  });

  it('pages through a team with an opaque cursor, and refuses a cursor of another team', async () => {
    for (let i = 0; i < 3; i++) {
      const c = sampleCase({ caseId: `case_p${i}`, createdAt: `2026-11-19T0${i}:00:00.000Z` });
      store.addCase(c, [opened(c)]);
    }

    const first = bodyOf(await call('GET /v1/cases', { query: { limit: '3' } }));
    const second = bodyOf(await call('GET /v1/cases', { query: { limit: '3', cursor: first.cursor } }));
    const tampered = await call('GET /v1/cases', {
      query: {
        cursor: Buffer.from(JSON.stringify({ t: 0, k: { caseTeam: 'TEAM#web' } })).toString('base64url'),
      },
    });

    expect(first.items).toHaveLength(3);
    expect(second.items).toHaveLength(1);
    expect(second.cursor).toBeNull();
    expect(new Set([...first.items, ...second.items].map((c: Case) => c.caseId)).size).toBe(4);
    expect(tampered.statusCode).toBe(400);
  });
});

describe('problems are scoped to the caller’s teams', () => {
  const admin = { user: 'boss', groups: ['admin'] };
  const sato = { user: 'sato', groups: ['web'] };
  const both = { user: 'kato', groups: ['orders', 'web'] };

  /** A problem created by `creator` with the orders case of beforeEach and a web case linked. */
  async function problemWithTwoTeams(creator = admin) {
    const web = sampleCase({ caseId: 'case_web1', feedbackId: 'fb_web1', teamId: 'web', assigneeId: 'sato' });
    store.addCase(web, [opened(web)]);
    const created = bodyOf(
      await call('POST /v1/problems', { as: creator, body: { title: 'PSP down', description: 'card 503' } }),
    );
    const id = created.problem.problemId as string;
    const linked = await call('POST /v1/problems/{id}/cases', {
      id,
      as: admin,
      body: { caseIds: ['case_abc123', 'case_web1'] },
    });
    expect(linked.statusCode).toBe(200);
    return id;
  }

  const resolve = (id: string) =>
    call('POST /v1/problems/{id}/resolve', { id, as: admin, body: { customerMessage: 'fixed now' } });
  const reopen = (id: string, as: { user: string; groups: string[] }) =>
    call('POST /v1/problems/{id}/reopen', { id, as, body: {} });

  it('shows a member only the linked cases of their teams, and an admin all', async () => {
    const id = await problemWithTwoTeams();

    const member = bodyOf(await call('GET /v1/problems/{id}', { id, as: sato }));
    const all = bodyOf(await call('GET /v1/problems/{id}', { id, as: admin }));

    expect(member.caseIds).toEqual(['case_web1']);
    expect([...all.caseIds].sort()).toEqual(['case_abc123', 'case_web1']);
  });

  it("does not name another team's closed case among a resolve's skipped cases", async () => {
    const id = await problemWithTwoTeams();
    expect((await resolve(id)).statusCode).toBe(200);
    expect((await reopen(id, admin)).statusCode).toBe(200);
    const closedElsewhere = store.cases.get('case_abc123')!;
    expect(closedElsewhere.case.status).toBe('resolved');

    const again = bodyOf(
      await call('POST /v1/problems/{id}/resolve', { id, as: sato, body: { customerMessage: 'fixed now' } }),
    );

    expect(again.skipped.map((s: { caseId: string }) => s.caseId)).toEqual(['case_web1']);
  });

  it('answers 403 when a member neither created the problem nor belongs to every linked team, and writes nothing', async () => {
    const id = await problemWithTwoTeams();
    await resolve(id);

    const refused = await reopen(id, sato);

    expect(refused.statusCode).toBe(403);
    expect(bodyOf(await call('GET /v1/problems/{id}', { id, as: admin })).problem.status).toBe('resolved');
  });

  it('lets the creator, a member of every linked team, or an admin reopen it', async () => {
    for (const [creator, reopener] of [
      [sato, sato],
      [admin, both],
      [sato, admin],
    ] as const) {
      store = new MemoryStaffStore();
      const c = sampleCase();
      store.addCase(c, [opened(c)]);
      const id = await problemWithTwoTeams(creator);
      await resolve(id);

      const reopened = await reopen(id, reopener);

      expect(reopened.statusCode, `${creator.user} created, ${reopener.user} reopens`).toBe(200);
      expect(bodyOf(reopened).problem.status).toBe('open');
    }
  });
});

describe("a touchpoint's poster QR code", () => {
  const route = 'GET /v1/sites/{siteId}/touchpoints/{touchpoint}/qr.svg';
  const qr = (siteId: string, touchpoint: string, as?: { user: string; groups: string[] } | null) =>
    callWithParams(route, { siteId, touchpoint }, { as });

  function callWithParams(
    routeKey: string,
    params: Record<string, string>,
    opts: { as?: { user: string; groups: string[] } | null },
  ) {
    const path = Object.entries(params).reduce(
      (p, [k, v]) => p.replace(`{${k}}`, v),
      routeKey.split(' ')[1]!,
    );
    const base = httpEvent({ method: 'GET', path });
    const who = opts.as === undefined ? { user: 'tanaka', groups: ['orders'] } : opts.as;
    return handler()({
      ...base,
      routeKey,
      pathParameters: params,
      requestContext: {
        ...base.requestContext,
        ...(who
          ? {
              authorizer: {
                jwt: {
                  claims: { 'cognito:username': who.user, 'cognito:groups': `[${who.groups.join(' ')}]` },
                },
              },
            }
          : {}),
      } as HttpEvent['requestContext'],
    });
  }

  it("gives a member of the touchpoint's team one SVG code, the same on every request, of the poster's page", async () => {
    const first = await qr('shop-jp', 'checkout_abandonment');
    expect(first.statusCode).toBe(200);
    expect(first.headers['content-type']).toBe('image/svg+xml');
    const url = /^<([^>]+)>; rel="related"$/.exec(first.headers.link ?? '')?.[1];
    expect(url).toMatch(/^https:\/\/feedback\.example\.jp\/s\/p_[A-Za-z0-9_-]{22}$/);
    expect(decodeQrSvg(first.body as string)).toBe(`${url}?via=qr`);
    const again = await qr('shop-jp', 'checkout_abandonment', { user: 'boss', groups: ['admin'] });
    expect(again.body).toBe(first.body);
  });

  it("refuses other teams' members (403), unknown sites (404), bad parameters (400) and no token (401)", async () => {
    expect((await qr('shop-jp', 'delivery')).statusCode).toBe(403);
    expect((await qr('nope', 'delivery', { user: 'boss', groups: ['admin'] })).statusCode).toBe(404);
    const bad = await qr('Shop JP', 'Bad-Touchpoint');
    expect(bad.statusCode).toBe(400);
    expect(bodyOf(bad).issues.map((i: { path: string }) => i.path)).toEqual([
      'path:siteId',
      'path:touchpoint',
    ]);
    expect((await qr('shop-jp', 'delivery', null)).statusCode).toBe(401);
  });
});
