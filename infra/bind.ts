/**
 * Bind helpers: give a function a resource in one call, setting the environment variable its code
 * reads and granting the narrowest access that code needs (never `*` resources).
 */

import { Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { Grant, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { CfnPermission, Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IConfigurationSet, IEmailIdentity } from 'aws-cdk-lib/aws-ses';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';

/**
 * `read` / `write` / `readWrite`: the CDK data grants (table and all its indexes). `putItem`:
 * `dynamodb:PutItem` only (e.g. ingest's conditional put). Or an explicit list of `dynamodb:`
 * actions. `putItem` and explicit lists cover the table itself, not its indexes (CDK's
 * `table.grant` would add `<table>/index/*`); grant an index with `bindTableIndex`.
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
  if (access === 'putItem') return tableOnly(fn, table, ['dynamodb:PutItem']);
  if (access.length === 0) throw new Error('bindTable: empty action list');
  return tableOnly(fn, table, access);
}

function tableOnly(fn: LambdaFunction, table: ITable, actions: readonly string[]): Grant {
  return Grant.addToPrincipal({ grantee: fn, actions: [...actions], resourceArns: [table.tableArn] });
}

/** `actions` (default `dynamodb:Query`) on one index of the table only. */
export function bindTableIndex(
  fn: LambdaFunction,
  table: ITable,
  indexName: string,
  actions: readonly `dynamodb:${string}`[] = ['dynamodb:Query'],
): Grant {
  if (actions.length === 0) throw new Error('bindTableIndex: empty action list');
  return Grant.addToPrincipal({
    grantee: fn,
    actions: [...actions],
    resourceArns: [`${table.tableArn}/index/${indexName}`],
  });
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

/** Read this secret's value only (GetSecretValue / DescribeSecret on its ARN); env = its ARN. */
export function bindSecret(fn: LambdaFunction, secret: ISecret, envName: string): Grant {
  fn.addEnvironment(envName, secret.secretArn);
  return secret.grantRead(fn);
}

/**
 * Makes `fn` the rotation function of this secret, and of no other: the four calls the rotation
 * steps make, on this secret's ARN only (not CDK's RotationSchedule grants, which add
 * `secretsmanager:GetRandomPassword` on `*`), and an invoke permission for Secrets Manager that
 * holds only for this secret. Answers the permission, which the rotation schedule must follow.
 */
export function bindSecretRotation(fn: LambdaFunction, secret: ISecret): CfnPermission {
  // No environment variable: Secrets Manager names the secret in each step's event.
  fn.addToRolePolicy(
    new PolicyStatement({
      actions: [
        'secretsmanager:DescribeSecret',
        'secretsmanager:GetSecretValue',
        'secretsmanager:PutSecretValue',
        'secretsmanager:UpdateSecretVersionStage',
      ],
      resources: [secret.secretArn],
    }),
  );
  fn.addPermission('SecretsManagerRotates', {
    principal: new ServicePrincipal('secretsmanager.amazonaws.com'),
    sourceArn: secret.secretArn,
    sourceAccount: Stack.of(fn).account,
  });
  return fn.permissionsNode.findChild('SecretsManagerRotates') as CfnPermission;
}

/**
 * `ses:SendEmail` as this identity through this configuration set, nothing else: SESv2 SendEmail
 * authorizes against both resources (no `*`, no other identity). env = the configuration set name.
 */
export function bindMail(
  fn: LambdaFunction,
  identity: IEmailIdentity,
  configurationSet: IConfigurationSet,
  envName = 'SES_CONFIGURATION_SET',
): PolicyStatement {
  fn.addEnvironment(envName, configurationSet.configurationSetName);
  const statement = new PolicyStatement({
    actions: ['ses:SendEmail'],
    resources: [
      identity.emailIdentityArn,
      Stack.of(fn).formatArn({
        service: 'ses',
        resource: 'configuration-set',
        resourceName: configurationSet.configurationSetName,
      }),
    ],
  });
  fn.addToRolePolicy(statement);
  return statement;
}
