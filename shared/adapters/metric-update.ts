import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { CounterDimension } from '../domain/metrics.ts';
import { metricKey, metricShardOf } from '../repository/metric-item.ts';
import { itemTypes } from '../table.ts';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/**
 * The one way a weekly metric item is written: `SET` its identity, `ADD` the tallies. ADD makes
 * concurrent writers (triage, SLA sweep, staff actions) commute, so no read is needed. The item is
 * the key's shard for `writerId` (the feedback or case id written for), so a retry hits the same one.
 */
export function metricAddUpdate(
  tableName: string,
  c: { dimension: CounterDimension; key: string; week: string; tallies: object },
  writerId: string,
): NonNullable<TransactItem['Update']> {
  const names: Record<string, string> = {
    '#type': 'type',
    '#dimension': 'dimension',
    '#key': 'key',
    '#week': 'week',
  };
  const values: Record<string, unknown> = {
    ':type': itemTypes.metric,
    ':dimension': c.dimension,
    ':key': c.key,
    ':week': c.week,
  };
  const adds: string[] = [];
  for (const [name, value] of Object.entries(c.tallies) as [string, number | undefined][]) {
    if (value === undefined) continue;
    names[`#${name}`] = name;
    values[`:${name}`] = value;
    adds.push(`#${name} :${name}`);
  }
  return {
    TableName: tableName,
    Key: metricKey(c.dimension, c.week, c.key, metricShardOf(writerId)),
    UpdateExpression: `SET #type = :type, #dimension = :dimension, #key = :key, #week = :week${adds.length ? ` ADD ${adds.join(', ')}` : ''}`,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}
