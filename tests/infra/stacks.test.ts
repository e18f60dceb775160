import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { relayFilterPattern } from '../../functions/relay/handler.ts';
import { bindBus, bindQueue } from '../../infra/bind.ts';
import type { Stage } from '../../infra/config.ts';
import { LoopFunction } from '../../infra/function.ts';
import { addNagChecks } from '../../infra/nag.ts';
import { PIPE_SOURCE, StatefulStack } from '../../infra/stateful-stack.ts';
import { StatelessStack } from '../../infra/stateless-stack.ts';
import { loadConfigFile } from '../../shared/config/load.ts';
import type { Config } from '../../shared/config/schema.ts';
import { pipeFilterPattern, pipeInputTemplate } from '../../shared/events/feedback-received.ts';
import { dlqName, queues as queueSpecs } from '../../shared/queues.ts';
import { table as tableSpec } from '../../shared/table.ts';

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation JSON is untyped
type Json = any;
type Resources = Record<string, Json>;

/** The same feature flags the CLI applies from cdk.json, so these templates are what synth makes. */
const cdkContext = JSON.parse(readFileSync('cdk.json', 'utf8')).context as Record<string, unknown>;
const config: Config = loadConfigFile('closeloop.config.example.json');

interface Built {
  outdir: string;
  stateful: Template;
  stateless: Template;
  statefulJson: Json;
  statelessJson: Json;
  report: Json;
}

function build(stage: Stage): Built {
  const outdir = mkdtempSync(join(tmpdir(), `closeloop-cdk-${stage}-`));
  const app = new App({ outdir, context: cdkContext });
  const statefulStack = new StatefulStack(app, `Closeloop-${stage}-Stateful`, { stage });
  const statelessStack = new StatelessStack(app, `Closeloop-${stage}-Stateless`, {
    stage,
    config,
    data: statefulStack,
  });
  addNagChecks(app);
  app.synth();
  const stateful = Template.fromStack(statefulStack);
  const stateless = Template.fromStack(statelessStack);
  return {
    outdir,
    stateful,
    stateless,
    statefulJson: stateful.toJSON(),
    statelessJson: stateless.toJSON(),
    report: JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')),
  };
}

let dev: Built;
let prod: Built;
beforeAll(() => {
  dev = build('dev');
  prod = build('prod');
});
afterAll(() => {
  for (const built of [dev, prod]) if (built) rmSync(built.outdir, { recursive: true, force: true });
});

const ofType = (template: Json, type: string): Resources =>
  Object.fromEntries(Object.entries(template.Resources as Resources).filter(([, r]) => r.Type === type));
const only = <T>(record: Record<string, T>): [string, T] => {
  const entries = Object.entries(record);
  expect(entries).toHaveLength(1);
  return entries[0] as [string, T];
};
const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** A stateless-stack value that reads a stateful-stack output, resolved to the producing expression. */
function resolveCrossStack(value: Json): Json {
  const outputs = dev.statefulJson.Outputs ?? {};
  if (value?.['Fn::GetStackOutput']) return outputs[value['Fn::GetStackOutput'].OutputName]?.Value;
  if (value?.['Fn::ImportValue']) {
    const name = value['Fn::ImportValue'];
    return Object.values(outputs as Record<string, Json>).find((o) => o.Export?.Name === name)?.Value;
  }
  return value;
}

function queueIds(template: Json) {
  const queues = ofType(template, 'AWS::SQS::Queue');
  const byName = (name: string) => {
    const found = Object.entries(queues).find(([, q]) => q.Properties.QueueName === name);
    if (!found) throw new Error(`no queue ${name}`);
    return found[0];
  };
  return { queues, byName };
}

/** Every Allow statement of every IAM policy (managed, inline, role inline) in a template. */
function allowStatements(template: Json): { where: string; statement: Json }[] {
  const out: { where: string; statement: Json }[] = [];
  for (const [id, r] of Object.entries(template.Resources as Resources)) {
    const docs: Json[] = [];
    if (r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy')
      docs.push(r.Properties.PolicyDocument);
    if (r.Type === 'AWS::IAM::Role') for (const p of r.Properties.Policies ?? []) docs.push(p.PolicyDocument);
    for (const doc of docs)
      for (const statement of doc.Statement)
        if (statement.Effect === 'Allow') out.push({ where: id, statement });
  }
  return out;
}

describe('stateful stack: queues', () => {
  it('gives every work queue a DLQ named <name>-dlq with the spec maxReceiveCount and visibility timeout', () => {
    const { queues, byName } = queueIds(dev.statefulJson);
    for (const spec of Object.values(queueSpecs)) {
      const queue = queues[byName(`closeloop-dev-${spec.name}`)];
      const dlqId = byName(`closeloop-dev-${dlqName(spec.name)}`);
      expect(queue.Properties.RedrivePolicy).toEqual({
        deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] },
        maxReceiveCount: spec.maxReceiveCount,
      });
      expect(queue.Properties.VisibilityTimeout).toBe(spec.visibilityTimeoutSeconds);
    }
    // Every queue that is not a DLQ has a redrive policy; DLQs keep messages 14 days.
    for (const q of Object.values(queues)) {
      if (q.Properties.QueueName.endsWith('-dlq'))
        expect(q.Properties.MessageRetentionPeriod).toBe(14 * 24 * 3600);
      else expect(q.Properties.RedrivePolicy?.maxReceiveCount).toBeGreaterThan(0);
    }
    expect(Object.keys(queues)).toHaveLength(2 * Object.keys(queueSpecs).length + 1); // + the pipe DLQ
  });

  it('encrypts every queue (SSE-SQS) and denies every request not made over TLS', () => {
    const { queues } = queueIds(dev.statefulJson);
    const policies = Object.values(ofType(dev.statefulJson, 'AWS::SQS::QueuePolicy'));
    for (const [id, q] of Object.entries(queues)) {
      expect(q.Properties.SqsManagedSseEnabled, id).toBe(true);
      const policy = policies.find((p) => p.Properties.Queues.some((ref: Json) => ref.Ref === id));
      expect(policy, `queue policy of ${id}`).toBeDefined();
      expect(policy.Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({
          Effect: 'Deny',
          Action: 'sqs:*',
          Principal: { AWS: '*' },
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
      );
    }
  });
});

describe('stateful stack: table, bus', () => {
  it('has the shared keys, on-demand billing, PITR, SSE, a NEW_IMAGE stream and the TTL attribute', () => {
    const [, table] = only(ofType(dev.statefulJson, 'AWS::DynamoDB::Table'));
    expect(table.Properties).toMatchObject({
      KeySchema: [
        { AttributeName: tableSpec.partitionKey, KeyType: 'HASH' },
        { AttributeName: tableSpec.sortKey, KeyType: 'RANGE' },
      ],
      AttributeDefinitions: expect.arrayContaining([
        { AttributeName: tableSpec.partitionKey, AttributeType: 'S' },
        { AttributeName: tableSpec.sortKey, AttributeType: 'S' },
      ]),
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
      StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
      TimeToLiveSpecification: { AttributeName: tableSpec.ttlAttribute, Enabled: true },
    });
  });

  it('keeps prod data (Retain, deletion protection) and lets dev go (Delete)', () => {
    const [, prodTable] = only(ofType(prod.statefulJson, 'AWS::DynamoDB::Table'));
    expect(prodTable.DeletionPolicy).toBe('Retain');
    expect(prodTable.UpdateReplacePolicy).toBe('Retain');
    expect(prodTable.Properties.DeletionProtectionEnabled).toBe(true);
    const [, devTable] = only(ofType(dev.statefulJson, 'AWS::DynamoDB::Table'));
    expect(devTable.DeletionPolicy).toBe('Delete');
    expect(devTable.Properties.DeletionProtectionEnabled).toBe(false);
  });

  it('creates the custom event bus closeloop-<stage>', () => {
    dev.stateful.hasResourceProperties('AWS::Events::EventBus', { Name: 'closeloop-dev' });
    prod.stateful.hasResourceProperties('AWS::Events::EventBus', { Name: 'closeloop-prod' });
  });
});

describe('stateful stack: the Pipe from the table stream to the triage queue', () => {
  it('filters and reshapes records exactly as the shared constants say', () => {
    const [, pipe] = only(ofType(dev.statefulJson, 'AWS::Pipes::Pipe'));
    const [tableId] = only(ofType(dev.statefulJson, 'AWS::DynamoDB::Table'));
    const { byName } = queueIds(dev.statefulJson);
    const filters = pipe.Properties.SourceParameters.FilterCriteria.Filters;
    expect(filters).toHaveLength(1);
    expect(JSON.parse(filters[0].Pattern)).toEqual(pipeFilterPattern);
    expect(filters[0].Pattern).toBe(JSON.stringify(pipeFilterPattern));
    expect(pipe.Properties.TargetParameters.InputTemplate).toBe(pipeInputTemplate);
    expect(pipe.Properties.Source).toEqual({ 'Fn::GetAtt': [tableId, 'StreamArn'] });
    expect(pipe.Properties.Target).toEqual({ 'Fn::GetAtt': [byName('closeloop-dev-triage'), 'Arn'] });
    expect(pipe.Properties.SourceParameters.DynamoDBStreamParameters).toEqual({
      StartingPosition: PIPE_SOURCE.startingPosition,
      BatchSize: PIPE_SOURCE.batchSize,
      MaximumRetryAttempts: PIPE_SOURCE.maximumRetryAttempts,
      DeadLetterConfig: { Arn: { 'Fn::GetAtt': [byName('closeloop-dev-triage-pipe-dlq'), 'Arn'] } },
    });
  });

  it('runs under a role that may read only this stream and send only to triage and the pipe DLQ', () => {
    const [, pipe] = only(ofType(dev.statefulJson, 'AWS::Pipes::Pipe'));
    const roleId = pipe.Properties.RoleArn['Fn::GetAtt'][0];
    const role = dev.statefulJson.Resources[roleId];
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      expect.objectContaining({ Principal: { Service: 'pipes.amazonaws.com' }, Action: 'sts:AssumeRole' }),
    ]);
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    // No other policy attaches to the pipe role.
    for (const p of Object.values(ofType(dev.statefulJson, 'AWS::IAM::Policy')))
      expect(p.Properties.Roles).not.toContainEqual({ Ref: roleId });

    const [tableId] = only(ofType(dev.statefulJson, 'AWS::DynamoDB::Table'));
    const { byName } = queueIds(dev.statefulJson);
    const [logsId] = Object.entries(ofType(dev.statefulJson, 'AWS::Logs::LogGroup')).find(([id]) =>
      id.startsWith('FeedbackPipeLogs'),
    ) as [string, Json];
    const statements = role.Properties.Policies.flatMap((p: Json) => p.PolicyDocument.Statement);
    // Resource lists compared as sets (minimizePolicies sorts them).
    const normalize = ({ Sid: _sid, Resource, ...rest }: Json) => ({
      ...rest,
      Resource: Array.isArray(Resource)
        ? [...Resource].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))
        : Resource,
    });
    expect(statements.map(normalize)).toEqual([
      {
        Effect: 'Allow',
        Action: [
          'dynamodb:DescribeStream',
          'dynamodb:GetRecords',
          'dynamodb:GetShardIterator',
          'dynamodb:ListStreams',
        ],
        Resource: { 'Fn::GetAtt': [tableId, 'StreamArn'] },
      },
      {
        Effect: 'Allow',
        Action: 'sqs:SendMessage',
        Resource: [
          { 'Fn::GetAtt': [byName('closeloop-dev-triage'), 'Arn'] },
          { 'Fn::GetAtt': [byName('closeloop-dev-triage-pipe-dlq'), 'Arn'] },
        ].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
      },
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: { 'Fn::GetAtt': [logsId, 'Arn'] },
      },
    ]);
  });
});

describe('stateless stack: functions', () => {
  it('runs every function on Node 22/24, arm64, no tracing, with its own log group with retention', () => {
    for (const built of [dev, prod]) {
      const functions = ofType(built.statelessJson, 'AWS::Lambda::Function');
      expect(Object.keys(functions).length).toBeGreaterThan(0);
      for (const [id, fn] of Object.entries(functions)) {
        expect(['nodejs22.x', 'nodejs24.x'], id).toContain(fn.Properties.Runtime);
        expect(fn.Properties.Architectures, id).toEqual(['arm64']);
        expect(fn.Properties.Handler, id).toBe('index.handler');
        expect(fn.Properties.TracingConfig?.Mode ?? 'PassThrough', id).toBe('PassThrough');
        const logGroupId = fn.Properties.LoggingConfig?.LogGroup?.Ref;
        const logGroup = built.statelessJson.Resources[logGroupId];
        expect(logGroup?.Type, id).toBe('AWS::Logs::LogGroup');
        expect(logGroup.Properties.RetentionInDays, id).toBeGreaterThan(0);
        // No AWSLambdaBasicExecutionRole (logs:* everywhere): the role is the function's own.
        const role = built.statelessJson.Resources[fn.Properties.Role['Fn::GetAtt'][0]];
        expect(role.Properties.ManagedPolicyArns, id).toBeUndefined();
      }
    }
    const retention = (b: Built) =>
      Object.values(ofType(b.statelessJson, 'AWS::Logs::LogGroup')).map((g) => g.Properties.RetentionInDays);
    expect(new Set(retention(dev))).toEqual(new Set([30]));
    expect(new Set(retention(prod))).toEqual(new Set([90]));
  });

  it('gives ingest dynamodb:PutItem on the table and nothing else', () => {
    const [ingestId, ingest] = Object.entries(ofType(dev.statelessJson, 'AWS::Lambda::Function')).find(
      ([id]) => id.startsWith('Ingest'),
    ) as [string, Json];
    expect(ingest.Properties.MemorySize).toBe(512);
    expect(ingest.Properties.Timeout).toBe(10);
    const [tableId] = only(ofType(dev.statefulJson, 'AWS::DynamoDB::Table'));
    expect(resolveCrossStack(ingest.Properties.Environment.Variables.TABLE_NAME)).toEqual({ Ref: tableId });
    expect(ingest.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME).toBe('closeloop');

    const roleId = ingest.Properties.Role['Fn::GetAtt'][0];
    const policies = Object.values(ofType(dev.statelessJson, 'AWS::IAM::Policy')).filter((p) =>
      p.Properties.Roles.some((r: Json) => r.Ref === roleId),
    );
    const statements = policies.flatMap((p) => p.Properties.PolicyDocument.Statement);
    const data = statements.filter((s: Json) =>
      asArray(s.Action).some((a: string) => !a.startsWith('logs:')),
    );
    expect(data).toEqual([{ Effect: 'Allow', Action: 'dynamodb:PutItem', Resource: expect.anything() }]);
    expect(resolveCrossStack(data[0].Resource)).toEqual({ 'Fn::GetAtt': [tableId, 'Arn'] });
    const logs = statements.filter((s: Json) =>
      asArray(s.Action).every((a: string) => a.startsWith('logs:')),
    );
    expect(logs).toEqual([
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: { 'Fn::GetAtt': [ingest.Properties.LoggingConfig.LogGroup.Ref, 'Arn'] },
      },
    ]);
    expect(ingestId).toBeDefined();
  });

  it('never grants dynamodb or sqs actions on a wildcard resource (but ListStreams, which has no resource form)', () => {
    for (const built of [dev, prod]) {
      for (const template of [built.statefulJson, built.statelessJson]) {
        for (const { where, statement } of allowStatements(template)) {
          const actions = asArray(statement.Action) as string[];
          if (!actions.some((a) => /^(dynamodb|sqs):/.test(a))) continue;
          // The one exception AWS forces: ListStreams has no resource-level permissions.
          if (actions.length === 1 && actions[0] === 'dynamodb:ListStreams') continue;
          expect(
            actions.some((a) => a.includes('*')),
            `${where} actions ${actions}`,
          ).toBe(false);
          for (const resource of asArray(statement.Resource)) {
            expect(JSON.stringify(resource), `${where} resource`).not.toContain('*');
          }
        }
      }
    }
  });

  it('bakes the validated config into the bundle, which starts and answers without AWS', () => {
    const [, ingest] = Object.entries(ofType(dev.statelessJson, 'AWS::Lambda::Function')).find(([id]) =>
      id.startsWith('Ingest'),
    ) as [string, Json];
    // The config is not a Lambda environment variable (4 KB limit); it is in the code.
    expect(ingest.Properties.Environment.Variables.CLOSELOOP_CONFIG_JSON).toBeUndefined();
    const assetHash = String(ingest.Properties.Code.S3Key).replace(/\.zip$/, '');
    const bundle = join(dev.outdir, `asset.${assetHash}`, 'index.mjs');
    expect(readFileSync(bundle, 'utf8')).toContain('process.env.CLOSELOOP_CONFIG_JSON=');

    const script = `
      const { handler } = await import(${JSON.stringify(bundle)});
      const config = JSON.parse(process.env.CLOSELOOP_CONFIG_JSON);
      const context = { functionName: 'ingest', functionVersion: '1', memoryLimitInMB: '512',
        invokedFunctionArn: 'arn:aws:lambda:ap-northeast-1:123456789012:function:ingest',
        awsRequestId: 'req-1', getRemainingTimeInMillis: () => 5000 };
      const event = { version: '2.0', routeKey: 'POST /v1/feedback', rawPath: '/v1/feedback', rawQueryString: '',
        headers: { 'content-type': 'text/plain' }, body: 'hi', isBase64Encoded: false,
        requestContext: { http: { method: 'POST', path: '/v1/feedback', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 't' },
          requestId: 'r', routeKey: 'POST /v1/feedback', stage: '$default', time: '', timeEpoch: 0 } };
      const result = await handler(event, context);
      console.log(JSON.stringify({ statusCode: result.statusCode, config }));`;
    const run = spawnSync(process.execPath, ['--no-warnings', '--input-type=module', '-e', script], {
      env: {
        PATH: process.env.PATH,
        TABLE_NAME: 'closeloop-test',
        AWS_REGION: 'ap-northeast-1',
        AWS_ACCESS_KEY_ID: 'x',
        AWS_SECRET_ACCESS_KEY: 'x',
        POWERTOOLS_LOG_LEVEL: 'SILENT',
        AWS_SDK_JS_SUPPRESS_NODE_DEPRECATION_WARNING: '1',
      },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const out = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '');
    expect(out.statusCode).toBe(415);
    expect(out.config).toEqual(JSON.parse(JSON.stringify(config)));
  });
});

describe('stateless stack: HTTP API', () => {
  it('routes POST /v1/feedback to ingest through a Lambda proxy integration', () => {
    const [, route] = only(ofType(dev.statelessJson, 'AWS::ApiGatewayV2::Route'));
    expect(route.Properties.RouteKey).toBe('POST /v1/feedback');
    const integrationId = route.Properties.Target['Fn::Join'][1][1].Ref;
    const integration = dev.statelessJson.Resources[integrationId];
    expect(integration.Properties.IntegrationType).toBe('AWS_PROXY');
    expect(integration.Properties.PayloadFormatVersion).toBe('2.0');
    expect(JSON.stringify(integration.Properties.IntegrationUri)).toContain('Ingest');
  });

  it('answers CORS preflight for exactly the configured sites origins', () => {
    const [, api] = only(ofType(dev.statelessJson, 'AWS::ApiGatewayV2::Api'));
    const cors = api.Properties.CorsConfiguration;
    const origins = config.sites.flatMap((s) => s.origins);
    expect([...cors.AllowOrigins].sort()).toEqual([...new Set(origins)].sort());
    expect([...cors.AllowMethods].sort()).toEqual(['OPTIONS', 'POST']);
    expect([...cors.AllowHeaders].sort()).toEqual(['content-type', 'idempotency-key', 'x-site-key']);
    expect(cors.MaxAge).toBe(600);
  });

  it('throttles the default stage from config and writes access logs to a log group with retention', () => {
    const [, stage] = only(ofType(dev.statelessJson, 'AWS::ApiGatewayV2::Stage'));
    expect(stage.Properties.StageName).toBe('$default');
    expect(stage.Properties.AutoDeploy).toBe(true);
    expect(stage.Properties.DefaultRouteSettings).toMatchObject({
      ThrottlingRateLimit: config.service.throttle.rateLimit,
      ThrottlingBurstLimit: config.service.throttle.burstLimit,
    });
    const access = stage.Properties.AccessLogSettings;
    expect(JSON.parse(access.Format)).toMatchObject({
      requestId: '$context.requestId',
      status: '$context.status',
    });
    const logGroupIds = Object.keys(ofType(dev.statelessJson, 'AWS::Logs::LogGroup'));
    const destination = JSON.stringify(access.DestinationArn);
    const target = logGroupIds.find((id) => destination.includes(id) && id.startsWith('ApiAccessLogs'));
    expect(target).toBeDefined();
    expect(dev.statelessJson.Resources[target as string].Properties.RetentionInDays).toBe(30);
  });

  it('outputs the API URL', () => {
    expect(dev.statelessJson.Outputs.ApiUrl.Value).toBeDefined();
  });
});

describe('cdk-nag (AWS Solutions)', () => {
  it('has no unacknowledged finding, and every acknowledgement carries a reason', () => {
    for (const built of [dev, prod]) {
      const nag = built.report.pluginReports.find((p: Json) => p.pluginName === 'AwsSolutions');
      expect(nag, 'AwsSolutions plugin ran').toBeDefined();
      expect(nag.violations).toEqual([]);
      expect(nag.conclusion).toBe('success');
      for (const s of nag.suppressedViolations ?? [])
        expect(s.reason?.length, s.ruleName).toBeGreaterThan(30);
    }
  });
});

describe('bind helpers', () => {
  it('grant senders sqs:SendMessage only, and publishers events:PutEvents on their bus only', () => {
    const app = new App({ context: cdkContext });
    const stack = new Stack(app, 'BindTest');
    const fn = new LoopFunction(stack, 'Fn', { name: 'ingest', config, stage: 'dev' });
    const queue = new Queue(stack, 'Q');
    const bus = new EventBus(stack, 'Bus');
    bindQueue(fn, queue, 'send', 'QUEUE_URL');
    bindBus(fn, bus);
    const template = Template.fromStack(stack).toJSON();
    const vars = Object.values(ofType(template, 'AWS::Lambda::Function'))[0].Properties.Environment.Variables;
    expect(vars.QUEUE_URL).toEqual({ Ref: expect.stringMatching(/^Q/) });
    expect(vars.EVENT_BUS_NAME).toEqual({ Ref: expect.stringMatching(/^Bus/) });
    const data = allowStatements(template)
      .map(({ statement }) => statement)
      .filter(
        (s) => !asArray(s.Action).every((a: string) => a.startsWith('logs:') || a === 'sts:AssumeRole'),
      );
    expect(data).toEqual([
      {
        Effect: 'Allow',
        Action: 'sqs:SendMessage',
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^Q/), 'Arn'] },
      },
      {
        Effect: 'Allow',
        Action: 'events:PutEvents',
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^Bus/), 'Arn'] },
      },
    ]);
    expect(() => bindQueue(fn, queue, 'send')).toThrow(/environment variable/);
  });
});

describe('stateless stack: the outbox relay', () => {
  it('reads outbox inserts from the table stream, reporting item failures and retrying until the record expires', () => {
    const [, mapping] = only(ofType(dev.statelessJson, 'AWS::Lambda::EventSourceMapping'));
    const [tableId] = only(ofType(dev.statefulJson, 'AWS::DynamoDB::Table'));

    expect(resolveCrossStack(mapping.Properties.EventSourceArn)).toEqual({
      'Fn::GetAtt': [tableId, 'StreamArn'],
    });
    expect(JSON.parse(mapping.Properties.FilterCriteria.Filters[0].Pattern)).toEqual(relayFilterPattern);
    expect(mapping.Properties.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    expect(mapping.Properties.MaximumRetryAttempts).toBe(-1);
    expect(mapping.Properties.StartingPosition).toBe('TRIM_HORIZON');
  });

  it('may send only to the notify queue and publish only to the bus', () => {
    const relayPolicy = allowStatements(dev.statelessJson).filter(({ where }) =>
      where.startsWith('RelayRole'),
    );
    const actions = relayPolicy.flatMap(({ statement }) => asArray(statement.Action));
    const { byName } = queueIds(dev.statefulJson);
    const bus = only(ofType(dev.statefulJson, 'AWS::Events::EventBus'))[0];
    const resourceOf = (action: string) =>
      relayPolicy.find(({ statement }) => asArray(statement.Action).includes(action))?.statement.Resource;

    expect(actions).not.toContain('sqs:*');
    expect(resolveCrossStack(resourceOf('sqs:SendMessage'))).toEqual({
      'Fn::GetAtt': [byName('closeloop-dev-notify'), 'Arn'],
    });
    expect(resolveCrossStack(resourceOf('events:PutEvents'))).toEqual({ 'Fn::GetAtt': [bus, 'Arn'] });
    expect(actions.filter((a: string) => a.startsWith('dynamodb:')).sort()).toEqual([
      'dynamodb:DescribeStream',
      'dynamodb:GetRecords',
      'dynamodb:GetShardIterator',
      'dynamodb:ListStreams',
    ]);
  });
});
