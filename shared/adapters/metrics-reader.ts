/** Reads the weekly metric counters (shared/domain/staff-ports.ts) for the metrics summaries. */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { MetricDimension } from '../domain/metrics.ts';
import type { MetricsReader } from '../domain/staff-ports.ts';
import { asDimension, metricPk } from '../repository/metric-item.ts';
import { queryAll } from './dynamo.ts';

export function dynamoMetricsReader(db: DynamoDBDocumentClient, tableName: string): MetricsReader {
  const partition = (dimension: MetricDimension | 'combined' | 'ask', week: string) =>
    queryAll(db, {
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': metricPk(dimension, week) },
      ConsistentRead: true,
    });
  return {
    async week(dimension, week) {
      if (dimension === 'reason') return partition('reason', week);
      // The combined items, and the dimension's own items of weeks counted before them.
      const [combined, before, asked] = await Promise.all([
        partition('combined', week),
        partition(dimension, week),
        // Invitations counted per touchpoint only (docs/invitations.md#response-figures).
        dimension === 'touchpoint' ? partition('ask', week) : Promise.resolve([]),
      ]);
      return [...asDimension(combined, dimension), ...before, ...asked];
    },
  };
}
