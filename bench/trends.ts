/**
 * Trends benchmark against DynamoDB Local (in memory, started here): `GET /v1/trends` over 106
 * weeks × 20 keys, whose counters are 106 × 20 × 8 write shards = 16,960 items. Counts the items
 * DynamoDB hands back (Query, BatchGetItem, GetItem) and the requests:
 * - `cold`: no rollups yet, every week summed from its shards and its rollup written;
 * - `warm`: the same request again, one rollup item per week (budget: ≤ 120 item reads);
 * - `afterMaxAge`: 10 minutes later, the weeks that may still change summed again.
 * Written under `trends` in bench/results.json by bench/run.ts (`npm run bench -- trends`).
 */
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mondayOfWeek, weeksBetween } from '../core/insights/metrics.ts';
import { ROLLUP_MAX_AGE_MS, readTrends, settleDays } from '../core/insights/trends.ts';
import { dynamoMetricsReader, dynamoRollupStore } from '../shared/adapters/metrics-reader.ts';
import { VirtualClock } from '../shared/clock.ts';
import { loadConfigFile } from '../shared/config/load.ts';
import { combinedKey } from '../shared/domain/metrics.ts';
import { DAY_MS } from '../shared/domain/time.ts';
import { METRIC_SHARDS, metricKey } from '../shared/repository/metric-item.ts';
import { itemTypes } from '../shared/table.ts';
import { withDynamo } from './dynamo-local.ts';

const config = loadConfigFile('closeloop.config.example.json');
const WEEKS = 106;
const KEYS = 20;
const BUDGET = 120;
/** Thursday 2026-12-17 12:00 JST, in ISO week 2026-W51. */
const now = new Date('2026-12-17T03:00:00.000Z');

interface Meter {
  items: number;
  requests: number;
}

function counted(db: DynamoDBDocumentClient): Meter {
  const meter = { items: 0, requests: 0 };
  db.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      const out = result.output as {
        Items?: unknown[];
        Item?: unknown;
        Responses?: Record<string, unknown[]>;
      };
      if (/^(Query|Scan|GetItem|BatchGetItem)Command$/.test(String(context.commandName))) {
        meter.requests++;
        meter.items +=
          (out.Items?.length ?? 0) +
          (out.Item ? 1 : 0) +
          Object.values(out.Responses ?? {}).reduce((sum, r) => sum + r.length, 0);
      }
      return result;
    },
    { step: 'initialize', name: 'benchReadMeter' },
  );
  return meter;
}

async function seedCounters(db: DynamoDBDocumentClient, weeks: readonly string[]) {
  const items = weeks.flatMap((week, w) =>
    Array.from({ length: KEYS }, (_, k) =>
      Array.from({ length: METRIC_SHARDS }, (_, shard) => ({
        ...metricKey(
          'combined',
          week,
          combinedKey({ touchpoint: `tp_${k}`, channel: 'web', team: 'orders' }),
          shard,
        ),
        type: itemTypes.metric,
        dimension: 'combined',
        key: combinedKey({ touchpoint: `tp_${k}`, channel: 'web', team: 'orders' }),
        week,
        responses: 3,
        npsCount: 3,
        npsPromoters: (w + k + shard) % 3,
        npsDetractors: 1,
        negative: 1,
        cases: 1,
        ackMinutesLe60: 1,
      })),
    ).flat(),
  );
  const batches = [];
  for (let i = 0; i < items.length; i += 25) batches.push(items.slice(i, i + 25));
  for (let i = 0; i < batches.length; i += 16) {
    await Promise.all(
      batches.slice(i, i + 16).map(async (batch) => {
        let pending: Record<string, unknown>[] | undefined = batch.map((Item) => ({ PutRequest: { Item } }));
        while (pending?.length) {
          const r = await db.send(new BatchWriteCommand({ RequestItems: { bench: pending } }));
          pending = r.UnprocessedItems?.bench as Record<string, unknown>[] | undefined;
        }
      }),
    );
  }
  return items.length;
}

export function trendsBench() {
  return withDynamo('bench', async (db) => {
    const to = '2026-W51';
    const from = weeksBetween(
      new Date(mondayOfWeek(to) - (WEEKS - 1) * 7 * DAY_MS).toISOString().slice(0, 10),
      to,
    )[0]!;
    const weeks = weeksBetween(from, to);
    const counterItems = await seedCounters(db, weeks);
    const meter = counted(db);
    const clock = new VirtualClock(now);
    const deps = {
      metrics: dynamoMetricsReader(db, 'bench'),
      rollups: dynamoRollupStore(db, 'bench'),
      clock,
      config,
    };
    const admin = { memberId: 'admin', teamIds: [], admin: true };
    const q = { metric: 'nps', groupBy: 'touchpoint', from, to } as const;
    const measure = async () => {
      meter.items = 0;
      meter.requests = 0;
      const t0 = performance.now();
      const answer = await readTrends(q, admin, deps);
      if (answer.weeks.length !== WEEKS || answer.series.length !== KEYS) {
        throw new Error(`trends bench: ${answer.weeks.length} weeks × ${answer.series.length} keys`);
      }
      return { itemReads: meter.items, requests: meter.requests, ms: Math.round(performance.now() - t0) };
    };
    const cold = await measure();
    const warm = await measure();
    clock.advance(ROLLUP_MAX_AGE_MS);
    const afterMaxAge = await measure();
    if (warm.itemReads > BUDGET) throw new Error(`trends bench: ${warm.itemReads} item reads > ${BUDGET}`);
    return {
      weeks: WEEKS,
      keys: KEYS,
      shards: METRIC_SHARDS,
      counterItems,
      budgetItemReads: BUDGET,
      settleDays: settleDays(config),
      cold,
      warm,
      afterMaxAge,
    };
  });
}
