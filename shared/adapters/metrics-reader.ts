/** Reads the weekly metric counters (shared/domain/staff-ports.ts) for the metrics summaries. */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { MetricsReader } from '../domain/staff-ports.ts';
import { metricPk } from '../repository/metric-item.ts';
import { queryAll } from './dynamo.ts';

export function dynamoMetricsReader(db: DynamoDBDocumentClient, tableName: string): MetricsReader {
  return {
    week(dimension, week) {
      return queryAll(db, {
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': metricPk(dimension, week) },
        ConsistentRead: true,
      });
    },
  };
}
