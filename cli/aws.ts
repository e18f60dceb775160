/**
 * The AWS clients of one CLI run, from the default credential chain (env, profile, SSO, role),
 * in `--region` or the profile's region; tests pass their own (DynamoDB Local, fauxqs, mocks).
 */
import { DynamoDBClient, paginateListTables } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { documentClient } from '../shared/adapters/dynamo.ts';
import type { Clock } from '../shared/clock.ts';
import { cognitoDirectory, type StaffDirectory } from './adapters/cognito.ts';
import { CliError } from './errors.ts';
import { type Stage, tableNamePrefix } from './names.ts';
import type { GlobalOptions } from './options.ts';

export interface AwsClients {
  dynamodb: DynamoDBClient;
  db: DynamoDBDocumentClient;
  sqs: SQSClient;
  /** The stage's bus (`reconcile` publishes events the stream lost). */
  events: EventBridgeClient;
  secrets: SecretsManagerClient;
  staff: StaffDirectory;
}

export type AwsFactory = (region: string | undefined) => AwsClients;

export function defaultAws(clock: Clock): AwsFactory {
  return (region) => {
    const config = region ? { region } : {};
    const dynamodb = new DynamoDBClient(config);
    const sqs = new SQSClient(config);
    return {
      dynamodb,
      db: documentClient(config),
      sqs,
      events: new EventBridgeClient(config),
      secrets: new SecretsManagerClient(config),
      // The SQS client's resolved region and credential chain sign the Cognito calls too.
      staff: cognitoDirectory({
        region: () => sqs.config.region(),
        credentials: () => sqs.config.credentials(),
        clock,
      }),
    };
  };
}

/**
 * `--table`, else the one table of the stage's stateful stack (CloudFormation names it
 * `Closeloop-<stage>-Stateful-Table<hash>-<random>`), found with ListTables.
 */
export async function resolveTable(
  aws: AwsClients,
  globals: Pick<GlobalOptions, 'stage' | 'table'>,
): Promise<string> {
  if (globals.table) return globals.table;
  const prefix = tableNamePrefix(globals.stage as Stage);
  const found: string[] = [];
  for await (const page of paginateListTables({ client: aws.dynamodb }, {})) {
    found.push(...(page.TableNames ?? []).filter((name) => name.startsWith(prefix)));
  }
  if (found.length === 1) return found[0]!;
  if (found.length === 0) {
    throw new CliError(
      `no table ${prefix}… in this account and region (is stage ${globals.stage} deployed here? pass --region or --table)`,
    );
  }
  throw new CliError(`more than one table ${prefix}…: ${found.join(', ')}; pass --table`);
}
