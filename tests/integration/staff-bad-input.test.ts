import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { eventually, postFeedback, startTestStack } from '../support/local-stack.ts';

/** Invariant 3 on the staff and link routes: malformed requests get a 4xx naming the problem, never a 5xx. */
let stack: LocalStack;
let caseId: string;
let token: string;

beforeAll(async () => {
  stack = await startTestStack();
  const response = await postFeedback(stack, {
    siteId: 'shop-jp',
    touchpoint: 'delivery',
    channel: 'app',
    rating: { type: 'nps', score: 1 },
    comment: '届かない',
  });
  const { feedbackId } = (await response.json()) as { feedbackId: string };
  caseId = `case_${feedbackId.slice(3)}`;
  token = ((await (await fetch(`${stack.url}/__local/token?admin=1`)).json()) as { token: string }).token;
  await eventually(async () => {
    const got = await fetch(`${stack.url}/v1/cases/${caseId}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(got.status).toBe(200);
  });
});
afterAll(async () => {
  await stack?.stop();
});

const json = (extra: Record<string, string> = {}) => ({
  authorization: `Bearer ${token}`,
  'content-type': 'application/json',
  ...extra,
});

describe('malformed staff requests', () => {
  const probes: [string, () => string, () => RequestInit, number, string?][] = [
    [
      'a garbage cursor',
      () => '/v1/cases?cursor=%25%25garbage',
      () => ({ headers: json() }),
      400,
      'query:cursor',
    ],
    [
      'unknown filters',
      () => '/v1/cases?status=nope&limit=-4',
      () => ({ headers: json() }),
      400,
      'query:status[0]',
    ],
    ['a malformed path escape', () => '/v1/cases/%00%ff', () => ({ headers: json() }), 400, 'path:id'],
    [
      'a missing If-Match',
      () => `/v1/cases/${caseId}/acknowledge`,
      () => ({ method: 'POST', headers: json() }),
      428,
    ],
    [
      'a malformed If-Match',
      () => `/v1/cases/${caseId}/acknowledge`,
      () => ({ method: 'POST', headers: json({ 'if-match': 'abc' }) }),
      400,
      'header:If-Match',
    ],
    [
      'a body that is not JSON',
      () => `/v1/cases/${caseId}/notes`,
      () => ({ method: 'POST', headers: json({ 'if-match': '1' }), body: '{"text":' }),
      400,
      '',
    ],
    [
      'a resolution without its fields',
      () => `/v1/cases/${caseId}/resolve`,
      () => ({ method: 'POST', headers: json({ 'if-match': '1' }), body: '{}' }),
      400,
      'customerMessage',
    ],
    [
      'an assignee outside the team',
      () => `/v1/cases/${caseId}/assign`,
      () => ({ method: 'POST', headers: json({ 'if-match': '1' }), body: '{"assigneeId":"ghost"}' }),
      400,
      'assigneeId',
    ],
    [
      'a malformed problem id',
      () => '/v1/problems/nope/cases',
      () => ({ method: 'POST', headers: json(), body: '{"caseIds":"x"}' }),
      400,
      'path:id',
    ],
    [
      'a reversed metrics range',
      () => '/v1/metrics?from=2026-12-01&to=2026-01-01&groupBy=team',
      () => ({ headers: json() }),
      400,
      'query:from',
    ],
    [
      'erasure without an address',
      () => '/v1/customers',
      () => ({ method: 'DELETE', headers: json() }),
      400,
      'query:email',
    ],
    ['a garbage link token', () => '/v1/actions/garbage', () => ({}), 400],
  ];

  it.each(probes)(
    'answers %s with a 4xx naming the problem',
    async (_what, path, init, status, issuePath) => {
      const response = await fetch(stack.url + path(), init());
      const text = await response.text();

      expect(response.status).toBe(status);
      if (issuePath !== undefined) {
        const paths = (JSON.parse(text) as { issues: { path: string }[] }).issues.map((i) => i.path);
        expect(paths).toContain(issuePath);
      }
    },
  );

  it('leaves the case untouched by all of them', async () => {
    const got = await fetch(`${stack.url}/v1/cases/${caseId}`, { headers: json() });
    const body = (await got.json()) as { case: { version: number; status: string }; timeline: unknown[] };

    expect(body.case).toMatchObject({ version: 1, status: 'open' });
    expect(body.timeline).toHaveLength(2);
  });
});
