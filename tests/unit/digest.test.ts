import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  type DigestDeps,
  isOverdue,
  sendWeeklyDigests,
  teamsAtLocalTime,
  weekJustEnded,
} from '../../core/insights/digest.ts';
import { makeDigestHandler } from '../../functions/digest/handler.ts';
import { dynamoDigestCases, dynamoDigestOutbox } from '../../shared/adapters/digest-store.ts';
import { loadConfigFile } from '../../shared/config/load.ts';
import type { Config } from '../../shared/config/schema.ts';
import type { OpenCaseFacts } from '../../shared/domain/digest-ports.ts';
import type { MetricDimension } from '../../shared/domain/metrics.ts';
import type { OutboxEntry } from '../../shared/domain/outbox.ts';

import type { NoticeRequested } from '../../shared/events/notice-requested.ts';
import { renderNotice } from '../../shared/notices/templates.ts';

const config: Config = loadConfigFile('closeloop.config.example.json');
/** Monday 2026-11-23 09:00 JST. */
const MONDAY_9_JST = new Date('2026-11-23T00:00:00.000Z');

describe('weekJustEnded', () => {
  it('is the ISO week before the current one on the Tokyo calendar, Monday 00:00 to Monday 00:00 JST', () => {
    expect(weekJustEnded(MONDAY_9_JST, 'Asia/Tokyo')).toEqual({
      week: '2026-W47',
      from: '2026-11-15T15:00:00.000Z',
      to: '2026-11-22T15:00:00.000Z',
    });
  });

  it('turns over at midnight JST, not at midnight UTC', () => {
    // Sunday 23:59 JST: week 47 is still running, so week 46 is the one that ended.
    expect(weekJustEnded(new Date('2026-11-22T14:59:00Z'), 'Asia/Tokyo').week).toBe('2026-W46');
    // Monday 00:00 JST (still Sunday in UTC): week 47 has just ended.
    expect(weekJustEnded(new Date('2026-11-22T15:00:00Z'), 'Asia/Tokyo').week).toBe('2026-W47');
    expect(weekJustEnded(new Date('2026-11-22T15:00:00Z'), 'UTC').week).toBe('2026-W46');
  });

  it('crosses the year into week 53', () => {
    expect(weekJustEnded(new Date('2027-01-04T00:00:00Z'), 'Asia/Tokyo')).toEqual({
      week: '2026-W53',
      from: '2026-12-27T15:00:00.000Z',
      to: '2027-01-03T15:00:00.000Z',
    });
  });

  it('keeps local midnights across a daylight-saving change', () => {
    // America/New_York left DST on 2026-11-01: that week starts at 04:00Z and ends at 05:00Z.
    expect(weekJustEnded(new Date('2026-11-02T14:00:00Z'), 'America/New_York')).toEqual({
      week: '2026-W44',
      from: '2026-10-26T04:00:00.000Z',
      to: '2026-11-02T05:00:00.000Z',
    });
  });
});

describe('teamsAtLocalTime', () => {
  it('names every team whose calendar shows Monday 09:00 in that minute, and none a minute apart', () => {
    expect(teamsAtLocalTime(MONDAY_9_JST, config)).toEqual(config.teams.map((t) => t.id));
    expect(teamsAtLocalTime(new Date('2026-11-23T00:00:59.999Z'), config)).toHaveLength(5);
    expect(teamsAtLocalTime(new Date('2026-11-22T23:59:59.999Z'), config)).toEqual([]);
    expect(teamsAtLocalTime(new Date('2026-11-23T00:01:00Z'), config)).toEqual([]);
    // Tuesday 09:00 JST.
    expect(teamsAtLocalTime(new Date('2026-11-24T00:00:00Z'), config)).toEqual([]);
  });
});

describe('isOverdue', () => {
  const now = new Date('2026-11-23T00:00:00Z');
  const c = (status: OpenCaseFacts['status'], ack: string, res: string): OpenCaseFacts => ({
    status,
    acknowledgeBy: ack,
    resolveBy: res,
  });
  it('counts a missed acknowledge deadline while unacknowledged, a missed resolve deadline once acknowledged', () => {
    const past = '2026-11-22T00:00:00.000Z';
    const future = '2026-11-24T00:00:00.000Z';
    expect(isOverdue(c('open', past, future), now)).toBe(true);
    expect(isOverdue(c('reopened', past, future), now)).toBe(true);
    expect(isOverdue(c('open', future, past), now)).toBe(false);
    expect(isOverdue(c('acknowledged', past, future), now)).toBe(false);
    expect(isOverdue(c('acknowledged', past, past), now)).toBe(true);
    // The resolve clock stands still while waiting on the customer.
    expect(isOverdue(c('waiting_on_customer', past, past), now)).toBe(false);
  });
});

/** Counter items as triage and the case use cases write them (only the attributes that matter). */
function counter(dimension: MetricDimension, week: string, key: string, t: Record<string, number>) {
  return { pk: `METRIC#${dimension}#${week}`, sk: `KEY#${key}`, type: 'metric', dimension, key, week, ...t };
}

function fakes(items: Record<string, unknown>[], open: Record<string, OpenCaseFacts[]> = {}) {
  const outbox = new Map<string, OutboxEntry>();
  const reads: string[] = [];
  const deps: DigestDeps = {
    config,
    metrics: {
      async week(dimension, week) {
        reads.push(`${dimension}#${week}`);
        return items.filter((i) => i.pk === `METRIC#${dimension}#${week}`);
      },
    },
    cases: { openCases: async (teamId) => open[teamId] ?? [] },
    outbox: {
      async queue(entry) {
        if (outbox.has(entry.id)) return 'exists';
        outbox.set(entry.id, entry);
        return 'queued';
      },
    },
  };
  return { deps, outbox, reads };
}

const W = '2026-W47';
const seeded = [
  counter('team', W, 'orders', {
    responses: 10,
    npsCount: 8,
    npsPromoters: 2,
    npsDetractors: 4,
    csatCount: 2,
    csatSatisfied: 1,
    cases: 5,
    acknowledgedWithin2h: 3,
    acknowledgedWithin6h: 4,
    closedWithin48h: 5,
    loopClosable: 2,
    loopClosedWithin72h: 1,
  }),
  counter('team', W, 'web', { responses: 3, npsCount: 3, npsPromoters: 3, cases: 0 }),
  // Another week: must not count.
  counter('team', '2026-W46', 'orders', { responses: 99, cases: 99 }),
  counter('touchpoint', W, 'checkout_abandonment', {
    responses: 9,
    npsCount: 8,
    npsPromoters: 2,
    npsDetractors: 4,
  }),
  counter('touchpoint', W, 'delivery', { responses: 4, csatCount: 4, csatSatisfied: 3 }),
  // The ask counters, as the reader returns them among the touchpoint items: invitations emailed
  // after purchase (none answered through the widget), prompts the widget showed at checkout.
  counter('touchpoint', W, 'post_purchase', { invited: 8, opened: 5, answered: 2 }),
  counter('touchpoint', W, 'checkout_abandonment', { prompted: 36, promptAnswered: 9 }),
  counter('reason', W, 'shipping_problem', { responses: 2 }),
  counter('reason', W, 'payment_method_unavailable', { responses: 6 }),
];

/** The digest email as notify renders it for the notice's first recipient. */
const renderDigest = (notice: NoticeRequested, locale: 'ja' | 'en') =>
  renderNotice({
    kind: notice.kind,
    data: notice.data,
    recipient: notice.to[0]!,
    locale,
    serviceName: 'Closeloop',
    timeZone: 'Asia/Tokyo',
    links: {},
  });

describe('sendWeeklyDigests', () => {
  const past = '2026-11-20T00:00:00.000Z';
  const future = '2026-12-01T00:00:00.000Z';
  const open = {
    orders: [
      { status: 'open', acknowledgeBy: past, resolveBy: future },
      { status: 'acknowledged', acknowledgeBy: past, resolveBy: future },
      { status: 'acknowledged', acknowledgeBy: past, resolveBy: past },
      { status: 'waiting_on_customer', acknowledgeBy: past, resolveBy: past },
    ] as OpenCaseFacts[],
  };

  it('queues one staff_weekly_digest per team for the week that just ended, to lead, manager and inbox', async () => {
    const { deps, outbox, reads } = fakes(seeded, open);
    const results = await sendWeeklyDigests(MONDAY_9_JST, deps);
    expect(results.map((r) => [r.teamId, r.week, r.outcome])).toEqual(
      config.teams.map((t) => [t.id, W, 'queued']),
    );
    expect(outbox.size).toBe(config.teams.length);
    // Teams on one week share the counter reads: one Query per dimension.
    expect(reads.sort()).toEqual([`reason#${W}`, `team#${W}`, `touchpoint#${W}`]);

    const entry = outbox.get(`notice:digest:orders:staff_weekly_digest:${W}`);
    expect(entry?.target).toBe('notify');
    const notice = entry?.message as NoticeRequested;
    expect(notice).toMatchObject({
      type: 'notice.requested',
      version: 1,
      noticeId: `digest:orders:staff_weekly_digest:${W}`,
      kind: 'staff_weekly_digest',
      audience: 'staff',
      step: W,
      requestedAt: MONDAY_9_JST.toISOString(),
    });
    expect(notice.caseId).toBeUndefined();
    expect(notice.to).toEqual([
      { email: 'makoto.tanaka@shop.example.jp', name: expect.any(String), locale: 'ja', memberId: 'tanaka' },
      {
        email: 'misaki.watanabe@shop.example.jp',
        name: expect.any(String),
        locale: 'ja',
        memberId: 'watanabe',
      },
      { email: 'orders@shop.example.jp', name: '受注システム・IT チーム' },
    ]);
    expect(notice.data).toEqual({
      teamId: 'orders',
      teamName: '受注システム・IT チーム',
      week: W,
      from: '2026-11-15T15:00:00.000Z',
      to: '2026-11-22T14:59:00.000Z',
      timeZone: 'Asia/Tokyo',
      counts: { new: 5, open: 4, overdue: 2 },
      team: { responses: 10, nps: -25, csat: 0.5 },
      scope: 'all_teams',
      byTouchpoint: [
        { touchpoint: 'checkout_abandonment', responses: 9, nps: -25, csat: null },
        { touchpoint: 'delivery', responses: 4, nps: null, csat: 0.75 },
      ],
      asks: [
        {
          touchpoint: 'post_purchase',
          invited: 8,
          opened: 5,
          answered: 2,
          responseRate: 0.25,
          prompted: 0,
          promptResponseRate: null,
        },
        {
          touchpoint: 'checkout_abandonment',
          invited: 0,
          opened: 0,
          answered: 0,
          responseRate: null,
          prompted: 36,
          promptResponseRate: 0.25,
        },
      ],
      attainment: [
        { metric: 'acknowledgedWithin2h', actual: 0.6, target: 0.6 },
        { metric: 'acknowledgedWithin6h', actual: 0.8, target: 0.85 },
        { metric: 'closedWithin48h', actual: 1, target: 0.95 },
        { metric: 'loopClosedWithin72h', actual: 0.5, target: 0.95 },
      ],
      topReasons: [
        { reason: 'payment_method_unavailable', count: 6 },
        { reason: 'shipping_problem', count: 2 },
      ],
    });

    // A team without data that week still gets its digest, with zeros and nulls.
    const pricing = outbox.get(`notice:digest:pricing:staff_weekly_digest:${W}`)?.message as NoticeRequested;
    expect(pricing.data).toMatchObject({
      counts: { new: 0, open: 0, overdue: 0 },
      team: { responses: 0, nps: null, csat: null },
    });
  });

  it('renders in both languages, labels the all-team tables honestly', async () => {
    const { deps, outbox } = fakes(seeded, open);
    await sendWeeklyDigests(MONDAY_9_JST, deps);
    const notice = outbox.get(`notice:digest:orders:staff_weekly_digest:${W}`)?.message as NoticeRequested;
    const render = (locale: 'ja' | 'en') => renderDigest(notice, locale);
    const en = render('en');
    expect(en.subject).toBe(`[Weekly digest] 受注システム・IT チーム ${W}`);
    expect(en.text).toContain('NPS / CSAT by touchpoint (all teams)');
    expect(en.text).toContain('Top reasons (all teams)');
    expect(en.text).toContain('NPS / CSAT of 受注システム・IT チーム');
    expect(en.text).toContain('payment_method_unavailable');
    const ja = render('ja');
    expect(ja.text).toContain('タッチポイント別 NPS / CSAT（全チーム）');
    expect(ja.text).toContain('主な理由（全チーム）');
  });

  it('lists ask figures only for the touchpoints that invited or prompted anyone, and no NPS row for them', async () => {
    const { deps, outbox } = fakes(seeded, open);
    await sendWeeklyDigests(MONDAY_9_JST, deps);
    const notice = outbox.get(`notice:digest:orders:staff_weekly_digest:${W}`)?.message as NoticeRequested;
    const data = notice.data as { asks: { touchpoint: string }[]; byTouchpoint: { touchpoint: string }[] };
    // Delivery asked nobody: it has responses but no ask row.
    expect(data.asks.map((a) => a.touchpoint)).toEqual(['post_purchase', 'checkout_abandonment']);
    // Post-purchase was asked but nobody answered through the widget or a survey that week.
    expect(data.byTouchpoint.map((t) => t.touchpoint)).toEqual(['checkout_abandonment', 'delivery']);
  });

  it('shows the response rate per touchpoint in the digest, in English and Japanese, text and HTML', async () => {
    const { deps, outbox } = fakes(seeded, open);
    await sendWeeklyDigests(MONDAY_9_JST, deps);
    const notice = outbox.get(`notice:digest:orders:staff_weekly_digest:${W}`)?.message as NoticeRequested;

    const en = renderDigest(notice, 'en');
    const ja = renderDigest(notice, 'ja');

    expect(en.text).toContain(
      [
        'Survey invitations and widget prompts by touchpoint (all teams)',
        'Touchpoint | Invited | Opened | Answered | Response rate | Prompts shown | Prompt response rate',
        'post_purchase | 8 | 5 | 2 | 25% | 0 | -',
        'checkout_abandonment | 0 | 0 | 0 | - | 36 | 25%',
      ].join('\n'),
    );
    expect(en.html).toContain(
      '<th style="padding:4px 8px;border:1px solid #ddd;background:#f0f0f0;text-align:left">Response rate</th>',
    );
    expect(ja.text).toContain(
      [
        'タッチポイント別 アンケート依頼とウィジェット表示（全チーム）',
        'タッチポイント | 依頼数 | 開封数 | 依頼への回答 | 回答率 | ウィジェット表示数 | 表示あたりの回答率',
        'post_purchase | 8 | 5 | 2 | 25% | 0 | -',
      ].join('\n'),
    );
    expect(ja.html).toContain('>回答率</th>');
  });

  it('says no invitations were sent when no touchpoint asked anyone that week', async () => {
    const quiet = seeded.filter((i) => !('invited' in i) && !('prompted' in i));
    const { deps, outbox } = fakes(quiet, open);
    await sendWeeklyDigests(MONDAY_9_JST, deps);
    const notice = outbox.get(`notice:digest:orders:staff_weekly_digest:${W}`)?.message as NoticeRequested;

    expect(notice.data.asks).toEqual([]);
    expect(renderDigest(notice, 'en').text).toContain(
      'Survey invitations and widget prompts by touchpoint (all teams)\nNo survey invitations sent and no widget prompts shown this week.',
    );
    expect(renderDigest(notice, 'ja').text).toContain(
      '（全チーム）\nこの週はアンケートの依頼もウィジェットの表示もありませんでした。',
    );
  });

  it('queues nothing on a rerun of the same week, later that week too', async () => {
    const { deps, outbox } = fakes(seeded, open);
    await sendWeeklyDigests(MONDAY_9_JST, deps);
    const first = [...outbox.values()].map((e) => JSON.stringify(e));
    const again = await sendWeeklyDigests(new Date('2026-11-23T00:05:00Z'), deps);
    const later = await sendWeeklyDigests(new Date('2026-11-29T14:00:00Z'), deps);
    expect([...again, ...later].every((r) => r.outcome === 'exists')).toBe(true);
    expect([...outbox.values()].map((e) => JSON.stringify(e))).toEqual(first);
    // The next Monday is a new week: a new digest.
    const next = await sendWeeklyDigests(new Date('2026-11-30T00:00:00Z'), deps);
    expect(next.every((r) => r.outcome === 'queued' && r.week === '2026-W48')).toBe(true);
    expect(outbox.size).toBe(config.teams.length * 2);
  });

  it('runs only the teams asked for', async () => {
    const { deps, outbox } = fakes(seeded, open);
    const results = await sendWeeklyDigests(MONDAY_9_JST, deps, { teamIds: ['web'] });
    expect(results.map((r) => r.teamId)).toEqual(['web']);
    expect(outbox.size).toBe(1);
  });

  it('runs from the handler at the clock’s time', async () => {
    const { deps, outbox } = fakes(seeded, open);
    const handler = makeDigestHandler({ ...deps, clock: { now: () => MONDAY_9_JST } });
    const { teams } = await handler();
    expect(teams).toHaveLength(config.teams.length);
    expect(outbox.size).toBe(config.teams.length);
  });
});

describe('digest DynamoDB adapters', () => {
  const ddb = mockClient(DynamoDBDocumentClient);
  const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'ap-northeast-1' }));
  beforeEach(() => ddb.reset());

  it('writes the outbox item with attribute_not_exists, and answers exists when it is there', async () => {
    const store = dynamoDigestOutbox(client, 'closeloop');
    const entry: OutboxEntry = { id: 'notice:x', target: 'notify', message: { a: 1 } };
    ddb
      .on(PutCommand)
      .resolvesOnce({})
      .rejectsOnce(new ConditionalCheckFailedException({ message: 'exists', $metadata: {} }));
    expect(await store.queue(entry, MONDAY_9_JST)).toBe('queued');
    expect(await store.queue(entry, MONDAY_9_JST)).toBe('exists');
    const puts = ddb.commandCalls(PutCommand);
    expect(puts).toHaveLength(2);
    expect(puts[0]!.args[0].input).toMatchObject({
      TableName: 'closeloop',
      ConditionExpression: 'attribute_not_exists(pk)',
      Item: { pk: 'OUTBOX#notice:x', sk: 'OUTBOX', type: 'outbox', target: 'notify', message: { a: 1 } },
    });
  });

  it('reads open cases of a team from the cases-by-team index, every page', async () => {
    ddb
      .on(QueryCommand)
      .resolvesOnce({
        Items: [{ status: 'open', acknowledgeBy: 'a', resolveBy: 'b' }],
        LastEvaluatedKey: { caseTeam: 'TEAM#orders', caseCreated: 'x' },
      })
      .resolvesOnce({ Items: [{ status: 'acknowledged', acknowledgeBy: 'c', resolveBy: 'd' }] });
    const found = await dynamoDigestCases(client, 'closeloop').openCases('orders');
    expect(found).toEqual([
      { status: 'open', acknowledgeBy: 'a', resolveBy: 'b' },
      { status: 'acknowledged', acknowledgeBy: 'c', resolveBy: 'd' },
    ]);
    const calls = ddb.commandCalls(QueryCommand);
    expect(calls).toHaveLength(2);
    expect(calls[0]!.args[0].input).toMatchObject({
      IndexName: 'casesByTeam',
      KeyConditionExpression: '#team = :team',
      ExpressionAttributeValues: { ':team': 'TEAM#orders' },
    });
    expect(calls[1]!.args[0].input.ExclusiveStartKey).toEqual({ caseTeam: 'TEAM#orders', caseCreated: 'x' });
  });
});
