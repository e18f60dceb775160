/**
 * Bind helpers: give a function a resource in one call, setting the environment variable its code
 * reads and granting the narrowest access that code needs (never `*` resources).
 */

import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import type { Grant } from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';

/**
 * `read` / `write` / `readWrite`: the CDK data grants. `putItem`: `dynamodb:PutItem` only (e.g.
 * ingest's conditional put). Or an explicit list of `dynamodb:` actions.
 */
export type TableAccess = 'read' | 'write' | 'readWrite' | 'putItem' | readonly `dynamodb:${string}`[];

export function bindTable(
  fn: LambdaFunction,
  table: ITable,
  access: TableAccess,
  envName = 'TABLE_NAME',
): Grant {
  fn.addEnvironment(envName, table.tableName);
  if (access === 'read') return table.grantReadData(fn);
  if (access === 'write') return table.grantWriteData(fn);
  if (access === 'readWrite') return table.grantReadWriteData(fn);
  if (access === 'putItem') return table.grant(fn, 'dynamodb:PutItem');
  if (access.length === 0) throw new Error('bindTable: empty action list');
  return table.grant(fn, ...access);
}

/**
 * `send`: `sqs:SendMessage` only (SendMessageBatch needs the same permission), env = queue URL.
 * `consume`: receive / delete / change visibility, as an SQS event source needs; env optional.
 */
export type QueueAccess = 'send' | 'consume';

export function bindQueue(fn: LambdaFunction, queue: IQueue, access: QueueAccess, envName?: string): Grant {
  if (envName !== undefined) fn.addEnvironment(envName, queue.queueUrl);
  else if (access === 'send')
    throw new Error('bindQueue: a sender needs an environment variable for the URL');
  return access === 'send' ? queue.grant(fn, 'sqs:SendMessage') : queue.grantConsumeMessages(fn);
}

/** `events:PutEvents` on this bus only; env = bus name. */
export function bindBus(fn: LambdaFunction, bus: IEventBus, envName = 'EVENT_BUS_NAME'): Grant {
  fn.addEnvironment(envName, bus.eventBusName);
  return bus.grantPutEventsTo(fn);
}
