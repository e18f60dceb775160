import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { GetCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { VirtualClock } from '../../shared/clock.ts';
import { type Case, caseIdFor, type TimelineEvent } from '../../shared/domain/case.ts';
import { contactIdOf, contactRefOf } from '../../shared/domain/contact.ts';
import { feedbackKey } from '../../shared/repository/feedback-item.ts';
import { noticeKey, suppressionKey } from '../../shared/repository/notice-item.ts';
import { problemCaseKey } from '../../shared/repository/problem-item.ts';
import { eventually, postFeedback, startTestStack } from '../support/local-stack.ts';
import { staffNotice, staffTanaka } from '../support/notices.ts';

/**
 * The staff API on the local stack: real HTTP, the local JWT verifier in front of every staff
 * route (as API Gateway's JWT authorizer), the same handler as functions/cases over DynamoDB
 * Local, triage and notify pumps running. Cases are made the way they are in production: a
 * feedback POSTed to /v1/feedback, then triage. The clock is frozen at Wednesday 2026-11-18
 * 10:00 JST (ISO week 2026-W47) and only the metrics test moves it.
 */
let stack: LocalStack;
const T0 = new Date('2026-11-18T01:00:00.000Z');
beforeAll(async () => {
  stack = await startTestStack({ clock: new VirtualClock(T0), schedule: false });
});
afterAll(async () => {
  await stack?.stop();
});

/** A fresh token (they expire after an hour of the virtual clock, which the metrics test moves). */
async function token(who: string): Promise<string> {
  const query = who === 'admin' ? 'admin=1' : `staff=${who}`;
  const response = await fetch(`${stack.url}/__local/token?${query}`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { token: string }).token;
}

interface Call {
  as?: string | null;
  bearer?: string;
  ifMatch?: number | string;
  body?: unknown;
}

async function api(method: string, path: string, opts: Call = {}) {
  const headers: Record<string, string> = {};
  const bearer = opts.bearer ?? (opts.as === null ? undefined : await token(opts.as ?? 'admin'));
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  if (opts.ifMatch !== undefined) headers['if-match'] = String(opts.ifMatch);
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${stack.url}${path}`, {
    method,
    headers,
    ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

type CaseDetail = { case: Case; feedback: Record<string, unknown>; timeline: TimelineEvent[] };
const getCase = async (caseId: string, as = 'admin') =>
  (await api('GET', `/v1/cases/${caseId}`, { as })).body as CaseDetail;

/** Posts a feedback and waits until triage opened its case. */
async function openCase(body: Record<string, unknown>, key: string): Promise<Case> {
  const response = await postFeedback(
    stack,
    { siteId: 'shop-jp', channel: 'web', ...body },
    { 'idempotency-key': key },
    // The shop's backend vouches for its customer, so no double opt-in holds the notices.
    { key: 'server' },
  );
  expect(response.status).toBe(202);
  const { feedbackId } = (await response.json()) as { feedbackId: string };
  const caseId = caseIdFor(feedbackId);
  return eventually(async () => {
    const found = await api('GET', `/v1/cases/${caseId}`);
    expect(found.status).toBe(200);
    return (found.body as CaseDetail).case;
  }, 20_000);
}

/** A JWT the local verifier must refuse: `alg: none`, no signature. */
function unsignedToken(memberId: string, groups: string[]): string {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const now = Math.floor(stack.clock.now().getTime() / 1000);
  return `${b64({ alg: 'none', typ: 'JWT' })}.${b64({
    sub: memberId,
    'cognito:username': memberId,
    'cognito:groups': groups,
    iss: 'closeloop-local',
    aud: 'closeloop-staff',
    iat: now,
    exp: now + 3600,
  })}.`;
}

describe('authorization matrix', () => {
  let webCase: Case;
  beforeAll(async () => {
    // account_creation routes to the web team (sato, suzuki, takahashi).
    webCase = await openCase(
      { touchpoint: 'account_creation', rating: { type: 'nps', score: 2 } },
      'authz-1',
    );
  });

  it('refuses every staff route without a valid token (401): none, bad signature, alg none, expired', async () => {
    const good = await token('sato');
    const badSignature = `${good.slice(0, -4)}${good.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
    const expired = stack.jwt.sign(
      { memberId: 'sato', groups: ['web'] },
      new Date(stack.clock.now().getTime() - 2 * 3_600_000),
      60,
    );
    const routes: [string, string, Call][] = [
      ['GET', '/v1/cases', {}],
      ['GET', `/v1/cases/${webCase.caseId}`, {}],
      ['POST', `/v1/cases/${webCase.caseId}/acknowledge`, { ifMatch: 1 }],
      ['POST', '/v1/problems', { body: { title: 't', description: 'd' } }],
      ['GET', '/v1/metrics?groupBy=team', {}],
      ['DELETE', '/v1/customers?email=a%40example.jp', {}],
    ];

    for (const [method, path, opts] of routes) {
      for (const bearer of [
        undefined,
        badSignature,
        unsignedToken('sato', ['web', 'admin']),
        expired,
        'garbage',
      ]) {
        const response = await api(method, path, { ...opts, ...(bearer ? { bearer } : { as: null }) });
        expect(response.status, `${method} ${path} with ${bearer?.slice(0, 12)}`).toBe(401);
      }
    }
    expect((await getCase(webCase.caseId)).case.version).toBe(1);
  });

  it("refuses another team's member (403) on reading and changing the case, and a member on the admin route", async () => {
    const read = await api('GET', `/v1/cases/${webCase.caseId}`, { as: 'tanaka' });
    const change = await api('POST', `/v1/cases/${webCase.caseId}/acknowledge`, { as: 'tanaka', ifMatch: 1 });
    const list = await api('GET', '/v1/cases?team=web', { as: 'tanaka' });
    const erase = await api('DELETE', '/v1/customers?email=a%40example.jp', { as: 'sato' });

    expect([read.status, change.status, list.status, erase.status]).toEqual([403, 403, 403, 403]);
    // Each refusal says why, in the shape of every other error.
    expect(read.body).toEqual({ error: 'not_in_team', message: 'not a member of team web' });
    expect(change.body).toEqual(read.body);
    expect(list.body).toEqual(read.body);
    expect(erase.body).toEqual({ error: 'admin_only', message: 'admins only' });
    expect((await api('GET', '/v1/cases/case_does_not_exist', { as: 'tanaka' })).status).toBe(404);
    expect((await getCase(webCase.caseId)).case.version).toBe(1);
  });

  it("lets the team's member (and an admin) read, list and change the case (2xx); the OpenAPI document is public", async () => {
    const read = await api('GET', `/v1/cases/${webCase.caseId}`, { as: 'sato' });
    const list = await api('GET', '/v1/cases?status=open', { as: 'sato' });
    const ack = await api('POST', `/v1/cases/${webCase.caseId}/acknowledge`, {
      as: 'sato',
      ifMatch: read.headers.get('etag')!,
    });
    const asAdmin = await api('GET', `/v1/cases/${webCase.caseId}`, { as: 'admin' });
    const openapi = await api('GET', '/v1/openapi.json', { as: null });

    expect(read.status).toBe(200);
    expect(read.headers.get('etag')).toBe('"1"');
    expect(list.status).toBe(200);
    expect((list.body.items as Case[]).map((c) => c.caseId)).toContain(webCase.caseId);
    expect((list.body.items as Case[]).every((c) => c.teamId === 'web')).toBe(true);
    expect(ack.status).toBe(200);
    expect(ack.body.event).toMatchObject({ type: 'acknowledged', actor: 'staff:sato', via: 'api' });
    expect(asAdmin.body.case).toMatchObject({ status: 'acknowledged', version: 2 });
    expect(openapi.status).toBe(200);
    expect(openapi.body.openapi).toBe('3.1.0');
  });
});

describe('If-Match', () => {
  it('two changes with the same If-Match: one succeeds, the other answers 409 with the current version', async () => {
    const c = await openCase(
      { touchpoint: 'checkout_abandonment', rating: { type: 'nps', score: 1 } },
      'race-1',
    );

    const responses = await Promise.all([
      api('POST', `/v1/cases/${c.caseId}/acknowledge`, { as: 'tanaka', ifMatch: 1 }),
      api('POST', `/v1/cases/${c.caseId}/notes`, { as: 'watanabe', ifMatch: 1, body: { text: 'looking' } }),
    ]);

    expect(responses.map((r) => r.status).sort()).toEqual([200, 409]);
    const conflict = responses.find((r) => r.status === 409)!;
    expect(conflict.body).toMatchObject({ error: 'version_conflict', current: 2 });
    const detail = await getCase(c.caseId);
    expect(detail.case.version).toBe(2);
    const staffEvents = detail.timeline.filter((e) => e.actor.startsWith('staff:'));
    expect(staffEvents).toHaveLength(1);
  });

  it('answers 428 without If-Match and 400 with a malformed one, changing nothing', async () => {
    const c = await openCase(
      { touchpoint: 'checkout_abandonment', rating: { type: 'nps', score: 0 } },
      'ifmatch-2',
    );

    const missing = await api('POST', `/v1/cases/${c.caseId}/acknowledge`, { as: 'tanaka' });
    const malformed = await api('POST', `/v1/cases/${c.caseId}/acknowledge`, { as: 'tanaka', ifMatch: '*' });

    expect(missing.status).toBe(428);
    expect(malformed.status).toBe(400);
    expect(malformed.body.issues).toEqual([{ path: 'header:If-Match', message: expect.any(String) }]);
    expect((await getCase(c.caseId)).case.version).toBe(1);
  });
});

describe('the case reference', () => {
  const customer = 'ref-customer@example.jp';
  let webCase: Case;
  beforeAll(async () => {
    webCase = await openCase(
      {
        touchpoint: 'account_creation',
        rating: { type: 'nps', score: 2 },
        customer: { email: customer, locale: 'ja', contactConsent: true },
      },
      'ref-1',
    );
  });

  it('is on the case resource, beside the internal id', () => {
    expect(webCase.ref).toMatch(/^CL-[23456789ABCDEFGHJKMNPQRSTVWXYZ]{5}$/);
    expect(webCase.caseId).toMatch(/^case_/);
  });

  it("is what the customer's email quotes, never the internal id", async () => {
    const mail = await eventually(async () => {
      const outbox = (await (await fetch(`${stack.url}/__local/outbox`)).json()) as {
        to: string[];
        subject: string;
        text: string;
      }[];
      const found = outbox.find((m) => m.to[0] === customer);
      expect(found).toBeDefined();
      return found!;
    }, 20_000);

    expect(mail.subject).toContain(`受付番号 ${webCase.ref}`);
    expect(mail.text).toContain(webCase.ref);
    expect(mail.text).not.toContain(webCase.caseId);
  });

  it('finds the case for a member of its team, in either case of letters', async () => {
    const exact = await api('GET', `/v1/cases?ref=${webCase.ref}`, { as: 'sato' });
    const lower = await api('GET', `/v1/cases?ref=${webCase.ref!.toLowerCase()}`, { as: 'sato' });

    expect(exact.status).toBe(200);
    expect(exact.body).toEqual({ items: [webCase], cursor: null });
    expect(lower.body).toEqual(exact.body);
  });

  it('finds nothing for a member of another team, nor for a reference nobody holds', async () => {
    const otherTeam = await api('GET', `/v1/cases?ref=${webCase.ref}`, { as: 'tanaka' });
    const unknown = await api('GET', '/v1/cases?ref=CL-ZZZZZZZZ', { as: 'sato' });

    expect(otherTeam).toMatchObject({ status: 200, body: { items: [], cursor: null } });
    expect(unknown).toMatchObject({ status: 200, body: { items: [], cursor: null } });
  });

  it('answers 400 for what is not a reference, or a reference with other parameters', async () => {
    const malformed = await api('GET', '/v1/cases?ref=CL-0O1IL', { as: 'sato' });
    const combined = await api('GET', `/v1/cases?ref=${webCase.ref}&team=web`, { as: 'sato' });

    expect(malformed.status).toBe(400);
    expect(malformed.body).toEqual({
      error: 'validation_failed',
      issues: [
        {
          path: 'query:ref',
          message: 'must be a case reference: CL- and 5 to 8 letters or digits, like CL-7K3M9',
        },
      ],
    });
    expect(combined.status).toBe(400);
    expect(combined.body.issues).toEqual([
      { path: 'query:ref', message: 'finds one case by itself: send no other parameter with it' },
    ]);
  });
});

describe('problems', () => {
  it('resolving a problem with 3 linked cases resolves all 3 and queues 3 customer notices', async () => {
    const customers = ['p1@example.jp', 'p2@example.jp', 'p3@example.jp'];
    const cases: Case[] = [];
    for (const [i, email] of customers.entries()) {
      cases.push(
        await openCase(
          {
            touchpoint: 'checkout_abandonment',
            rating: { type: 'nps', score: 2 },
            customer: { email, name: `Customer ${i}`, locale: 'en', contactConsent: true },
          },
          `problem-${i}`,
        ),
      );
    }
    const message = 'The payment provider is back: you can pay by card again.';
    const created = await api('POST', '/v1/problems', {
      as: 'tanaka',
      body: { title: 'Payment provider outage', description: 'PSP returned 503 for card payments' },
    });
    const problemId = created.body.problem.problemId as string;

    const linked = await api('POST', `/v1/problems/${problemId}/cases`, {
      as: 'tanaka',
      body: { caseIds: cases.map((c) => c.caseId) },
    });
    const resolved = await api('POST', `/v1/problems/${problemId}/resolve`, {
      as: 'tanaka',
      body: { customerMessage: message, actions: { internal: ['add PSP failover'], external: [] } },
    });

    expect(created.status).toBe(201);
    expect(linked.status).toBe(200);
    expect(linked.body.linked).toHaveLength(3);
    expect(resolved.status).toBe(200);
    expect([...resolved.body.resolved].sort()).toEqual(cases.map((c) => c.caseId).sort());
    for (const c of cases) {
      const detail = await getCase(c.caseId);
      expect(detail.case).toMatchObject({ status: 'resolved', problemId });
      expect(detail.timeline.find((e) => e.type === 'resolved')?.data).toMatchObject({
        customerMessage: message,
        problemId,
        notice: 'requested',
      });
    }
    // The three customer notices reach SES (outbox → relay → notify queue → notify), one each.
    await eventually(async () => {
      const mail = (await (await fetch(`${stack.url}/__local/outbox`)).json()) as {
        to: string[];
        text: string;
      }[];
      const told = mail.filter((m) => m.text.includes(message));
      expect(told.map((m) => m.to[0]).sort()).toEqual(customers);
    }, 20_000);
    // Resolving again resolves nothing twice.
    const again = await api('POST', `/v1/problems/${problemId}/resolve`, { as: 'tanaka', body: {} });
    expect(again.body.resolved).toEqual([]);
    expect(again.body.skipped).toHaveLength(3);
  });

  it("keeps its cases' touchpoints across its own changes: reopened, it takes a case of another touchpoint", async () => {
    const first = await openCase(
      { touchpoint: 'checkout_abandonment', rating: { type: 'nps', score: 2 } },
      'tp-1',
    );
    const second = await openCase({ touchpoint: 'post_purchase', rating: { type: 'nps', score: 2 } }, 'tp-2');
    const created = await api('POST', '/v1/problems', {
      body: { title: 'Two touchpoints', description: 'd', customerMessage: 'fixed' },
    });
    const problemId = created.body.problem.problemId as string;
    await api('POST', `/v1/problems/${problemId}/cases`, { body: { caseIds: [first.caseId] } });
    // Resolving and reopening rewrite the problem item; the sets the links keep must survive them.
    await api('POST', `/v1/problems/${problemId}/resolve`, { body: {} });
    await api('POST', `/v1/problems/${problemId}/reopen`, { body: {} });

    const linked = await api('POST', `/v1/problems/${problemId}/cases`, {
      body: { caseIds: [second.caseId] },
    });

    expect(linked.status).toBe(200);
    expect(linked.body.linked).toEqual([second.caseId]);
    const listed = await api('GET', '/v1/problems?status=open');
    const row = listed.body.items.find(
      (i: { problem: { problemId: string } }) => i.problem.problemId === problemId,
    );
    expect(row).toMatchObject({
      caseCount: 2,
      problem: { touchpoints: ['checkout_abandonment', 'post_purchase'] },
    });
  });
});

describe('metrics', () => {
  it('come out exact over a seeded set with known NPS, CSAT, CES and attainment', async () => {
    // Seven responses at the delivery touchpoint (routed to logistics), all at T0.
    const seeds = [
      { rating: { type: 'nps', score: 0 }, customer: { email: 'm1@example.jp', contactConsent: true } },
      { rating: { type: 'nps', score: 3 }, customer: { email: 'm2@example.jp', contactConsent: true } },
      { rating: { type: 'nps', score: 6 } },
      { rating: { type: 'nps', score: 9 } },
      { rating: { type: 'csat', score: 2 } },
      { rating: { type: 'csat', score: 5 } },
      { rating: { type: 'ces', score: 6 } },
    ];
    for (const [i, seed] of seeds.entries()) {
      const response = await postFeedback(
        stack,
        { siteId: 'shop-jp', touchpoint: 'delivery', channel: 'app', ...seed },
        { 'idempotency-key': `metrics-${i}` },
      );
      expect(response.status).toBe(202);
    }
    const metrics = async () =>
      (await api('GET', '/v1/metrics?groupBy=touchpoint&from=2026-11-16&to=2026-11-22', { as: 'yoshida' }))
        .body;
    const delivery = async () =>
      (await metrics()).groups.find((g: { key: string }) => g.key === 'delivery') as Record<string, unknown>;
    await eventually(async () => expect(await delivery()).toMatchObject({ responses: 7, cases: 4 }), 20_000);
    const list = await api('GET', '/v1/cases?team=logistics&limit=10', { as: 'yoshida' });
    const caseByRating = new Map<string, Case>();
    for (const listed of list.body.items as Case[]) {
      const rating = (await getCase(listed.caseId)).feedback.rating as { type: string; score: number };
      caseByRating.set(`${rating.type}:${rating.score}`, listed);
    }
    const [a, b, c] = ['nps:0', 'nps:3', 'nps:6'].map((k) => caseByRating.get(k)!) as [Case, Case, Case];
    const at = async (minutes: number, fn: () => Promise<{ status: number }>) => {
      stack.clock.advance(T0.getTime() + minutes * 60_000 - stack.clock.now().getTime());
      expect((await fn()).status).toBe(200);
    };
    const resolve = (x: Case, version: number) =>
      api('POST', `/v1/cases/${x.caseId}/resolve`, {
        as: 'yoshida',
        ifMatch: version,
        body: {
          customerMessage: 'Your parcel is on its way',
          rootCause: 'carrier delay',
          actions: { internal: [], external: [] },
        },
      });

    // Acknowledged after 30 min (≤ 2 h), 3 h (≤ 6 h) and 7 h; the CSAT 2 case never.
    await at(30, () => api('POST', `/v1/cases/${a.caseId}/acknowledge`, { as: 'yoshida', ifMatch: 1 }));
    await at(180, () => api('POST', `/v1/cases/${b.caseId}/acknowledge`, { as: 'yamada', ifMatch: 1 }));
    await at(420, () => api('POST', `/v1/cases/${c.caseId}/acknowledge`, { as: 'sasaki', ifMatch: 1 }));
    // Resolved after 10 h (≤ 48 h, customer told ≤ 72 h) and 80 h (neither); both consented.
    await at(600, () => resolve(a, 2));
    await at(4800, () => resolve(b, 2));

    expect(await delivery()).toEqual({
      key: 'delivery',
      responses: 7,
      nps: -50, // (1 promoter − 3 detractors) / 4
      csat: 0.5, // one CSAT of two is 4–5
      csatAverage: 3.5,
      ces: 6,
      negativeShare: 0.5714, // 4 of 7
      cases: 4,
      acknowledgedWithin2h: 0.25,
      acknowledgedWithin6h: 0.5,
      closedWithin48h: 0.25,
      loopClosedWithin72h: 0.5,
      // Histogram estimates: one observation sits at the middle of its bucket.
      ackMinutesP50: 180, // 30, 180, 420 → (120, 240]
      ackMinutesP90: 420, // (360, 480]
      resolveMinutesP50: 600, // 600, 4800 → (480, 720]
      resolveMinutesP90: 7200, // (4320, 10080]
      // Seeded as site-key feedback without invitations or impressions: nothing asked, nothing shown.
      invited: 0,
      opened: 0,
      answered: 0,
      responseRate: null,
      prompted: 0,
      promptResponseRate: null,
    });
    const byTeam = await api('GET', '/v1/metrics?groupBy=team&from=2026-W47&to=2026-W47', { as: 'yoshida' });
    expect(byTeam.body.groups.map((g: { key: string }) => g.key)).toEqual(['logistics']);
    expect(byTeam.body.targets).toEqual(stack.config.sla.targets);
  });
});

describe('erasure and retention', () => {
  it('removes the email, name and comment everywhere, keeps the suppression entry and leaves an erased event', async () => {
    const email = 'Erase.Me@Example.jp';
    const name = '消去 太郎';
    const comment = 'アカウントが作れません erase-me-comment';
    const c = await openCase(
      {
        touchpoint: 'account_creation',
        rating: { type: 'nps', score: 1 },
        comment,
        customer: { email, name, locale: 'ja', contactConsent: true },
        context: { orderId: 'ORD-ERASE-1' },
      },
      'erase-1',
    );
    await api('POST', `/v1/cases/${c.caseId}/notes`, {
      as: 'sato',
      ifMatch: 1,
      body: { text: `Called ${name} back at ${email.toLowerCase()}` },
    });
    // The customer was told their feedback arrived, then unsubscribed.
    await eventually(async () => {
      const mail = (await (await fetch(`${stack.url}/__local/outbox`)).json()) as { to: string[] }[];
      expect(mail.some((m) => m.to[0] === email)).toBe(true);
    }, 20_000);
    await stack.db.send(
      new PutCommand({
        TableName: stack.tableName,
        Item: {
          ...suppressionKey(email),
          type: 'suppression',
          email: email.toLowerCase(),
          reason: 'unsubscribe',
          at: T0.toISOString(),
        },
      }),
    );

    // Linked to a problem, whose link counts the customer by a hash of the address.
    const problem = await api('POST', '/v1/problems', {
      as: 'sato',
      body: { title: 'Sign-up', description: 'd' },
    });
    const problemId = problem.body.problem.problemId as string;
    await api('POST', `/v1/problems/${problemId}/cases`, { as: 'sato', body: { caseIds: [c.caseId] } });
    const link = () =>
      stack.db.send(
        new GetCommand({
          TableName: stack.tableName,
          Key: problemCaseKey(problemId, c.caseId),
          ConsistentRead: true,
        }),
      );
    expect((await link()).Item?.customerRef).toBe(contactIdOf(contactRefOf('shop-jp', email)));

    const response = await api('DELETE', `/v1/customers?email=${encodeURIComponent(email.toUpperCase())}`, {
      as: 'admin',
    });
    expect((await link()).Item).toMatchObject({ caseId: c.caseId, touchpoint: 'account_creation' });
    expect((await link()).Item).not.toHaveProperty('customerRef');

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ feedback: 1, cases: 1 });
    const { Item: feedback } = await stack.db.send(
      new GetCommand({ TableName: stack.tableName, Key: feedbackKey(c.feedbackId), ConsistentRead: true }),
    );
    expect(feedback).toMatchObject({
      rating: { type: 'nps', score: 1 },
      touchpoint: 'account_creation',
      customer: { contactConsent: true },
    });
    expect(feedback).not.toHaveProperty('comment');
    expect(feedback).not.toHaveProperty('context');
    expect(feedback).not.toHaveProperty('customerHash');
    expect(feedback!.customer).not.toHaveProperty('email');
    expect(feedback!.customer).not.toHaveProperty('name');
    // Retention: feedback still expires service.retentionDays after it arrived (DynamoDB TTL).
    expect(feedback!.expiresAt).toBe(
      Date.parse(feedback!.receivedAt) / 1000 + stack.config.service.retentionDays * 86_400,
    );
    const detail = await getCase(c.caseId);
    expect(detail.case.contactConsent).toBe(false);
    expect(detail.case.summary).toEqual({ rating: { type: 'nps', score: 1 } });
    expect(detail.timeline.at(-1)).toMatchObject({ type: 'erased', actor: 'staff:admin', via: 'api' });
    // Nowhere in the table but the suppression entry (which keeps the opt-out honoured).
    const { Items = [] } = await stack.db.send(
      new ScanCommand({ TableName: stack.tableName, ConsistentRead: true }),
    );
    const holding = Items.filter((item) => {
      const text = JSON.stringify(item).toLowerCase();
      return (
        text.includes(email.toLowerCase()) ||
        text.includes(name) ||
        text.includes('erase-me-comment') ||
        text.includes('ord-erase-1')
      );
    });
    expect(holding.map((i) => i.pk)).toEqual([suppressionKey(email).pk]);
    // A critical case's staff notice asked for before the erasure, redriven from its DLQ later,
    // quotes the comment: notify settles it `erased` and sends nothing.
    const mailsBefore = (await (await fetch(`${stack.url}/__local/outbox`)).json()) as unknown[];
    const redriven = staffNotice(
      { step: 'redriven', requestedAt: T0.toISOString(), data: { ...staffNotice().data, caseId: c.caseId } },
      c.caseId,
    );
    await stack.sqs.send(
      new SendMessageCommand({
        QueueUrl: stack.queues.staffNotices.url,
        MessageBody: JSON.stringify(redriven),
      }),
    );
    await eventually(async () => {
      const { Item: claim } = await stack.db.send(
        new GetCommand({
          TableName: stack.tableName,
          Key: noticeKey(redriven.noticeId, staffTanaka.email),
          ConsistentRead: true,
        }),
      );
      expect(claim?.status).toBe('erased');
    }, 20_000);
    expect((await (await fetch(`${stack.url}/__local/outbox`)).json()) as unknown[]).toHaveLength(
      mailsBefore.length,
    );
    // Asking again finds nothing left to erase.
    expect(
      (await api('DELETE', `/v1/customers?email=${encodeURIComponent(email)}`, { as: 'admin' })).body,
    ).toEqual({
      feedback: 0,
      cases: 0,
    });
  });
});
