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
const counter = { dimension: 'channel' as const, key: 'web', week: '2026-W48', tallies: { responses: 1 } };
const feedbackIds = Array.from({ length: 1000 }, (_, i) => feedbackIdFor('shop-jp', `order-${i}`));

describe('weekly counter shards', () => {
  it('sends the writes for one id to the same shard every time, so a retried write hits the item of its first try', () => {
    const first = metricAddUpdate('t', counter, 'fb_retry');
    const again = metricAddUpdate('t', counter, 'fb_retry');

    expect(again.Key).toEqual(first.Key);
    expect(first.Key).toEqual(metricKey('channel', '2026-W48', 'web', metricShardOf('fb_retry')));
    expect(first.Key?.sk).toMatch(new RegExp(`^KEY#web#[0-${METRIC_SHARDS - 1}]$`));
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

  it('answers one group per key holding the sum of all its shards and of an item written before sharding', async () => {
    const nps = (score: number) =>
      talliesOf({
        rating: { type: 'nps', score },
        npsBucket: score >= 9 ? 'promoter' : score >= 7 ? 'passive' : 'detractor',
        sentiment: score >= 9 ? 'positive' : score >= 7 ? 'neutral' : 'negative',
        opensCase: score < 7,
      });
    const item = (sk: string, tallies: object) => ({
      pk: 'METRIC#channel#2026-W48',
      sk,
      type: 'metric',
      dimension: 'channel',
      key: sk.split('#')[1],
      week: '2026-W48',
      ...tallies,
    });
    const added = (a: object, b: object): object =>
      Object.fromEntries(Object.entries(a).map(([k, v]) => [k, v + (b as Record<string, number>)[k]]));
    // web: a promoter and a detractor on two shards, and a passive from before sharding; app: one shard.
    ddb.on(QueryCommand).callsFake((input) =>
      input.ExpressionAttributeValues[':pk'] === 'METRIC#channel#2026-W48'
        ? {
            Items: [
              item('KEY#web#0', nps(10)),
              item('KEY#web#5', added(nps(2), nps(3))),
              item('KEY#web', nps(8)),
              item('KEY#app#3', nps(9)),
            ],
          }
        : { Items: [] },
    );
    const metrics = dynamoMetricsReader(DynamoDBDocumentClient.from(new DynamoDBClient({})), 't');

    const answer = await readMetrics(
      { from: '2026-W48', to: '2026-W48', groupBy: 'channel' },
      { memberId: 'sato', teamIds: ['web'], admin: false },
      {
        metrics,
        clock: new VirtualClock(new Date('2026-11-27T00:00:00Z')),
        config: loadConfigFile('closeloop.config.example.json'),
      },
    );

    expect(answer.groups.map((g) => [g.key, g.responses, g.nps, g.cases])).toEqual([
      // (1 promoter − 2 detractors) / 4 answers
      ['web', 4, -25, 2],
      ['app', 1, 100, 0],
    ]);
  });
});
