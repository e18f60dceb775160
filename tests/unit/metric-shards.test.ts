import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { readMetrics } from '../../core/insights/metrics.ts';
import { metricAddUpdate } from '../../shared/adapters/metric-update.ts';
import { dynamoMetricsReader } from '../../shared/adapters/metrics-reader.ts';
import { VirtualClock } from '../../shared/clock.ts';
import { loadConfigFile } from '../../shared/config/load.ts';
import { feedbackIdFor } from '../../shared/domain/feedback.ts';
import { talliesOf } from '../../shared/domain/metrics.ts';
import { METRIC_SHARDS, metricKey, metricShardOf } from '../../shared/repository/metric-item.ts';

/** Weekly counters are write-sharded and summed on read (docs/design.md#counters-at-scale). */
const counter = {
  dimension: 'combined' as const,
  key: 'post_purchase|web|orders',
  week: '2026-W48',
  tallies: { responses: 1 },
};
const feedbackIds = Array.from({ length: 1000 }, (_, i) => feedbackIdFor('shop-jp', `order-${i}`));

describe('weekly counter shards', () => {
  it('sends the writes for one id to the same shard every time, so a retried write hits the item of its first try', () => {
    const first = metricAddUpdate('t', counter, 'fb_retry');
    const again = metricAddUpdate('t', counter, 'fb_retry');

    expect(again.Key).toEqual(first.Key);
    expect(first.Key).toEqual(
      metricKey('combined', '2026-W48', 'post_purchase|web|orders', metricShardOf('fb_retry')),
    );
    expect(first.Key?.sk).toMatch(new RegExp(`^KEY#post_purchase\\|web\\|orders#[0-${METRIC_SHARDS - 1}]$`));
  });

  it('spreads 1,000 feedback of one busy key over every shard, none taking more than 1.5 times its share', () => {
    const perShard = new Map<unknown, number>();
    for (const id of feedbackIds) {
      const sk = metricAddUpdate('t', counter, id).Key?.sk;
      perShard.set(sk, (perShard.get(sk) ?? 0) + 1);
    }

    expect(perShard.size).toBe(METRIC_SHARDS);
    expect(Math.max(...perShard.values())).toBeLessThanOrEqual((1.5 * feedbackIds.length) / METRIC_SHARDS);
  });
});

describe('metrics summed over shards on read', () => {
  const ddb = mockClient(DynamoDBDocumentClient);
  afterEach(() => ddb.reset());

  const nps = (score: number) =>
    talliesOf({
      rating: { type: 'nps', score },
      npsBucket: score >= 9 ? 'promoter' : score >= 7 ? 'passive' : 'detractor',
      sentiment: score >= 9 ? 'positive' : score >= 7 ? 'neutral' : 'negative',
      opensCase: score < 7,
    });
  const item = (pk: string, key: string, sk: string, tallies: object) => ({
    pk,
    sk,
    type: 'metric',
    dimension: pk.split('#')[1],
    key,
    week: '2026-W48',
    ...tallies,
  });
  const added = (a: object, b: object): object =>
    Object.fromEntries(Object.entries(a).map(([k, v]) => [k, v + (b as Record<string, number>)[k]]));
  const combined = 'METRIC#combined#2026-W48';
  // Combined items on three shards, and a channel item counted before combined items existed.
  const partitions: Record<string, Record<string, unknown>[]> = {
    [combined]: [
      item(combined, 'post_purchase|web|orders', 'KEY#post_purchase|web|orders#0', nps(10)),
      item(combined, 'delivery|web|logistics', 'KEY#delivery|web|logistics#5', added(nps(2), nps(3))),
      item(combined, 'post_purchase|app|orders', 'KEY#post_purchase|app|orders#3', nps(9)),
    ],
    'METRIC#channel#2026-W48': [item('METRIC#channel#2026-W48', 'web', 'KEY#web', nps(8))],
  };
  const read = (groupBy: 'channel' | 'touchpoint' | 'team') => {
    ddb
      .on(QueryCommand)
      .callsFake((input) => ({ Items: partitions[input.ExpressionAttributeValues[':pk']] ?? [] }));
    return readMetrics(
      { from: '2026-W48', to: '2026-W48', groupBy },
      { memberId: 'sato', teamIds: ['orders', 'logistics'], admin: false },
      {
        metrics: dynamoMetricsReader(DynamoDBDocumentClient.from(new DynamoDBClient({})), 't'),
        clock: new VirtualClock(new Date('2026-11-27T00:00:00Z')),
        config: loadConfigFile('closeloop.config.example.json'),
      },
    );
  };
  const rows = (answer: Awaited<ReturnType<typeof read>>) =>
    answer.groups.map((g) => [g.key, g.responses, g.nps, g.cases]);

  it('answers each channel with the sum of its combined items on every shard and of its items from before', async () => {
    expect(rows(await read('channel'))).toEqual([
      // (1 promoter − 2 detractors) / 4 answers
      ['web', 4, -25, 2],
      ['app', 1, 100, 0],
    ]);
  });

  it('answers touchpoints and teams from the same combined items', async () => {
    expect(rows(await read('touchpoint'))).toEqual([
      ['delivery', 2, -100, 2],
      ['post_purchase', 2, 100, 0],
    ]);
    expect(rows(await read('team'))).toEqual([
      ['logistics', 2, -100, 2],
      ['orders', 2, 100, 0],
    ]);
  });
});
