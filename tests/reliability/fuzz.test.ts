import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RouteSpec, routeSpecs } from '../../functions/cases/routes.ts';
import type { LocalStack } from '../../infra/local/stack.ts';
import { VirtualClock } from '../../shared/clock.ts';
import { caseIdFor } from '../../shared/domain/case.ts';
import { feedbackInputSchema } from '../../shared/domain/feedback.ts';
import { signLink } from '../../shared/domain/signed-link.ts';
import { startTestStack } from '../support/local-stack.ts';
import { setPath } from '../support/mutate.ts';
import { criticalFeedback, postMany, scanAll, settle } from './loop.ts';
import { recordSection, table } from './report.ts';
import { sizes } from './sizes.ts';

/**
 * Invariant 3 over real HTTP: generated bad requests on the public route, on every staff route
 * and on the signed-link routes answer a 4xx that names the problem, never a 5xx, and store
 * nothing (the whole table is the same before and after each route's run). Every generated
 * request carries at least one defect (a body, query, path id, If-Match, token or header that
 * is wrong), so none of them may succeed; most carry a valid staff token so they reach
 * validation, some none or a bad one.
 */
const opened = new Date('2026-11-24T00:30:00.000Z');
let stack: LocalStack;
let caseId: string;
let caseVersion: number;
let problemId: string;
const tokens: Record<'admin' | 'member' | 'otherTeam' | 'expired', string> = {
  admin: '',
  member: '',
  otherTeam: '',
  expired: '',
};
const figures: Record<string, { inputs: number; status4xx: number; status5xx: number; stored: number }> = {};

beforeAll(async () => {
  // 10,000 requests a route from one address: the answers under test are the handlers', not 429s.
  stack = await startTestStack({ clock: new VirtualClock(opened), schedule: false, intakeLimits: false });
  const posted = await postMany(stack, 3, { prefix: 'fuzz-seed' });
  await settle(stack, posted.accepted);
  caseId = caseIdFor([...posted.accepted][0]!);
  const token = async (query: string) =>
    ((await (await fetch(`${stack.url}/__local/token?${query}`)).json()) as { token: string }).token;
  tokens.admin = await token('admin=1');
  tokens.member = await token('staff=tanaka'); // orders, the team of the seeded cases
  tokens.otherTeam = await token('staff=sato'); // web only
  tokens.expired = stack.jwt.sign(
    { memberId: 'tanaka', groups: ['orders'] },
    new Date('2026-01-01T00:00:00Z'),
  );
  const created = await fetch(`${stack.url}/v1/problems`, {
    method: 'POST',
    headers: { authorization: `Bearer ${tokens.admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({ title: 'Payment outage', description: 'provider down', customerMessage: 'fixed' }),
  });
  expect(created.status).toBe(201);
  problemId = ((await created.json()) as { problem: { problemId: string } }).problem.problemId;
  const got = await fetch(`${stack.url}/v1/cases/${caseId}`, {
    headers: { authorization: `Bearer ${tokens.admin}` },
  });
  caseVersion = ((await got.json()) as { case: { version: number } }).case.version;
  // Nothing may write during the runs but the requests under test.
  await Promise.all([stack.streamPump.stop(), stack.triagePump.stop(), stack.notifyPump.stop()]);
});
afterAll(async () => {
  console.log(table('Fuzzing: generated bad requests per route', figures));
  const totals = Object.values(figures).reduce(
    (t, f) => ({
      inputs: t.inputs + f.inputs,
      status4xx: t.status4xx + f.status4xx,
      status5xx: t.status5xx + f.status5xx,
      stored: t.stored + f.stored,
    }),
    { inputs: 0, status4xx: 0, status5xx: 0, stored: 0 },
  );
  console.log(`fuzz totals: ${JSON.stringify(totals)}`);
  if (Object.keys(figures).length === routeCount) recordSection('fuzz', { ...figures, total: totals });
  await stack?.stop();
});

interface Probe {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

// ---- generators ------------------------------------------------------------------------------

const wrongValue = fc.oneof(
  fc.constant(null),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.string({ maxLength: 30 }),
  fc.string({ minLength: 4001, maxLength: 4100 }),
  fc.constant(''),
  fc.constant('   '),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
);

/** Paths of every leaf and object of `value` (the places a mutation can hit). */
function pathsOf(value: unknown, prefix: string[] = []): string[][] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [prefix];
  const inner = Object.entries(value).flatMap(([k, v]) => pathsOf(v, [...prefix, k]));
  return prefix.length ? [prefix, ...inner] : inner;
}

/** JSON bodies near `valid`: fields set to wrong values, unknown fields, the body not an object. */
function bodyNear(valid: Record<string, unknown>) {
  const paths = pathsOf(valid);
  const edit = fc.tuple(paths.length ? fc.constantFrom(...paths) : fc.constant(['x']), wrongValue);
  return fc.oneof(
    fc.constant(valid),
    edit.map(([p, v]) => setPath(valid, p, v)),
    fc
      .array(edit, { minLength: 2, maxLength: 4 })
      .map((edits) => edits.reduce((b, [p, v]) => setPath(b, p, v), valid as unknown)),
    fc.string({ minLength: 1, maxLength: 8 }).map((k) => ({ ...valid, [`x_${k}`]: 1 })),
    fc.jsonValue({ maxDepth: 2 }).filter((v) => typeof v !== 'object' || v === null || Array.isArray(v)),
    fc.constant({}),
  );
}

/** A raw body: JSON of a near-valid value, or text that is not JSON, or a body that is too big. */
function rawBody(valid: Record<string, unknown>) {
  return fc.oneof(
    { weight: 8, arbitrary: bodyNear(valid).map((v) => ({ text: JSON.stringify(v), json: v as unknown })) },
    {
      weight: 1,
      arbitrary: fc.string({ maxLength: 40 }).map((t) => ({ text: `{"x":${t}`, json: undefined })),
    },
    { weight: 1, arbitrary: fc.constant({ text: `{"pad":"${'x'.repeat(40_000)}"}`, json: undefined }) },
  );
}

const contentType = fc.oneof(
  { weight: 9, arbitrary: fc.constant('application/json') },
  { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', '') },
);

type Auth = keyof typeof tokens | 'none' | 'garbage';
const auth = fc.oneof(
  { weight: 6, arbitrary: fc.constant<Auth>('admin') },
  { weight: 2, arbitrary: fc.constant<Auth>('member') },
  { weight: 1, arbitrary: fc.constantFrom<Auth>('otherTeam', 'none', 'garbage', 'expired') },
);
const authHeader = (a: Auth): Record<string, string> =>
  a === 'none' ? {} : { authorization: `Bearer ${a === 'garbage' ? 'eyJ.garbage.sig' : tokens[a]}` };

const garbageSegment = fc.oneof(
  fc.string({ minLength: 1, maxLength: 40 }),
  fc.constantFrom(
    'case_',
    'case_../x',
    'prb_',
    'CASE_1',
    '%00%ff',
    '%E2%80%AE',
    `case_${'a'.repeat(120)}`,
    'null',
  ),
  fc.stringMatching(/^[a-z]{1,6}_[A-Za-z0-9%._~-]{1,30}$/),
);
const encodeSegment = (s: string) => (/%[0-9A-Fa-f]{2}/.test(s) ? s : encodeURIComponent(s));

const queryValue = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.constantFrom(
    '',
    'true',
    'false',
    '0',
    '101',
    '-4',
    '1e3',
    'open,nope',
    'critical',
    'team',
    'orders',
    '2026-13-01',
    '2026-W54',
    '2020-W01',
    'nps',
    'medianHours',
    'cohort',
    'CL-7K3M9',
    'CL-0O1IL',
    '2026-11-01',
    'a@',
    '%%',
  ),
);
function queryNear(valid: Record<string, string>, known: string[]) {
  const anyKey = fc.string({ minLength: 1, maxLength: 8 });
  const key = known.length ? fc.oneof(fc.constantFrom(...known), anyKey) : anyKey;
  return fc
    .tuple(fc.dictionary(key, queryValue, { maxKeys: 4 }), fc.boolean())
    .map(([extra, keepValid]) => ({ ...(keepValid ? valid : {}), ...extra }));
}

const ifMatch = fc.oneof(
  fc.constant<string | undefined>(undefined),
  fc.constantFrom('*', 'W/"1"', '"1", "2"', 'abc', '-1', '0', '1.5', ''),
  fc.string({ maxLength: 12 }),
  fc.integer({ min: 1, max: 1_000 }).map(String),
);

const validBodies: Record<string, Record<string, unknown>> = {
  acknowledge: { note: 'on it' },
  assign: { assigneeId: 'watanabe' },
  notes: { text: 'called the payment provider' },
  updates: { message: 'we are looking into it' },
  pause: { reason: 'waiting for the receipt' },
  resume: {},
  resolve: {
    customerMessage: 'refunded',
    rootCause: 'double capture',
    actions: { internal: ['x'], external: [] },
  },
  reopen: { reason: 'not fixed' },
  close: { reason: 'done' },
  'POST /v1/problems': { title: 'Outage', description: 'provider down', customerMessage: 'fixed' },
  'POST /v1/problems/{id}/cases': { caseIds: ['case_x'] },
  'POST /v1/problems/{id}/resolve': { customerMessage: 'fixed', actions: { internal: [], external: [] } },
  'POST /v1/problems/{id}/reopen': { reason: 'back' },
  'PATCH /v1/problems/{id}': {
    public: true,
    publicTitle: 'Card payments fail',
    publicMessage: 'We are on it',
    publicSiteIds: ['shop-jp'],
  },
};
const validQueries: Record<string, [Record<string, string>, string[]]> = {
  'GET /v1/cases': [
    { status: 'open' },
    ['team', 'status', 'severity', 'overdue', 'assignee', 'cursor', 'limit', 'ref'],
  ],
  'GET /v1/metrics': [{ groupBy: 'team' }, ['from', 'to', 'groupBy']],
  'GET /v1/problems': [{ status: 'open' }, ['status', 'cursor', 'limit']],
  'GET /v1/trends': [{ metric: 'nps', groupBy: 'touchpoint' }, ['metric', 'groupBy', 'from', 'to']],
  'DELETE /v1/customers': [{ email: 'nobody@example.jp' }, ['email']],
};

/** Bad requests for one staff route; each carries at least one defect the route must refuse. */
function staffRequests(spec: RouteSpec): fc.Arbitrary<Probe> {
  const key = `${spec.method} ${spec.path}`;
  const action = spec.path.startsWith('/v1/cases/{id}/') ? spec.path.split('/').at(-1)! : undefined;
  const validBody = validBodies[action ?? key] ?? {};
  const [validQuery, knownKeys] = validQueries[key] ?? [{}, []];
  const existingId = spec.id ? (spec.path.startsWith('/v1/cases') ? caseId : problemId) : '';
  const unknownId = spec.path.startsWith('/v1/cases') ? 'case_nosuchcase0000' : 'prb_nosuchproblem';
  const id = fc.oneof(
    { weight: 5, arbitrary: fc.constant(existingId) },
    { weight: 1, arbitrary: fc.constant(unknownId) },
    { weight: 3, arbitrary: garbageSegment },
  );
  return fc
    .record({
      auth,
      id,
      query: spec.query ? queryNear(validQuery, knownKeys) : fc.constant({} as Record<string, string>),
      body: spec.body ? rawBody(validBody) : fc.constant(undefined),
      contentType,
      ifMatch: spec.ifMatch ? ifMatch : fc.constant(undefined),
    })
    .filter((r) => {
      // Drop the requests that have no defect (they could rightly succeed).
      // Conservative: only what is sure to be refused counts as an auth defect.
      const authorized =
        r.auth === 'admin' ||
        (['member', 'otherTeam'].includes(r.auth) &&
          spec.access !== 'admin' &&
          !(r.auth === 'otherTeam' && spec.path.startsWith('/v1/cases/{id}')));
      const idOk = !spec.id || (r.id === existingId && spec.id.safeParse(r.id).success);
      const queryOk = !spec.query || spec.query.safeParse(r.query).success;
      const bodyOk =
        !spec.body ||
        (r.body?.json !== undefined &&
          r.contentType === 'application/json' &&
          spec.body.safeParse(r.body.json).success);
      const ifMatchOk =
        !spec.ifMatch || r.ifMatch === String(caseVersion) || r.ifMatch === `"${caseVersion}"`;
      return !(authorized && idOk && queryOk && bodyOk && ifMatchOk);
    })
    .map((r) => {
      const path = spec.path.replace('{id}', encodeSegment(r.id));
      const qs = new URLSearchParams(r.query).toString();
      return {
        method: spec.method,
        path: qs ? `${path}?${qs}` : path,
        headers: {
          ...authHeader(r.auth),
          ...(r.body !== undefined ? { 'content-type': r.contentType } : {}),
          ...(r.ifMatch !== undefined ? { 'if-match': r.ifMatch } : {}),
        },
        ...(r.body !== undefined ? { body: r.body.text } : {}),
      };
    });
}

const validFeedback = criticalFeedback(1);
/** Bad feedback: a body that breaks the contract, or a valid one with a wrong site key, origin, type or key. */
function feedbackRequests(): fc.Arbitrary<Probe> {
  const site = () => stack.sites.find((s) => s.siteId === 'shop-jp')!;
  return fc
    .record({
      body: rawBody(validFeedback),
      siteKey: fc.oneof(
        { weight: 8, arbitrary: fc.constant('valid') },
        { weight: 1, arbitrary: fc.constantFrom('missing', 'sk_local_shop-en', 'wrong') },
      ),
      origin: fc.oneof(
        { weight: 8, arbitrary: fc.constant('valid') },
        { weight: 1, arbitrary: fc.constantFrom('none', 'https://evil.example', 'null') },
      ),
      contentType,
      idempotencyKey: fc.oneof(
        { weight: 4, arbitrary: fc.constant<string | undefined>(undefined) },
        { weight: 1, arbitrary: fc.constantFrom('', 'has space', 'clé', 'x'.repeat(256)) },
      ),
    })
    .filter((r) => {
      const bodyOk = r.body.json !== undefined && feedbackInputSchema.safeParse(r.body.json).success;
      const headersOk =
        r.siteKey === 'valid' &&
        r.origin === 'valid' &&
        r.contentType === 'application/json' &&
        r.idempotencyKey === undefined;
      return !(bodyOk && headersOk);
    })
    .map((r) => ({
      method: 'POST',
      path: '/v1/feedback',
      headers: {
        'content-type': r.contentType,
        ...(r.siteKey === 'valid'
          ? { 'x-site-key': site().siteKey }
          : r.siteKey === 'missing'
            ? {}
            : { 'x-site-key': r.siteKey }),
        ...(r.origin === 'valid'
          ? { origin: site().origins[0]! }
          : r.origin === 'none'
            ? {}
            : { origin: r.origin }),
        ...(r.idempotencyKey !== undefined ? { 'idempotency-key': r.idempotencyKey } : {}),
      },
      body: r.body.text,
    }));
}

/** Signed-link tokens that must not act: garbage, tampered, signed with another secret, expired, incomplete. */
function linkRequests(method: 'GET' | 'POST'): fc.Arbitrary<Probe> {
  const now = Math.floor(opened.getTime() / 1000);
  const payload = fc.record({
    jti: fc.stringMatching(/^[a-f0-9]{8,32}$/),
    act: fc.constantFrom('acknowledge', 'claim', 'open', 'rate', 'unsubscribe'),
    caseId: fc.constant(caseId),
    memberId: fc.constant('tanaka'),
    value: fc.constantFrom('good', 'bad', '3'),
    email: fc.constant('customer1@example.jp'),
    exp: fc.integer({ min: now + 60, max: now + 86_400 }),
  });
  const token = fc.oneof(
    garbageSegment,
    fc.string({ minLength: 20, maxLength: 200 }),
    payload.map((p) => signLink(p as never, 'another-secret-of-at-least-32-characters!!')),
    fc.tuple(payload, fc.nat()).map(([p, n]) => {
      const t = signLink(p as never, stack.linkSecret);
      // Not the last character: its two spare bits decode to the same signature bytes.
      const i = n % (t.length - 1);
      const c = t[i] === 'A' ? 'B' : 'A';
      return t.slice(0, i) + c + t.slice(i + 1);
    }),
    payload.map((p) => signLink({ ...p, exp: now - 3_600 } as never, stack.linkSecret)),
    payload.map(({ caseId: _c, memberId: _m, email: _e, value: _v, ...p }) =>
      signLink(p as never, stack.linkSecret),
    ),
  );
  return fc.record({ token, body: fc.constantFrom('', 'List-Unsubscribe=One-Click', '{"x":1}') }).map(
    (r): Probe => ({
      method,
      path: `/v1/actions/${encodeSegment(r.token)}`,
      headers:
        method === 'POST'
          ? { 'content-type': 'application/x-www-form-urlencoded' }
          : ({} as Record<string, string>),
      ...(method === 'POST' ? { body: r.body } : {}),
    }),
  );
}

// ---- running -----------------------------------------------------------------------------------

/** Whether a 4xx answer names the problem: issues with paths, or an error / message, or a page title. */
function namesProblem(status: number, type: string, text: string): boolean {
  if (type.includes('text/html')) return /<h1>[^<]+<\/h1>/.test(text);
  let body: { issues?: { path?: unknown; message?: unknown }[]; error?: unknown; message?: unknown };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    return false;
  }
  if (Array.isArray(body.issues)) {
    return (
      status === 400 &&
      body.issues.length > 0 &&
      body.issues.every(
        (i) => typeof i.path === 'string' && typeof i.message === 'string' && i.message !== '',
      )
    );
  }
  return (
    (typeof body.error === 'string' && body.error !== '') ||
    (typeof body.message === 'string' && body.message !== '')
  );
}

async function snapshot(): Promise<Map<string, string>> {
  return new Map((await scanAll(stack)).map((i) => [`${i.pk}|${i.sk}`, JSON.stringify(i)]));
}

function changes(before: Map<string, string>, after: Map<string, string>): number {
  let n = 0;
  for (const [k, v] of after) if (before.get(k) !== v) n++;
  for (const k of before.keys()) if (!after.has(k)) n++;
  return n;
}

async function fuzz(name: string, requests: fc.Arbitrary<Probe>, seed: number) {
  const probes = fc.sample(requests, { numRuns: sizes.fuzzPerRoute, seed });
  const before = await snapshot();
  const statuses = new Map<number, number>();
  const unnamed: string[] = [];
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < probes.length; i = next++) {
      const p = probes[i]!;
      const response = await fetch(stack.url + p.path, {
        method: p.method,
        headers: p.headers,
        ...(p.body !== undefined ? { body: p.body } : {}),
      });
      const text = await response.text();
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      if (
        response.status >= 400 &&
        response.status < 500 &&
        !namesProblem(response.status, response.headers.get('content-type') ?? '', text)
      ) {
        if (unnamed.length < 3)
          unnamed.push(`${p.method} ${p.path.slice(0, 80)} → ${response.status} ${text.slice(0, 120)}`);
      }
      if (response.status < 400 || response.status >= 500) {
        if (unnamed.length < 3)
          unnamed.push(
            `${p.method} ${p.path.slice(0, 80)} ${p.body?.slice(0, 80) ?? ''} → ${response.status} ${text.slice(0, 160)}`,
          );
      }
    }
  };
  await Promise.all(Array.from({ length: sizes.fuzzConcurrency }, worker));
  const stored = changes(before, await snapshot());
  const count = (pred: (s: number) => boolean) =>
    [...statuses].filter(([s]) => pred(s)).reduce((n, [, c]) => n + c, 0);
  figures[name] = {
    inputs: probes.length,
    status4xx: count((s) => s >= 400 && s < 500),
    status5xx: count((s) => s >= 500),
    stored,
  };
  return { ...figures[name], statuses: Object.fromEntries(statuses), unnamed };
}

const staffSpecs = routeSpecs.filter((r) => r.access !== 'public');
const routeCount = staffSpecs.length + 3;

describe('generated bad requests (invariant 3)', () => {
  it('answers bad feedback with a 4xx naming the problem, never a 5xx, storing nothing', async () => {
    const result = await fuzz('POST /v1/feedback', feedbackRequests(), 801);

    expect(result.unnamed).toEqual([]);
    expect(result).toMatchObject({
      inputs: sizes.fuzzPerRoute,
      status4xx: sizes.fuzzPerRoute,
      status5xx: 0,
      stored: 0,
    });
  });

  it.each(staffSpecs.map((spec, i) => [`${spec.method} ${spec.path}`, spec, i] as const))(
    'answers bad requests on %s with a 4xx naming the problem, never a 5xx, changing nothing',
    async (name, spec, i) => {
      const result = await fuzz(name, staffRequests(spec), 900 + i);

      expect(result.unnamed).toEqual([]);
      expect(result).toMatchObject({
        inputs: sizes.fuzzPerRoute,
        status4xx: sizes.fuzzPerRoute,
        status5xx: 0,
        stored: 0,
      });
    },
  );

  it.each(['GET', 'POST'] as const)(
    'refuses forged, tampered, expired and garbage links on %s /v1/actions/{token}, changing nothing',
    async (method) => {
      const result = await fuzz(
        `${method} /v1/actions/{token}`,
        linkRequests(method),
        method === 'GET' ? 1001 : 1002,
      );

      expect(result.unnamed).toEqual([]);
      expect(result).toMatchObject({
        inputs: sizes.fuzzPerRoute,
        status4xx: sizes.fuzzPerRoute,
        status5xx: 0,
        stored: 0,
      });
    },
  );
});
