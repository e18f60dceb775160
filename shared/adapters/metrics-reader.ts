/** Reads the weekly metric counters (shared/domain/staff-ports.ts) for the metrics summaries and trends. */
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { ALL_KEY, type TrendGroup } from '../domain/metrics.ts';
import type { MetricsReader, RollupStore, WeekRollup } from '../domain/staff-ports.ts';
import { asDimension, metricPk, rollupFromItem, rollupKey, rollupToItem } from '../repository/metric-item.ts';
import { batchGetAll, queryAll } from './dynamo.ts';

export function dynamoMetricsReader(db: DynamoDBDocumentClient, tableName: string): MetricsReader {
  const partition = (dimension: Parameters<typeof metricPk>[0], week: string) =>
    queryAll(db, {
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': metricPk(dimension, week) },
      ConsistentRead: true,
    });
  const asAll = (items: Record<string, unknown>[]) => items.map((item) => ({ ...item, key: ALL_KEY }));
  return {
    async week(dimension: TrendGroup, week) {
      if (dimension === 'reason' || dimension === 'cohort') return partition(dimension, week);
      // The combined items, and the dimension's own items of weeks counted before them (for
      // `none`, the touchpoint ones: every feedback once).
      const own = dimension === 'none' ? 'touchpoint' : dimension;
      const [combined, before, asked] = await Promise.all([
        partition('combined', week),
        partition(own, week),
        // Invitations counted per touchpoint only (docs/invitations.md#response-figures).
        own === 'touchpoint' ? partition('ask', week) : Promise.resolve([]),
      ]);
      if (dimension === 'none') return asAll([...combined, ...before, ...asked]);
      return [...asDimension(combined, dimension), ...before, ...asked];
    },
  };
}

export function dynamoRollupStore(db: DynamoDBDocumentClient, tableName: string): RollupStore {
  return {
    async get(groupBy, weeks) {
      const items = await batchGetAll(
        db,
        tableName,
        weeks.map((w) => rollupKey(groupBy, w)),
      );
      return new Map(items.map((item) => [String(item.week), rollupFromItem(item)]));
    },
    async put(rollup: WeekRollup) {
      await db.send(new PutCommand({ TableName: tableName, Item: rollupToItem(rollup) }));
    },
  };
}
