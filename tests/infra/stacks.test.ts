import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { HttpApi, HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { Code, Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { AwsCustomResource } from 'aws-cdk-lib/custom-resources';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { relayFilterPattern } from '../../functions/relay/handler.ts';
import { bindBus, bindQueue } from '../../infra/bind.ts';
import type { Stage } from '../../infra/config.ts';
import { LAMBDA_RUNTIME, LoopFunction } from '../../infra/function.ts';
import { addNagChecks } from '../../infra/nag.ts';
import { Observability } from '../../infra/observability.ts';
import { applyRouteThrottling } from '../../infra/route-throttle.ts';
import { closeloopStacks } from '../../infra/stacks.ts';
import { PIPE_SOURCE } from '../../infra/stateful-stack.ts';
import { loadConfigFile } from '../../shared/config/load.ts';
import type { Config } from '../../shared/config/schema.ts';
import { pipeFilterPattern, pipeInputTemplate } from '../../shared/events/feedback-received.ts';
import { dlqName, queues as queueSpecs } from '../../shared/queues.ts';
import { table as tableSpec } from '../../shared/table.ts';
import { aCase } from '../support/case-fixture.ts';

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation JSON is untyped
type Json = any;
type Resources = Record<string, Json>;

/** The same feature flags the CLI applies from cdk.json, so these templates are what synth makes. */
const cdkContext = JSON.parse(readFileSync('cdk.json', 'utf8')).context as Record<string, unknown>;
const config: Config = loadConfigFile('closeloop.config.example.json');

interface Built {
  outdir: string;
  edge: Template;
  edgeJson: Json;
  stateful: Template;
  stateless: Template;
  statefulJson: Json;
  statelessJson: Json;
  report: Json;
}

function build(stage: Stage): Built {
  const outdir = mkdtempSync(join(tmpdir(), `closeloop-cdk-${stage}-`));
  const app = new App({ outdir, context: cdkContext });
  const {
    edge: edgeStack,
    stateful: statefulStack,
    stateless: statelessStack,
  } = closeloopStacks(app, {
    stage,
    config,
  });
  addNagChecks(app);
  app.synth();
  const stateful = Template.fromStack(statefulStack);
  const stateless = Template.fromStack(statelessStack);
  const edge = Template.fromStack(edgeStack);
  return {
    outdir,
    edge,
    edgeJson: edge.toJSON(),
    stateful,
    stateless,
    statefulJson: stateful.toJSON(),
    statelessJson: stateless.toJSON(),
    report: JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')),
  };
}

let dev: Built;
let prod: Built;
// Two full syntheses: a minute on a quiet machine with 2 CPUs, more when it is busy.
beforeAll(() => {
  dev = build('dev');
  prod = build('prod');
}, 240_000);
afterAll(() => {
  for (const built of [dev, prod]) if (built) rmSync(built.outdir, { recursive: true, force: true });
});

const ofType = (template: Json, type: string): Resources =>
  Object.fromEntries(Object.entries(template.Resources as Resources).filter(([, r]) => r.Type === type));
/** The loop's own functions (LoopFunction sets CLOSELOOP_FUNCTION), not CDK's deploy-time providers. */
const loopFunctions = (template: Json): Resources =>
  Object.fromEntries(
    Object.entries(ofType(template, 'AWS::Lambda::Function')).filter(
      ([, fn]) => fn.Properties.Environment?.Variables?.CLOSELOOP_FUNCTION !== undefined,
    ),
  );
/** The synthesized bundle of a function resource (dev stage), as CDK staged it. */
const bundleFile = (fn: Json): string =>
  join(dev.outdir, `asset.${String(fn.Properties.Code.S3Key).replace(/\.zip$/, '')}`, 'index.mjs');
/** Runs `script` (ESM) in a fresh node with Lambda-like variables and dummy credentials, no AWS reachable. */
function runBundleScript(script: string) {
  const run = spawnSync(process.execPath, ['--no-warnings', '--input-type=module', '-e', script], {
    env: {
      PATH: process.env.PATH,
      TABLE_NAME: 'closeloop-test',
      AWS_REGION: 'ap-northeast-1',
      AWS_ACCESS_KEY_ID: 'x',
      AWS_SECRET_ACCESS_KEY: 'x',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      ORIGIN_VERIFY_SECRET_ARN: 'arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:origin-verify',
      AWS_SDK_JS_SUPPRESS_NODE_DEPRECATION_WARNING: '1',
    },
    encoding: 'utf8',
    timeout: 30_000,
  });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  return JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '');
}
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
/** The stateless stack's origin-verify secret (CloudFront sends it, the HTTP functions check it). */
const originVerifySecretId = (): string =>
  only(
    Object.fromEntries(
      Object.entries(ofType(dev.statelessJson, 'AWS::SecretsManager::Secret')).filter(([id]) =>
        id.startsWith('OriginVerifySecret'),
      ),
    ),
  )[0];

/** What active tracing adds to every function's role (X-Ray takes no resource-level grants). */
const xrayActions = ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'];

/**
 * Every Allow statement of the template's policies, without the tracing actions (CDK merges them
 * into another `*` statement where there is one): those are asserted on their own (`xrayGrants`).
 */
function allowStatements(template: Json): { where: string; statement: Json }[] {
  const out: { where: string; statement: Json }[] = [];
  for (const { where, statement } of rawAllowStatements(template)) {
    const actions = [statement.Action].flat().filter((a: string) => !xrayActions.includes(a));
    if (actions.length === 0) continue;
    out.push({ where, statement: { ...statement, Action: actions.length === 1 ? actions[0] : actions } });
  }
  return out;
}

/** The policies that grant the tracing actions, each with the resource it grants them on. */
function xrayGrants(template: Json): { where: string; role: string; resource: unknown }[] {
  return rawAllowStatements(template)
    .filter(({ statement }) => xrayActions.every((a) => [statement.Action].flat().includes(a)))
    .map(({ where, statement }) => ({
      where,
      role: template.Resources[where].Properties.Roles?.[0]?.Ref,
      resource: statement.Resource,
    }));
}

function rawAllowStatements(template: Json): { where: string; statement: Json }[] {
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
    expect(Object.keys(queues)).toHaveLength(2 * Object.keys(queueSpecs).length + 2); // + the pipe and webhook routes DLQs
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
  it('gives each function role the X-Ray statement of active tracing, once, and nothing wider', () => {
    const grants = xrayGrants(dev.statelessJson);
    const roles = Object.values(loopFunctions(dev.statelessJson)).map(
      (fn) => fn.Properties.Role['Fn::GetAtt'][0],
    );
    expect(grants).toHaveLength(roles.length);
    for (const role of roles)
      expect(
        grants.filter((g) => g.role === role),
        role,
      ).toHaveLength(1);
    for (const grant of grants) expect(grant.resource, grant.where).toBe('*');
  });

  it('turns tracing off, and its grant with it, when the config says tracing: false', () => {
    const app = new App({ context: cdkContext });
    const stack = new Stack(app, 'TracingOff');
    const untraced = { ...config, service: { ...config.service, tracing: false } };
    new LoopFunction(stack, 'Fn', { name: 'relay', config: untraced, stage: 'dev' });
    const template = Template.fromStack(stack).toJSON();
    const [fn] = Object.values(ofType(template, 'AWS::Lambda::Function'));
    expect(fn.Properties.TracingConfig).toBeUndefined();
    expect(xrayGrants(template)).toEqual([]);
  });

  it('runs every function on Node 22/24, arm64, traced, with its own log group with retention', () => {
    for (const built of [dev, prod]) {
      const functions = loopFunctions(built.statelessJson);
      expect(Object.keys(functions).length).toBeGreaterThanOrEqual(9);
      // The only other functions: CDK's providers that copy the web assets, empty their bucket on
      // teardown and read the edge stack's web ACL ARN (AwsCustomResource, a fixed-UUID singleton).
      const others = Object.keys(ofType(built.statelessJson, 'AWS::Lambda::Function')).filter(
        (id) => !functions[id],
      );
      const providerName = (id: string) =>
        id.startsWith(`AWS${AwsCustomResource.PROVIDER_FUNCTION_UUID.replaceAll('-', '')}`)
          ? 'AwsCustomResource'
          : id.replace(/[0-9A-F]{8,}.*$/, '');
      expect(others.map(providerName).sort()).toEqual([
        'AwsCustomResource',
        'CustomCDKBucketDeployment',
        'CustomS3AutoDeleteObjectsCustomResourceProviderHandler',
      ]);
      for (const [id, fn] of Object.entries(functions)) {
        expect(['nodejs22.x', 'nodejs24.x'], id).toContain(fn.Properties.Runtime);
        expect(fn.Properties.Architectures, id).toEqual(['arm64']);
        expect(fn.Properties.Handler, id).toBe('index.handler');
        expect(fn.Properties.TracingConfig?.Mode, id).toBe('Active');
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

  it('gives ingest dynamodb:PutItem and UpdateItem (impression counters) on the table, a read of the origin-verify secret and nothing else', () => {
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
      asArray(s.Action).some((a: string) => !a.startsWith('logs:') && !xrayActions.includes(a)),
    );
    expect(data).toEqual([
      { Effect: 'Allow', Action: ['dynamodb:PutItem', 'dynamodb:UpdateItem'], Resource: expect.anything() },
      {
        Effect: 'Allow',
        Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
        Resource: { Ref: originVerifySecretId() },
      },
    ]);
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

  it('keeps every bundle within 600 KB, with only the environment link of the credential chain', () => {
    for (const [id, fn] of Object.entries(loopFunctions(dev.statelessJson))) {
      const bundle = readFileSync(bundleFile(fn), 'utf8');
      expect(Buffer.byteLength(bundle), id).toBeLessThanOrEqual(600_000);
      // infra/bundling.ts aliases the SDK's default chain to fromEnv: no SSO, ini files or STS client.
      expect(bundle, id).not.toContain('AWS_WEB_IDENTITY_TOKEN_FILE');
      expect(bundle, id).not.toContain('sso_start_url');
    }
  });

  it('bakes the validated config into the bundle, which starts and answers without AWS', () => {
    const [, ingest] = Object.entries(ofType(dev.statelessJson, 'AWS::Lambda::Function')).find(([id]) =>
      id.startsWith('Ingest'),
    ) as [string, Json];
    // The config is not a Lambda environment variable (4 KB limit); it is in the code.
    expect(ingest.Properties.Environment.Variables.CLOSELOOP_CONFIG_JSON).toBeUndefined();
    const bundle = bundleFile(ingest);
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
    const out = runBundleScript(script);
    // The origin check runs first: a request that skipped CloudFront is refused before parsing.
    expect(out.statusCode).toBe(403);
    expect(out.config).toEqual(JSON.parse(JSON.stringify(config)));
  });
});

describe('stateless stack: HTTP API', () => {
  it('routes POST /v1/feedback to ingest through a Lambda proxy integration', () => {
    const route = Object.values(ofType(dev.statelessJson, 'AWS::ApiGatewayV2::Route')).find(
      (r) => r.Properties.RouteKey === 'POST /v1/feedback',
    );
    expect(route).toBeDefined();
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
    expect([...cors.AllowHeaders].sort()).toEqual([
      'content-type',
      'idempotency-key',
      'x-bot-token',
      'x-site-key',
    ]);
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

  it('throttles every route on its own: public routes by service.throttle, staff routes by staffThrottle', () => {
    const [, stage] = only(ofType(dev.statelessJson, 'AWS::ApiGatewayV2::Stage'));
    const settings = stage.Properties.RouteSettings;
    const routes = Object.entries(ofType(dev.statelessJson, 'AWS::ApiGatewayV2::Route'));
    expect(Object.keys(settings).sort()).toEqual(routes.map(([, r]) => r.Properties.RouteKey).sort());
    const { rateLimit, burstLimit } = config.service.throttle;
    const staff = config.service.staffThrottle ?? config.service.throttle;
    expect(settings['POST /v1/feedback']).toEqual({
      ThrottlingRateLimit: rateLimit,
      ThrottlingBurstLimit: burstLimit,
    });
    for (const [id, route] of routes) {
      const own = route.Properties.AuthorizationType === 'JWT' ? staff : config.service.throttle;
      expect(settings[route.Properties.RouteKey], id).toEqual({
        ThrottlingRateLimit: own.rateLimit,
        ThrottlingBurstLimit: own.burstLimit,
      });
      // The stage is deployed after the routes its settings name.
      expect(stage.DependsOn, id).toContain(id);
    }
    expect(routes.filter(([, r]) => r.Properties.AuthorizationType === 'JWT').length).toBeGreaterThan(10);
  });

  it('gives staff routes their own limits when they differ', () => {
    const stack = new Stack(new App(), 'Routes');
    const api = new HttpApi(stack, 'Api', { createDefaultStage: false });
    const apiStage = api.addStage('S', { stageName: '$default', autoDeploy: true });
    const fn = new LambdaFunction(stack, 'Fn', {
      runtime: LAMBDA_RUNTIME,
      handler: 'index.handler',
      code: Code.fromInline('export const handler = async () => {};'),
    });
    const integration = new HttpLambdaIntegration('I', fn);
    api.addRoutes({ path: '/v1/feedback', methods: [HttpMethod.POST], integration });
    api.addRoutes({
      path: '/v1/cases',
      methods: [HttpMethod.GET],
      integration,
      authorizer: new HttpJwtAuthorizer('Jwt', 'https://issuer.example.com', { jwtAudience: ['a'] }),
    });
    applyRouteThrottling(api, apiStage, {
      public: { rateLimit: 50, burstLimit: 100 },
      staff: { rateLimit: 5, burstLimit: 10 },
    });
    Template.fromStack(stack).hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      RouteSettings: {
        'POST /v1/feedback': { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
        'GET /v1/cases': { ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 },
      },
    });
  });

  it('outputs the API URL', () => {
    expect(dev.statelessJson.Outputs.ApiUrl.Value).toBeDefined();
  });
});

describe('stateless stack: ops topic, alarms, dashboard', () => {
  const alarms = (b: Built) => ofType(b.statelessJson, 'AWS::CloudWatch::Alarm');
  const topicId = (b: Built) => only(ofType(b.statelessJson, 'AWS::SNS::Topic'))[0];

  it('has an encrypted, TLS-only ops topic closeloop-<stage>-ops that CloudWatch may publish to', () => {
    for (const [built, stage] of [
      [dev, 'dev'],
      [prod, 'prod'],
    ] as const) {
      const [id, topic] = only(ofType(built.statelessJson, 'AWS::SNS::Topic'));
      expect(topic.Properties.TopicName).toBe(`closeloop-${stage}-ops`);
      // A customer managed key with rotation: CloudWatch cannot use the AWS managed aws/sns key.
      const keyId = topic.Properties.KmsMasterKeyId['Fn::GetAtt'][0];
      const key = built.statelessJson.Resources[keyId];
      expect(key.Type).toBe('AWS::KMS::Key');
      expect(key.Properties.EnableKeyRotation).toBe(true);
      expect(key.Properties.KeyPolicy.Statement).toContainEqual(
        expect.objectContaining({
          Principal: { Service: 'cloudwatch.amazonaws.com' },
          Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        }),
      );
      const [, policy] = only(ofType(built.statelessJson, 'AWS::SNS::TopicPolicy'));
      expect(policy.Properties.Topics).toEqual([{ Ref: id }]);
      const statements = policy.Properties.PolicyDocument.Statement;
      expect(statements).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
      expect(statements).toContainEqual(
        expect.objectContaining({
          Effect: 'Allow',
          Principal: { Service: 'cloudwatch.amazonaws.com' },
          Action: 'sns:Publish',
        }),
      );
      // The example config has no service.opsEmail: no subscription.
      expect(ofType(built.statelessJson, 'AWS::SNS::Subscription')).toEqual({});
    }
  });

  it('has a DLQ for every queue and a one-minute "> 0 messages" alarm on each DLQ', () => {
    for (const built of [dev, prod]) {
      const stage = built === dev ? 'dev' : 'prod';
      // Every DLQ of both stacks, by logical id and stack (the stateless stack has the SES events DLQ).
      const dlqs = [
        ...Object.entries(ofType(built.statefulJson, 'AWS::SQS::Queue')).map(([id, q]) => ({ id, q })),
        ...Object.entries(ofType(built.statelessJson, 'AWS::SQS::Queue')).map(([id, q]) => ({ id, q })),
      ].filter(({ q }) => String(q.Properties.QueueName).endsWith('-dlq'));
      // Each queue's redrive target is a DLQ.
      for (const spec of Object.values(queueSpecs)) {
        const { queues, byName } = queueIds(built.statefulJson);
        const queue = queues[byName(`closeloop-${stage}-${spec.name}`)];
        const dlqId = queue.Properties.RedrivePolicy.deadLetterTargetArn['Fn::GetAtt'][0];
        expect(dlqs.map((d) => d.id)).toContain(dlqId);
      }
      expect(dlqs).toHaveLength(Object.keys(queueSpecs).length + 4); // + pipe, webhook routes, SES events and relay DLQs
      const queueAlarms = Object.values(alarms(built)).filter(
        (a) => a.Properties.MetricName === 'ApproximateNumberOfMessagesVisible',
      );
      for (const { id } of dlqs) {
        const matching = queueAlarms.filter((a) => {
          const value = a.Properties.Dimensions?.find((d: Json) => d.Name === 'QueueName')?.Value;
          const output = value?.['Fn::GetStackOutput']?.OutputName;
          const resolved = output ? built.statefulJson.Outputs[output]?.Value : value;
          return JSON.stringify(resolved).includes(`"${id}"`);
        });
        expect(matching, `alarm on ${id}`).toHaveLength(1);
        expect(matching[0].Properties).toMatchObject({
          MetricName: 'ApproximateNumberOfMessagesVisible',
          Threshold: 0,
          ComparisonOperator: 'GreaterThanThreshold',
          EvaluationPeriods: 1,
          Period: 60,
          TreatMissingData: 'notBreaching',
        });
      }
      expect(queueAlarms).toHaveLength(dlqs.length);
    }
  });

  it('keeps a queued message 14 days, and alarms when any queue or DLQ holds one older than 15 minutes (the webhooks queue: an hour)', () => {
    for (const built of [dev, prod]) {
      const stage = built === dev ? 'dev' : 'prod';
      const { queues, byName } = queueIds(built.statefulJson);
      const ageAlarms = Object.values(alarms(built)).filter(
        (a) => a.Properties.MetricName === 'ApproximateAgeOfOldestMessage',
      );
      const names = [
        ...Object.values(queueSpecs).flatMap((spec) => [spec.name, `${spec.name}-dlq`]),
        'triage-pipe-dlq',
        'webhook-routes-dlq',
        'ses-events-dlq',
        'relay-dlq',
      ];
      for (const spec of Object.values(queueSpecs)) {
        expect(queues[byName(`closeloop-${stage}-${spec.name}`)].Properties.MessageRetentionPeriod).toBe(
          14 * 86_400,
        );
      }
      for (const name of names) {
        const alarm = ageAlarms.filter((a) => a.Properties.AlarmName === `closeloop-${stage}-age-${name}`);
        expect(alarm, `age alarm of ${name}`).toHaveLength(1);
        expect(alarm[0].Properties).toMatchObject({
          Namespace: 'AWS/SQS',
          Statistic: 'Maximum',
          // A failing endpoint's deliveries wait on purpose while they back off.
          Threshold: name === 'webhooks' ? 3600 : 900,
          ComparisonOperator: 'GreaterThanThreshold',
          TreatMissingData: 'notBreaching',
        });
      }
      expect(ageAlarms).toHaveLength(names.length);
    }
  });

  it('keeps the staff notify queue under the name and id of the single queue before it, so an upgrade keeps its messages', () => {
    for (const built of [dev, prod]) {
      const stage = built === dev ? 'dev' : 'prod';
      const { byName } = queueIds(built.statefulJson);

      expect(byName(`closeloop-${stage}-notify`)).toMatch(/^NotifyQueue[0-9A-F]{8}$/);
      expect(byName(`closeloop-${stage}-notify-dlq`)).toMatch(/^NotifyDlq[0-9A-F]{8}$/);
    }
  });

  it('alarms before SES would pause the account: bounce rate over 5 %, complaint rate over 0.1 %', () => {
    const ses = Object.values(alarms(dev)).filter((a) => a.Properties.Namespace === 'AWS/SES');

    expect(
      ses
        .map((a) => [a.Properties.MetricName, a.Properties.Threshold, a.Properties.ComparisonOperator])
        .sort(),
    ).toEqual([
      ['Reputation.BounceRate', 0.05, 'GreaterThanThreshold'],
      ['Reputation.ComplaintRate', 0.001, 'GreaterThanThreshold'],
    ]);
    for (const alarm of ses) expect(alarm.Properties.Dimensions ?? []).toEqual([]);
  });

  it('alarms on the errors of every function and on a spike of SLA breaches (EMF)', () => {
    const functionIds = Object.keys(loopFunctions(dev.statelessJson));
    expect(functionIds.length).toBeGreaterThanOrEqual(8);
    const errorAlarms = Object.values(alarms(dev)).filter((a) => a.Properties.MetricName === 'Errors');
    for (const id of functionIds) {
      const alarm = errorAlarms.filter((a) =>
        a.Properties.Dimensions.some((d: Json) => d.Name === 'FunctionName' && d.Value.Ref === id),
      );
      expect(alarm, `errors alarm of ${id}`).toHaveLength(1);
    }
    const [spike] = Object.values(alarms(dev)).filter((a) => a.Properties.Metrics);
    const metrics = spike.Properties.Metrics.filter((m: Json) => m.MetricStat).map(
      (m: Json) => m.MetricStat.Metric,
    );
    expect(metrics).toEqual([
      {
        Namespace: 'Closeloop',
        MetricName: 'SlaBreaches',
        Dimensions: expect.arrayContaining([
          { Name: 'clock', Value: 'acknowledge' },
          { Name: 'service', Value: 'closeloop' },
        ]),
      },
      {
        Namespace: 'Closeloop',
        MetricName: 'SlaBreaches',
        Dimensions: expect.arrayContaining([
          { Name: 'clock', Value: 'resolve' },
          { Name: 'service', Value: 'closeloop' },
        ]),
      },
    ]);
  });

  it('pages when a notice ends failed after two leases without a send event (EMF)', () => {
    const [alarm] = Object.values(alarms(dev)).filter(
      (a) => a.Properties.MetricName === 'NoticeLeasesFailed',
    );
    expect(alarm?.Properties).toMatchObject({
      Namespace: 'Closeloop',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      Dimensions: [{ Name: 'service', Value: 'closeloop' }],
    });
  });

  it('subscribes service.opsEmail to the ops topic when configured', () => {
    const stack = new Stack(new App(), 'OpsOnly');
    new Observability(stack, 'Ops', {
      stage: 'dev',
      opsEmail: 'oncall@example.com',
      functions: [],
      dlqs: { 'x-dlq': new Queue(stack, 'Dlq') },
      queues: {},
      api: new HttpApi(stack, 'Api'),
    });
    Template.fromStack(stack).hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
    });
  });

  it('sends every alarm to the ops topic', () => {
    for (const built of [dev, prod]) {
      const all = Object.entries(alarms(built));
      expect(all.length).toBeGreaterThan(10);
      for (const [id, alarm] of all)
        expect(alarm.Properties.AlarmActions, id).toEqual([{ Ref: topicId(built) }]);
    }
  });

  it('has the dashboard closeloop-<stage> and outputs its URL', () => {
    const [, dashboard] = only(ofType(dev.statelessJson, 'AWS::CloudWatch::Dashboard'));
    expect(dashboard.Properties.DashboardName).toBe('closeloop-dev');
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    for (const title of ['Loop funnel', 'Dead-letter queues', 'Function errors', 'p90', 'API latency', '5xx'])
      expect(body).toContain(title);
    expect(dev.statelessJson.Outputs.DashboardUrl.Value).toBeDefined();
    expect(JSON.stringify(dev.statelessJson.Outputs.DashboardUrl.Value)).toContain(
      'dashboards/dashboard/closeloop-dev',
    );
    // The funnel reads the loop's own EMF counts, with the service dimension Powertools adds.
    for (const name of ['FeedbackAccepted', 'CasesOpened', 'NoticesSent', 'NoticesFailed'])
      expect(body.replaceAll('\\"', '"')).toContain(`"Closeloop","${name}","service","closeloop"`);
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

/** The one event source mapping of the function whose logical id starts with `prefix`. */
const mappingOf = (prefix: string): [string, Json] =>
  only(
    Object.fromEntries(
      Object.entries(ofType(dev.statelessJson, 'AWS::Lambda::EventSourceMapping')).filter(([, m]) =>
        String(m.Properties.FunctionName?.Ref).startsWith(prefix),
      ),
    ),
  );

describe('stateless stack: the outbox relay', () => {
  it('reads outbox inserts from the table stream, reporting item failures, bisecting, and giving up a record after 10 tries or an hour to the relay DLQ', () => {
    const [, mapping] = mappingOf('Relay');
    const [tableId] = only(ofType(dev.statefulJson, 'AWS::DynamoDB::Table'));
    const queues = ofType(dev.statelessJson, 'AWS::SQS::Queue');
    const [dlqId, dlq] = Object.entries(queues).find(
      ([, q]) => q.Properties.QueueName === 'closeloop-dev-relay-dlq',
    ) as [string, Json];

    expect(resolveCrossStack(mapping.Properties.EventSourceArn)).toEqual({
      'Fn::GetAtt': [tableId, 'StreamArn'],
    });
    expect(JSON.parse(mapping.Properties.FilterCriteria.Filters[0].Pattern)).toEqual(relayFilterPattern);
    expect(mapping.Properties.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    expect(mapping.Properties).toMatchObject({
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 10,
      MaximumRecordAgeInSeconds: 3600,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [dlqId, 'Arn'] } } },
    });
    expect(mapping.Properties.StartingPosition).toBe('TRIM_HORIZON');
    expect(dlq.Properties).toMatchObject({ MessageRetentionPeriod: 14 * 86_400, SqsManagedSseEnabled: true });
  });

  it('alarms when the relay is over 5 minutes behind the stream, and when its DLQ holds a record', () => {
    const relayId = only(
      Object.fromEntries(
        Object.entries(loopFunctions(dev.statelessJson)).filter(([id]) => id.startsWith('Relay')),
      ),
    )[0];
    const alarms = Object.values(ofType(dev.statelessJson, 'AWS::CloudWatch::Alarm'));
    const behind = alarms.filter((a) => a.Properties.MetricName === 'IteratorAge');
    const dlqAlarm = alarms.filter((a) => a.Properties.AlarmName === 'closeloop-dev-dlq-relay-dlq');

    expect(behind).toHaveLength(1);
    expect(behind[0].Properties).toMatchObject({
      AlarmName: 'closeloop-dev-relay-iterator-age',
      Namespace: 'AWS/Lambda',
      Statistic: 'Maximum',
      Period: 60,
      Threshold: 5 * 60_000,
      ComparisonOperator: 'GreaterThanThreshold',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: relayId } }],
    });
    expect(dlqAlarm).toHaveLength(1);
    expect(dlqAlarm[0].Properties).toMatchObject({
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });

  it('may send only to the two notify queues and publish only to the bus', () => {
    const relayPolicy = allowStatements(dev.statelessJson).filter(({ where }) =>
      where.startsWith('RelayRole'),
    );
    const actions = relayPolicy.flatMap(({ statement }) => asArray(statement.Action));
    const { byName } = queueIds(dev.statefulJson);
    const bus = only(ofType(dev.statefulJson, 'AWS::Events::EventBus'))[0];
    const resourceOf = (action: string) =>
      relayPolicy.find(({ statement }) => asArray(statement.Action).includes(action))?.statement.Resource;

    expect(actions).not.toContain('sqs:*');
    const relayDlqId = Object.entries(ofType(dev.statelessJson, 'AWS::SQS::Queue')).find(
      ([, q]) => q.Properties.QueueName === 'closeloop-dev-relay-dlq',
    )?.[0];
    const sendTo = relayPolicy
      .filter(({ statement }) => asArray(statement.Action).includes('sqs:SendMessage'))
      .flatMap(({ statement }) => asArray(statement.Resource).map(resolveCrossStack));
    // The two notify queues, and the relay DLQ, where the mapping puts what it gives up.
    expect(sendTo).toHaveLength(3);
    expect(sendTo).toEqual(
      expect.arrayContaining([
        { 'Fn::GetAtt': [byName('closeloop-dev-notify'), 'Arn'] },
        { 'Fn::GetAtt': [byName('closeloop-dev-notify-customer'), 'Arn'] },
        { 'Fn::GetAtt': [relayDlqId, 'Arn'] },
      ]),
    );
    expect(resolveCrossStack(resourceOf('events:PutEvents'))).toEqual({ 'Fn::GetAtt': [bus, 'Arn'] });
    expect(actions.filter((a: string) => a.startsWith('dynamodb:')).sort()).toEqual([
      'dynamodb:DescribeStream',
      'dynamodb:GetRecords',
      'dynamodb:GetShardIterator',
      'dynamodb:ListStreams',
      'dynamodb:UpdateItem',
    ]);
    // UpdateItem (the relayedAt stamp) on the table itself, no index.
    const [tableId] = only(ofType(dev.statefulJson, 'AWS::DynamoDB::Table'));
    expect(resolveCrossStack(resourceOf('dynamodb:UpdateItem'))).toEqual({ 'Fn::GetAtt': [tableId, 'Arn'] });
  });
});

describe('stateless stack: the intake reconciler', () => {
  const reconcilerFn = (): [string, Json] =>
    only(
      Object.fromEntries(
        Object.entries(loopFunctions(dev.statelessJson)).filter(([id]) => id.startsWith('IntakeReconciler')),
      ),
    );

  it('gives the table the arrivals index (hour shard, arrival time; keys only) from shared/table.ts', () => {
    const [, table] = only(ofType(dev.statefulJson, 'AWS::DynamoDB::Table'));
    expect(table.Properties.GlobalSecondaryIndexes).toContainEqual({
      IndexName: 'arrivals',
      KeySchema: [
        { AttributeName: tableSpec.arrivalsIndex.partitionKey, KeyType: 'HASH' },
        { AttributeName: tableSpec.arrivalsIndex.sortKey, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'KEYS_ONLY' },
    });
  });

  it('runs hourly from an EventBridge rule', () => {
    const [fnId, fn] = reconcilerFn();
    const rules = Object.values(ofType(dev.statelessJson, 'AWS::Events::Rule')).filter((r) =>
      r.Properties.Targets?.some((t: Json) => t.Arn?.['Fn::GetAtt']?.[0] === fnId),
    );

    expect(rules).toHaveLength(1);
    expect(rules[0].Properties).toMatchObject({ ScheduleExpression: 'rate(1 hour)', State: 'ENABLED' });
    // Overlapping runs are harmless, so retries stay on and no concurrency is reserved.
    expect(rules[0].Properties.Targets[0].RetryPolicy).toEqual({
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 1800,
    });
    expect(fn.Properties.Timeout).toBe(300);
    expect(fn.Properties.ReservedConcurrentExecutions).toBeUndefined();
  });

  it('may get, update and batch-get the table, query the arrivals index, send to triage and the notify queues and publish to the bus, nothing else', () => {
    const [fnId] = reconcilerFn();
    const [tableId] = only(ofType(dev.statefulJson, 'AWS::DynamoDB::Table'));
    const { byName } = queueIds(dev.statefulJson);
    const bus = only(ofType(dev.statefulJson, 'AWS::Events::EventBus'))[0];
    const tableArn = { 'Fn::GetAtt': [tableId, 'Arn'] };
    // Each (action, resource) pair granted, whichever statement CDK merged it into.
    const granted = allowStatements(dev.statelessJson)
      .filter(({ where }) => where.startsWith('IntakeReconcilerRole'))
      .flatMap(({ statement }) =>
        asArray(statement.Action)
          .filter((a: string) => !a.startsWith('logs:'))
          .flatMap((action: string) =>
            asArray(statement.Resource).map((r: Json) => {
              const resource = JSON.stringify(r).includes('/index/')
                ? { join: (r['Fn::Join'][1] as Json[]).map(resolveCrossStack) }
                : resolveCrossStack(r);
              return `${action} ${JSON.stringify(resource)}`;
            }),
          ),
      );
    const on = (value: Json) => JSON.stringify(value);

    expect(fnId).toMatch(/^IntakeReconciler/);
    expect(granted.sort()).toEqual(
      [
        ...['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem'].map(
          (a) => `${a} ${on(tableArn)}`,
        ),
        `dynamodb:Query ${on({ join: [tableArn, '/index/arrivals'] })}`,
        ...['triage', 'notify', 'notify-customer'].map(
          (name) => `sqs:SendMessage ${on({ 'Fn::GetAtt': [byName(`closeloop-dev-${name}`), 'Arn'] })}`,
        ),
        `events:PutEvents ${on({ 'Fn::GetAtt': [bus, 'Arn'] })}`,
      ].sort(),
    );
  });
});

describe('stateless stack: triage', () => {
  const triageFn = (): [string, Json] =>
    Object.entries(ofType(dev.statelessJson, 'AWS::Lambda::Function')).find(([id]) =>
      id.startsWith('Triage'),
    ) as [string, Json];

  it('consumes the triage queue in batches of 10 with partial batch failures and bounded concurrency', () => {
    const [, mapping] = mappingOf('Triage');
    const { byName, queues } = queueIds(dev.statefulJson);

    expect(resolveCrossStack(mapping.Properties.EventSourceArn)).toEqual({
      'Fn::GetAtt': [byName('closeloop-dev-triage'), 'Arn'],
    });
    expect(mapping.Properties.BatchSize).toBe(10);
    expect(mapping.Properties.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    expect(mapping.Properties.ScalingConfig).toEqual({ MaximumConcurrency: 5 });
    // A message is never invisible for less time than the function may run on it.
    const [, fn] = triageFn();
    expect(fn.Properties.Timeout).toBeLessThan(
      queues[byName('closeloop-dev-triage')].Properties.VisibilityTimeout,
    );
  });

  it('may read, query, put and update the table, and consume only the triage queue, nothing else', () => {
    const [triageId, fn] = triageFn();
    const roleId = fn.Properties.Role['Fn::GetAtt'][0];
    const statements = allowStatements(dev.statelessJson)
      .filter(({ where }) => where.startsWith('TriageRole'))
      .map(({ statement }) => statement)
      .filter((s) => !asArray(s.Action).every((a: string) => a.startsWith('logs:')));
    const [tableId] = only(ofType(dev.statefulJson, 'AWS::DynamoDB::Table'));
    const { byName } = queueIds(dev.statefulJson);
    const resourceOf = (action: string) =>
      statements.find((s) => asArray(s.Action).includes(action))?.Resource;

    expect(roleId.startsWith('TriageRole')).toBe(true);
    expect(resolveCrossStack(fn.Properties.Environment.Variables.TABLE_NAME)).toEqual({ Ref: tableId });
    const actions = statements.flatMap((s) => asArray(s.Action)).sort();
    expect(actions).toEqual(
      [
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
        'dynamodb:UpdateItem',
        'sqs:ChangeMessageVisibility',
        'sqs:DeleteMessage',
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
        'sqs:ReceiveMessage',
      ].sort(),
    );
    for (const action of ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem']) {
      expect(asArray(resolveCrossStack(resourceOf(action))), action).toContainEqual({
        'Fn::GetAtt': [tableId, 'Arn'],
      });
    }
    expect(resolveCrossStack(resourceOf('sqs:ReceiveMessage'))).toEqual({
      'Fn::GetAtt': [byName('closeloop-dev-triage'), 'Arn'],
    });
    expect(triageId).toBeDefined();
  });

  it('bundles a handler that starts from the baked config and fails a poison record alone, without AWS', () => {
    const [, fn] = triageFn();
    const bundle = bundleFile(fn);
    const script = `
      const { handler } = await import(${JSON.stringify(bundle)});
      const context = { functionName: 'triage', functionVersion: '1', memoryLimitInMB: '512',
        invokedFunctionArn: 'arn:aws:lambda:ap-northeast-1:123456789012:function:triage',
        awsRequestId: 'req-1', getRemainingTimeInMillis: () => 5000 };
      const record = (id, body) => ({ messageId: id, receiptHandle: id, body, attributes: {},
        messageAttributes: {}, md5OfBody: '', eventSource: 'aws:sqs', eventSourceARN: 'arn', awsRegion: 'ap-northeast-1' });
      const result = await handler({ Records: [record('m1', 'not json'), record('m2', '{"type":"x"}')] }, context);
      console.log(JSON.stringify(result));`;
    expect(runBundleScript(script)).toEqual({
      batchItemFailures: [{ itemIdentifier: 'm1' }, { itemIdentifier: 'm2' }],
    });
  });
});

describe('outbound webhooks: rules, queue, function', () => {
  const webhooksFn = (): [string, Json] =>
    Object.entries(loopFunctions(dev.statelessJson)).find(([id]) => id.startsWith('Webhooks')) as [
      string,
      Json,
    ];
  const granted = () =>
    allowStatements(dev.statelessJson)
      .filter(({ where }) => where.startsWith('WebhooksRole'))
      .flatMap(({ statement }) =>
        asArray(statement.Action)
          .filter((a: string) => !a.startsWith('logs:'))
          .flatMap((action: string) =>
            asArray(statement.Resource).map((r: Json) => ({ action, resource: resolveCrossStack(r) })),
          ),
      );

  it('routes each endpoint and Slack through its own rule on the bus, writing one delivery message to the webhooks queue', () => {
    const { byName } = queueIds(dev.statefulJson);
    const bus = only(ofType(dev.statefulJson, 'AWS::Events::EventBus'))[0];
    const rules = Object.values(ofType(dev.statefulJson, 'AWS::Events::Rule'));
    const target = (rule: Json) => rule.Properties.Targets[0];

    // The example config: the crm endpoint, and Slack (critical openings, every escalation).
    expect(rules).toHaveLength(3);
    for (const rule of rules) {
      expect(rule.Properties.EventBusName).toEqual({ Ref: bus });
      expect(target(rule).Arn).toEqual({ 'Fn::GetAtt': [byName('closeloop-dev-webhooks'), 'Arn'] });
      expect(target(rule).DeadLetterConfig).toEqual({
        Arn: { 'Fn::GetAtt': [byName('closeloop-dev-webhook-routes-dlq'), 'Arn'] },
      });
      expect(target(rule).RetryPolicy).toEqual({
        MaximumEventAgeInSeconds: 86_400,
        MaximumRetryAttempts: 185,
      });
    }
    const crm = rules.find((r) =>
      String(target(r).InputTransformer?.InputTemplate).includes('"endpointId":"crm"'),
    );
    expect(target(crm).InputTransformer.InputPathsMap).toEqual({ detail: '$.detail' });
    expect(crm?.Properties.EventPattern).toEqual({
      source: ['closeloop'],
      'detail-type': ['case.opened', 'case.escalated', 'case.resolved', 'problem.resolved'],
    });
    expect(JSON.parse(target(crm).InputTransformer.InputTemplate.replace('<detail>', '{}'))).toEqual({
      type: 'webhook.delivery',
      version: 1,
      channel: 'webhook',
      endpointId: 'crm',
      event: {},
    });
    const slackOpened = rules.find((r) => JSON.stringify(r.Properties.EventPattern).includes('critical'));
    expect(slackOpened?.Properties.EventPattern).toEqual({
      source: ['closeloop'],
      'detail-type': ['case.opened'],
      detail: { severity: ['critical'] },
    });
  });

  it('consumes the webhooks queue in batches of 5 with partial batch failures, within its visibility timeout', () => {
    const [, mapping] = mappingOf('Webhooks');
    const { byName, queues } = queueIds(dev.statefulJson);
    const [, fn] = webhooksFn();

    expect(resolveCrossStack(mapping.Properties.EventSourceArn)).toEqual({
      'Fn::GetAtt': [byName('closeloop-dev-webhooks'), 'Arn'],
    });
    expect(mapping.Properties.BatchSize).toBe(5);
    expect(mapping.Properties.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    expect(fn.Properties.Timeout).toBeLessThan(
      queues[byName('closeloop-dev-webhooks')].Properties.VisibilityTimeout,
    );
  });

  it('may get and put table items, consume its queue, send to its DLQ and read the configured secrets, nothing else', () => {
    const [tableId] = only(ofType(dev.statefulJson, 'AWS::DynamoDB::Table'));
    const { byName } = queueIds(dev.statefulJson);
    const tableArn = { 'Fn::GetAtt': [tableId, 'Arn'] };
    const queueArn = { 'Fn::GetAtt': [byName('closeloop-dev-webhooks'), 'Arn'] };
    const grants = granted();
    const secretReads = grants.filter((g) => g.action.startsWith('secretsmanager:'));
    const others = grants
      .filter((g) => !g.action.startsWith('secretsmanager:'))
      .map((g) => `${g.action} ${JSON.stringify(g.resource)}`)
      .sort();

    expect(others).toEqual(
      [
        `dynamodb:GetItem ${JSON.stringify(tableArn)}`,
        `dynamodb:PutItem ${JSON.stringify(tableArn)}`,
        ...[
          'sqs:ChangeMessageVisibility',
          'sqs:DeleteMessage',
          'sqs:GetQueueAttributes',
          'sqs:GetQueueUrl',
          'sqs:ReceiveMessage',
        ].map((a) => `${a} ${JSON.stringify(queueArn)}`),
        `sqs:SendMessage ${JSON.stringify({ 'Fn::GetAtt': [byName('closeloop-dev-webhooks-dlq'), 'Arn'] })}`,
      ].sort(),
    );
    const names = [...config.webhooks.map((w) => w.secretName), config.slack?.webhookSecretName];
    const readSecrets = new Set(
      secretReads.map((g) => names.find((n) => n && JSON.stringify(g.resource).includes(`:secret:${n}-`))),
    );
    expect([...readSecrets].sort()).toEqual([...names].sort());
    expect(secretReads.map((g) => g.action)).not.toContain('secretsmanager:PutSecretValue');
  });
});

describe('notices: SES, the notify function, signed links', () => {
  const fnNamed = (prefix: string): [string, Json] =>
    Object.entries(ofType(dev.statelessJson, 'AWS::Lambda::Function')).find(([id]) =>
      id.startsWith(prefix),
    ) as [string, Json];
  const statementsOf = (rolePrefix: string) =>
    allowStatements(dev.statelessJson)
      .filter(({ where }) => where.startsWith(rolePrefix))
      .map(({ statement }) => statement);

  it("verifies the sender's domain as an SES identity, sending through the configuration set", () => {
    const [, identity] = only(ofType(dev.statefulJson, 'AWS::SES::EmailIdentity'));
    const [setId, set] = only(ofType(dev.statefulJson, 'AWS::SES::ConfigurationSet'));

    expect(identity.Properties.EmailIdentity).toBe(config.service.senderEmail.split('@')[1]);
    expect(identity.Properties.ConfigurationSetAttributes).toEqual({ ConfigurationSetName: { Ref: setId } });
    expect(set.Properties.Name).toBe('closeloop-dev');
    expect(set.Properties.SuppressionOptions).toEqual({ SuppressedReasons: ['BOUNCE', 'COMPLAINT'] });
  });

  it('publishes sends, deliveries, bounces and complaints to the default bus, where a rule hands them to ses-events with a DLQ', () => {
    const [, destination] = only(ofType(dev.statefulJson, 'AWS::SES::ConfigurationSetEventDestination'));
    const [, rule] = Object.entries(ofType(dev.statelessJson, 'AWS::Events::Rule')).find(([id]) =>
      id.startsWith('SesBounceComplaintRule'),
    )!;
    const [sesEventsId] = fnNamed('SesEvents');

    expect(destination.Properties.EventDestination.MatchingEventTypes.sort()).toEqual([
      'bounce',
      'complaint',
      'delivery',
      'send',
    ]);
    expect(
      JSON.stringify(destination.Properties.EventDestination.EventBridgeDestination.EventBusArn),
    ).toContain('event-bus/default');
    expect(rule.Properties.EventBusName).toBeUndefined(); // the default bus
    expect(rule.Properties.EventPattern).toMatchObject({
      source: ['aws.ses'],
      'detail-type': ['Email Sent', 'Email Delivered', 'Email Bounced', 'Email Complaint Received'],
    });
    const [target] = rule.Properties.Targets;
    expect(target.Arn).toEqual({ 'Fn::GetAtt': [sesEventsId, 'Arn'] });
    expect(target.DeadLetterConfig.Arn['Fn::GetAtt'][0]).toMatch(/^SesEventsDlq/);
    expect(
      statementsOf('SesEventsRole')
        .flatMap((s) => asArray(s.Action))
        .filter((a) => !a.startsWith('logs:'))
        .sort(),
    ).toEqual(['dynamodb:ConditionCheckItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']);
  });

  it('runs the notice reconciler every 5 minutes, querying the timers index and sending only to the notify queues', () => {
    const [fnId, fn] = fnNamed('NoticeReconciler');
    const rules = Object.values(ofType(dev.statelessJson, 'AWS::Events::Rule')).filter((r) =>
      r.Properties.Targets?.some((t: Json) => t.Arn?.['Fn::GetAtt']?.[0] === fnId),
    );
    expect(rules).toHaveLength(1);
    expect(rules[0].Properties.ScheduleExpression).toBe('rate(5 minutes)');
    expect(Object.keys(fn.Properties.Environment.Variables)).toEqual(
      expect.arrayContaining(['TABLE_NAME', 'STAFF_NOTICES_QUEUE_URL', 'CUSTOMER_NOTICES_QUEUE_URL']),
    );
    const statements = statementsOf('NoticeReconcilerRole').filter(
      (st) => !asArray(st.Action).every((a: string) => a.startsWith('logs:') || a.startsWith('xray:')),
    );
    const actions = [...new Set(statements.flatMap((st) => asArray(st.Action)))].sort();
    expect(actions).toEqual([
      'dynamodb:ConditionCheckItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
      'sqs:SendMessage',
    ]);
    const queues = statements
      .filter((st) => asArray(st.Action).includes('sqs:SendMessage'))
      .flatMap((st) => asArray(st.Resource).map((r: Json) => JSON.stringify(r)));
    expect(queues).toHaveLength(2);
    expect(queues.join()).toMatch(/Notify/);
    const query = statements.find((st) => asArray(st.Action).includes('dynamodb:Query'));
    expect(JSON.stringify(query?.Resource)).toContain('/index/timers');
  });

  const linkSecret = (): [string, Json] =>
    only(
      Object.fromEntries(
        Object.entries(ofType(dev.statefulJson, 'AWS::SecretsManager::Secret')).filter(([id]) =>
          id.startsWith('LinkSecret'),
        ),
      ),
    );

  it('generates the link-signing secret, readable by notify, the actions and survey routes and its rotation only', () => {
    const [secretId, secret] = linkSecret();
    expect(secret.Properties.GenerateSecretString).toMatchObject({
      PasswordLength: 64,
      ExcludePunctuation: true,
    });
    const readers = allowStatements(dev.statelessJson)
      .filter(({ statement }) =>
        asArray(statement.Action).some((a: string) => a.startsWith('secretsmanager:')),
      )
      .flatMap(({ where, statement }) =>
        asArray(statement.Resource).map((resource: Json) => ({
          where,
          resource: resolveCrossStack(resource),
        })),
      )
      .filter((r) => r.resource?.Ref === secretId);

    expect(readers.map((r) => r.where.replace(/RoleDefaultPolicy.*/, '')).sort()).toEqual([
      'Actions',
      'Events',
      'Notify',
      'RotateLinkSecret',
      'Survey',
    ]);
    for (const r of readers) expect(r.resource).toEqual({ Ref: secretId });
    for (const prefix of ['Notify', 'Actions', 'Survey', 'Events']) {
      const [, fn] = fnNamed(prefix);
      expect(resolveCrossStack(fn.Properties.Environment.Variables.LINK_SECRET_ARN)).toEqual({
        Ref: secretId,
      });
    }
  });

  it('rotates the link secret every service.linkSecretRotationDays through the RotateLinkSecret function', () => {
    const [secretId] = linkSecret();
    const [, schedule] = only(ofType(dev.statelessJson, 'AWS::SecretsManager::RotationSchedule'));
    const [fnId] = fnNamed('RotateLinkSecret');

    expect(config.service.linkSecretRotationDays).toBe(90);
    expect(resolveCrossStack(schedule.Properties.SecretId)).toEqual({ Ref: secretId });
    expect(schedule.Properties.RotationLambdaARN).toEqual({ 'Fn::GetAtt': [fnId, 'Arn'] });
    expect(schedule.Properties.RotationRules).toEqual({ ScheduleExpression: 'rate(90 days)' });
    expect(schedule.Properties.RotateImmediatelyOnUpdate).toBe(true);
    expect(ofType(dev.statefulJson, 'AWS::SecretsManager::RotationSchedule')).toEqual({});
  });

  it('lets the rotation function touch the link secret only, with the four calls of its steps', () => {
    const [secretId] = linkSecret();
    const statements = statementsOf('RotateLinkSecretRole').filter(
      (st) => !asArray(st.Action).every((a: string) => a.startsWith('logs:')),
    );

    expect(statements).toHaveLength(1);
    expect(asArray(statements[0].Action).sort()).toEqual([
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
      'secretsmanager:PutSecretValue',
      'secretsmanager:UpdateSecretVersionStage',
    ]);
    expect(asArray(statements[0].Resource).map(resolveCrossStack)).toEqual([{ Ref: secretId }]);
  });

  it('lets Secrets Manager invoke the rotation function for the link secret only, before the schedule exists', () => {
    const [secretId] = linkSecret();
    const [fnId] = fnNamed('RotateLinkSecret');
    const [permissionId, permission] = only(
      Object.fromEntries(
        Object.entries(ofType(dev.statelessJson, 'AWS::Lambda::Permission')).filter(
          ([, p]) => p.Properties.Principal === 'secretsmanager.amazonaws.com',
        ),
      ),
    );
    const [, schedule] = only(ofType(dev.statelessJson, 'AWS::SecretsManager::RotationSchedule'));

    expect(permission.Properties.FunctionName).toEqual({ 'Fn::GetAtt': [fnId, 'Arn'] });
    expect(permission.Properties.Action).toBe('lambda:InvokeFunction');
    expect(resolveCrossStack(permission.Properties.SourceArn)).toEqual({ Ref: secretId });
    expect(permission.Properties.SourceAccount).toEqual({ Ref: 'AWS::AccountId' });
    expect(asArray(schedule.DependsOn)).toContain(permissionId);
  });

  it('lets only notify send email, as the identity through the configuration set', () => {
    const senders = allowStatements(dev.statelessJson).filter(({ statement }) =>
      asArray(statement.Action).some((a: string) => a.startsWith('ses:')),
    );
    const [identityId] = only(ofType(dev.statefulJson, 'AWS::SES::EmailIdentity'));
    const [setId] = only(ofType(dev.statefulJson, 'AWS::SES::ConfigurationSet'));

    expect(senders.map((s) => s.where.replace(/RoleDefaultPolicy.*/, ''))).toEqual(['Notify']);
    const { statement } = senders[0]!;
    expect(asArray(statement.Action)).toEqual(['ses:SendEmail']);
    const resources = JSON.stringify(asArray(statement.Resource).map((r: Json) => resolveCrossStack(r)));
    expect(asArray(statement.Resource)).toHaveLength(2);
    expect(JSON.stringify(statement.Resource)).toContain(':identity/');
    expect(JSON.stringify(statement.Resource)).toContain(':configuration-set/');
    expect(resources + JSON.stringify(dev.statefulJson.Outputs)).toContain(identityId);
    expect(resources + JSON.stringify(dev.statefulJson.Outputs)).toContain(setId);
    const [, notify] = fnNamed('Notify');
    expect(resolveCrossStack(notify.Properties.Environment.Variables.SES_CONFIGURATION_SET)).toEqual({
      Ref: setId,
    });
  });

  it('never grants ses or secretsmanager actions on a wildcard, in either stack or stage', () => {
    for (const built of [dev, prod]) {
      for (const template of [built.statefulJson, built.statelessJson]) {
        for (const { where, statement } of allowStatements(template)) {
          const actions = asArray(statement.Action) as string[];
          if (!actions.some((a) => /^(ses|secretsmanager):/.test(a))) continue;
          expect(
            actions.some((a) => a.includes('*')),
            `${where} actions ${actions}`,
          ).toBe(false);
          for (const resource of asArray(statement.Resource)) {
            expect(JSON.stringify(resource), `${where} resource`).not.toMatch(/"\*"|\/\*|:\*/);
          }
        }
      }
    }
  });

  it('consumes the staff and the customer notify queue each in batches of 10 with partial batch failures and bounded concurrency', () => {
    const mappings = Object.values(ofType(dev.statelessJson, 'AWS::Lambda::EventSourceMapping')).filter((m) =>
      String(m.Properties.FunctionName?.Ref).startsWith('Notify'),
    );
    const { byName, queues } = queueIds(dev.statefulJson);
    const [, notify] = fnNamed('Notify');

    expect(mappings.map((m) => resolveCrossStack(m.Properties.EventSourceArn))).toEqual([
      { 'Fn::GetAtt': [byName('closeloop-dev-notify'), 'Arn'] },
      { 'Fn::GetAtt': [byName('closeloop-dev-notify-customer'), 'Arn'] },
    ]);
    for (const mapping of mappings) {
      expect(mapping.Properties.BatchSize).toBe(10);
      expect(mapping.Properties.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
      expect(mapping.Properties.ScalingConfig).toEqual({ MaximumConcurrency: 2 });
    }
    for (const name of ['closeloop-dev-notify', 'closeloop-dev-notify-customer']) {
      expect(notify.Properties.Timeout).toBeLessThan(queues[byName(name)].Properties.VisibilityTimeout);
    }
    expect(notify.Properties.Environment.Variables.PUBLIC_BASE_URL).toBe(config.service.publicBaseUrl);
  });

  it('routes GET and POST /v1/actions/{token} to the actions function', () => {
    const routes = Object.values(ofType(dev.statelessJson, 'AWS::ApiGatewayV2::Route')).filter((r) =>
      String(r.Properties.RouteKey).endsWith(' /v1/actions/{token}'),
    );
    expect(routes.map((r) => r.Properties.RouteKey).sort()).toEqual([
      'GET /v1/actions/{token}',
      'POST /v1/actions/{token}',
    ]);
    for (const route of routes) {
      const integration = dev.statelessJson.Resources[route.Properties.Target['Fn::Join'][1][1].Ref];
      expect(integration.Properties.PayloadFormatVersion).toBe('2.0');
      expect(JSON.stringify(integration.Properties.IntegrationUri)).toContain('Actions');
    }
  });
});

describe('SLA engine: timers index, schedule, function', () => {
  const slaFn = (built: Built = dev): [string, Json] =>
    Object.entries(ofType(built.statelessJson, 'AWS::Lambda::Function')).find(([id]) =>
      id.startsWith('Sla'),
    ) as [string, Json];

  it('gives the table the sparse, sharded timers index (keys only) from shared/table.ts', () => {
    const [, table] = only(ofType(dev.statefulJson, 'AWS::DynamoDB::Table'));
    expect(table.Properties.GlobalSecondaryIndexes).toContainEqual({
      IndexName: 'timers',
      KeySchema: [
        { AttributeName: tableSpec.timersIndex.partitionKey, KeyType: 'HASH' },
        { AttributeName: tableSpec.timersIndex.sortKey, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'KEYS_ONLY' },
    });
    expect(table.Properties.AttributeDefinitions).toEqual(
      expect.arrayContaining([
        { AttributeName: 'timerShard', AttributeType: 'S' },
        { AttributeName: 'dueAt', AttributeType: 'S' },
      ]),
    );
  });

  it('runs the sla function from an EventBridge rule at rate(1 minute), without retries that could pile up', () => {
    const [fnId, fn] = slaFn();
    const rules = Object.values(ofType(dev.statelessJson, 'AWS::Events::Rule')).filter((r) =>
      r.Properties.Targets?.some((t: Json) => t.Arn?.['Fn::GetAtt']?.[0] === fnId),
    );
    expect(rules).toHaveLength(1);
    expect(rules[0].Properties.ScheduleExpression).toBe('rate(1 minute)');
    expect(rules[0].Properties.State).toBe('ENABLED');
    expect(rules[0].Properties.Targets[0].RetryPolicy).toEqual({
      MaximumRetryAttempts: 0,
      MaximumEventAgeInSeconds: 60,
    });
    const [, invokeConfig] = only(
      Object.fromEntries(
        Object.entries(ofType(dev.statelessJson, 'AWS::Lambda::EventInvokeConfig')).filter(
          ([, c]) => c.Properties.FunctionName?.Ref === fnId,
        ),
      ),
    );
    expect(invokeConfig.Properties).toMatchObject({ MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 });
    // Each run ends inside its minute; overlap is harmless (conditional writes), so no reserved concurrency.
    expect(fn.Properties.Timeout).toBeLessThan(60);
    expect(fn.Properties.ReservedConcurrentExecutions).toBeUndefined();
  });

  it('may query the timers and customer indexes, and get, batch-get, query, put, update and delete (a purge) on the table, nothing else', () => {
    const [, fn] = slaFn();
    const [tableId] = only(ofType(dev.statefulJson, 'AWS::DynamoDB::Table'));
    const statements = allowStatements(dev.statelessJson)
      .filter(({ where }) => where.startsWith('SlaRole'))
      .map(({ statement }) => statement)
      .filter((s) => !asArray(s.Action).every((a: string) => a.startsWith('logs:')));
    expect(resolveCrossStack(fn.Properties.Environment.Variables.TABLE_NAME)).toEqual({ Ref: tableId });
    const tableArn = { 'Fn::GetAtt': [tableId, 'Arn'] };
    // One statement may name both indexes: each resource is checked on its own.
    const resolved = statements.flatMap((s) =>
      asArray(s.Resource).map((resource: Json) => ({
        actions: asArray(s.Action).sort(),
        resource: JSON.stringify(resource).includes('/index/')
          ? { join: (resource['Fn::Join'][1] as Json[]).map(resolveCrossStack) }
          : resolveCrossStack(resource),
      })),
    );
    expect(resolved).toEqual([
      {
        actions: [
          'dynamodb:BatchGetItem',
          'dynamodb:BatchWriteItem',
          'dynamodb:DeleteItem',
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:Query',
          'dynamodb:UpdateItem',
        ],
        resource: tableArn,
      },
      { actions: ['dynamodb:Query'], resource: { join: [tableArn, '/index/feedbackByCustomer'] } },
      { actions: ['dynamodb:Query'], resource: { join: [tableArn, '/index/timers'] } },
    ]);
  });

  it('bundles a handler that starts from the baked config and sweeps a real table (DynamoDB Local)', async () => {
    const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
    const { DynamoDBDocumentClient, PutCommand } = await import('@aws-sdk/lib-dynamodb');
    const { startDynamoLocal, localCredentials, localRegion } = await import('../../infra/local/peers.ts');
    const { ensureTable } = await import('../../infra/local/resources.ts');
    const { timerFieldsFor } = await import('../../shared/repository/case-timer.ts');
    const { toCaseItem, toEventItem } = await import('../../shared/repository/case-item.ts');
    const peer = await startDynamoLocal({});
    const client = new DynamoDBClient({
      endpoint: peer.endpoint,
      region: localRegion,
      credentials: localCredentials,
    });
    try {
      await ensureTable(client, 'closeloop-test');
      const db = DynamoDBDocumentClient.from(client);
      // Opened Tuesday 2026-01-06 09:00 JST and never acknowledged: the whole ladder is overdue.
      const at = '2026-01-06T00:00:00.000Z';
      const c = aCase({
        caseId: 'case_bundle',
        routedBy: 'test',
        createdAt: at,
        acknowledgeBy: at,
        resolveBy: at,
        contactConsent: false,
      });
      const opened = { at, type: 'opened', actor: 'test', via: 'test', data: { receivedAt: at } } as const;
      await db.send(
        new PutCommand({
          TableName: 'closeloop-test',
          Item: { ...toCaseItem(c), ...timerFieldsFor(c, [opened], config) },
        }),
      );
      await db.send(new PutCommand({ TableName: 'closeloop-test', Item: toEventItem(c.caseId, opened, 0) }));

      const [, fn] = slaFn();
      const bundle = bundleFile(fn);
      const script = `
        const { handler } = await import(${JSON.stringify(bundle)});
        const context = { functionName: 'sla', functionVersion: '1', memoryLimitInMB: '1024',
          invokedFunctionArn: 'arn:aws:lambda:ap-northeast-1:123456789012:function:sla',
          awsRequestId: 'req-1', getRemainingTimeInMillis: () => 50000 };
        const result = await handler({ 'detail-type': 'Scheduled Event', source: 'aws.events' }, context);
        console.log(JSON.stringify(result));`;
      const { spawn } = await import('node:child_process');
      const child = spawn(process.execPath, ['--no-warnings', '--input-type=module', '-e', script], {
        env: {
          PATH: process.env.PATH,
          TABLE_NAME: 'closeloop-test',
          AWS_REGION: localRegion,
          AWS_ENDPOINT_URL_DYNAMODB: peer.endpoint,
          AWS_ACCESS_KEY_ID: localCredentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: localCredentials.secretAccessKey,
          POWERTOOLS_LOG_LEVEL: 'SILENT',
          ORIGIN_VERIFY_SECRET_ARN: 'arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:origin-verify',
          AWS_SDK_JS_SUPPRESS_NODE_DEPRECATION_WARNING: '1',
        },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
      });
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
      });
      const status = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      expect(stderr).toBe('');
      expect(status).toBe(0);
      const lines = stdout.trim().split('\n');
      expect(JSON.parse(lines.at(-1) ?? '')).toMatchObject({ due: 1, fired: 4, errors: 0 });
      // The run's EMF metrics went to stdout, breaches by clock among them.
      const emf = lines.slice(0, -1).map((l) => JSON.parse(l));
      expect(emf.some((m) => m.SlaStepsFired === 4 && m._aws?.CloudWatchMetrics)).toBe(true);
      expect(emf.some((m) => m.SlaBreaches === 1 && m.clock === 'acknowledge')).toBe(true);
    } finally {
      client.destroy();
      await peer.stop();
    }
  });
});

describe('staff API: Cognito, JWT authorizer, the cases function', () => {
  const routes = (built: Built = dev) =>
    Object.values(ofType(built.statelessJson, 'AWS::ApiGatewayV2::Route')) as Json[];
  const casesFn = (): [string, Json] =>
    Object.entries(ofType(dev.statelessJson, 'AWS::Lambda::Function')).find(([id]) =>
      id.startsWith('Cases'),
    ) as [string, Json];

  it('gives the table the cases-by-team index (all attributes) and the sparse feedback-by-customer index (keys only)', () => {
    const [, table] = only(ofType(dev.statefulJson, 'AWS::DynamoDB::Table'));
    expect(table.Properties.GlobalSecondaryIndexes).toEqual(
      expect.arrayContaining([
        {
          IndexName: tableSpec.casesByTeamIndex.name,
          KeySchema: [
            { AttributeName: tableSpec.casesByTeamIndex.partitionKey, KeyType: 'HASH' },
            { AttributeName: tableSpec.casesByTeamIndex.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
        {
          IndexName: tableSpec.customerIndex.name,
          KeySchema: [{ AttributeName: tableSpec.customerIndex.partitionKey, KeyType: 'HASH' }],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        },
      ]),
    );
  });

  it('puts the JWT authorizer on every /v1/cases, /v1/problems, /v1/metrics, /v1/trends, /v1/teams, /v1/sites and DELETE /v1/customers route, and on no public one', () => {
    for (const built of [dev, prod]) {
      const [authorizerId, authorizer] = only(ofType(built.statelessJson, 'AWS::ApiGatewayV2::Authorizer'));
      expect(authorizer.Properties.AuthorizerType).toBe('JWT');
      expect(authorizer.Properties.IdentitySource).toEqual(['$request.header.Authorization']);
      const [poolId] = only(ofType(built.statefulJson, 'AWS::Cognito::UserPool'));
      const [clientId] = only(ofType(built.statefulJson, 'AWS::Cognito::UserPoolClient'));
      const jwt = JSON.stringify(authorizer.Properties.JwtConfiguration);
      expect(jwt).toContain('https://cognito-idp.');
      // Issuer and audience are the staff pool and its client (cross-stack outputs named after them).
      expect(jwt).toContain(poolId.replace(/[0-9A-F]{8}$/, ''));
      expect(jwt).toContain(clientId.replace(/[0-9A-F]{8}$/, ''));

      const staff = routes(built).filter((r) =>
        /^(GET|POST|PATCH) \/v1\/(cases|problems|metrics|trends|teams|sites)|^DELETE \/v1\/customers$/.test(
          r.Properties.RouteKey,
        ),
      );
      expect(staff.map((r) => r.Properties.RouteKey).sort()).toEqual(
        [
          'GET /v1/cases',
          'GET /v1/cases/{id}',
          ...[
            'acknowledge',
            'assign',
            'notes',
            'updates',
            'pause',
            'resume',
            'resolve',
            'reopen',
            'close',
          ].map((a) => `POST /v1/cases/{id}/${a}`),
          'POST /v1/problems',
          'GET /v1/problems',
          'GET /v1/problems/{id}',
          'PATCH /v1/problems/{id}',
          'GET /v1/problems/{id}/impact',
          'POST /v1/problems/{id}/cases',
          'POST /v1/problems/{id}/resolve',
          'POST /v1/problems/{id}/reopen',
          'GET /v1/metrics',
          'GET /v1/trends',
          'GET /v1/teams',
          'GET /v1/sites/{siteId}/touchpoints/{touchpoint}/qr.svg',
          'DELETE /v1/customers',
        ].sort(),
      );
      for (const route of staff) {
        expect(route.Properties.AuthorizationType, route.Properties.RouteKey).toBe('JWT');
        expect(route.Properties.AuthorizerId, route.Properties.RouteKey).toEqual({ Ref: authorizerId });
      }
      const open = routes(built).filter((r) => !staff.includes(r));
      expect(open.map((r) => r.Properties.RouteKey).sort()).toEqual([
        'GET /known-issues/{siteId}',
        'GET /s/{token}',
        'GET /s/{token}/qr.svg',
        'GET /v1/actions/{token}',
        'GET /v1/openapi.json',
        'POST /known-issues/{siteId}/{problemId}/subscribe',
        'POST /s/{token}',
        'POST /v1/actions/{token}',
        'POST /v1/events',
        'POST /v1/feedback',
        'POST /v1/impressions',
      ]);
      for (const route of open) {
        expect(route.Properties.AuthorizationType ?? 'NONE').toBe('NONE');
        expect(route.Properties.AuthorizerId).toBeUndefined();
      }
    }
  });

  it('routes every staff route and GET /v1/openapi.json to the cases function', () => {
    const [casesId] = casesFn();
    const mine = routes().filter((r) =>
      /\/v1\/(cases|problems|metrics|trends|teams|customers|sites|openapi\.json)/.test(r.Properties.RouteKey),
    );
    expect(mine).toHaveLength(25);
    for (const route of mine) {
      const integration = dev.statelessJson.Resources[route.Properties.Target['Fn::Join'][1][1].Ref];
      expect(integration.Properties.IntegrationType).toBe('AWS_PROXY');
      expect(JSON.stringify(integration.Properties.IntegrationUri)).toContain(casesId);
    }
  });

  it('creates the staff user pool: admin-created users only, strong passwords, TOTP MFA required, threat protection enforced', () => {
    const [, pool] = only(ofType(dev.statefulJson, 'AWS::Cognito::UserPool'));
    expect(pool.Properties).toMatchObject({
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      MfaConfiguration: 'ON',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      UserPoolTier: 'PLUS',
      UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' },
      Policies: {
        PasswordPolicy: {
          MinimumLength: 12,
          RequireLowercase: true,
          RequireUppercase: true,
          RequireNumbers: true,
          RequireSymbols: true,
        },
      },
    });
    const [, client] = only(ofType(dev.statefulJson, 'AWS::Cognito::UserPoolClient'));
    expect(client.Properties.GenerateSecret).toBe(false);
    expect(client.Properties.ExplicitAuthFlows).toEqual(['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH']);
    expect(client.Properties.PreventUserExistenceErrors).toBe('ENABLED');
  });

  it('makes one group per configured team plus admin', () => {
    const groups = Object.values(ofType(dev.statefulJson, 'AWS::Cognito::UserPoolGroup')).map(
      (g) => g.Properties.GroupName,
    );
    expect(groups.sort()).toEqual([...config.teams.map((t) => t.id), 'admin'].sort());
  });

  it('outputs the user pool id and the client id', () => {
    const outputs = Object.values(dev.statefulJson.Outputs as Record<string, Json>);
    const [poolId] = only(ofType(dev.statefulJson, 'AWS::Cognito::UserPool'));
    const [clientId] = only(ofType(dev.statefulJson, 'AWS::Cognito::UserPoolClient'));
    expect(outputs).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Value: { Ref: poolId },
          Description: expect.stringContaining('user pool'),
        }),
        expect.objectContaining({ Value: { Ref: clientId }, Description: expect.stringContaining('client') }),
      ]),
    );
  });

  it('keeps the prod user pool (Retain, deletion protection) and lets the dev one go', () => {
    const [, prodPool] = only(ofType(prod.statefulJson, 'AWS::Cognito::UserPool'));
    const [, devPool] = only(ofType(dev.statefulJson, 'AWS::Cognito::UserPool'));
    expect(prodPool.DeletionPolicy).toBe('Retain');
    expect(prodPool.Properties.DeletionProtection).toBe('ACTIVE');
    expect(devPool.DeletionPolicy).toBe('Delete');
  });

  it('lets the cases function get, batch-get (trend rollups), query, put, update and delete (erasure) on the table and query its three indexes, nothing else', () => {
    const [, fn] = casesFn();
    const [tableId] = only(ofType(dev.statefulJson, 'AWS::DynamoDB::Table'));
    const statements = allowStatements(dev.statelessJson)
      .filter(({ where }) => where.startsWith('CasesRole'))
      .map(({ statement }) => statement)
      .filter((s) => !asArray(s.Action).every((a: string) => a.startsWith('logs:')))
      // The origin-verify secret, as every HTTP function (its own test below).
      .filter((s) => JSON.stringify(s.Resource) !== JSON.stringify({ Ref: originVerifySecretId() }));
    expect(resolveCrossStack(fn.Properties.Environment.Variables.TABLE_NAME)).toEqual({ Ref: tableId });
    const tableArn = { 'Fn::GetAtt': [tableId, 'Arn'] };
    // One entry per (actions, resource); an index ARN is `<table arn>/index/<name>`.
    const resolved = statements.flatMap((s) =>
      asArray(s.Resource).map((resource: Json) => ({
        actions: asArray(s.Action).sort(),
        resource: resource['Fn::Join']
          ? { join: (resource['Fn::Join'][1] as Json[]).map(resolveCrossStack) }
          : resolveCrossStack(resource),
      })),
    );
    expect(resolved).toEqual([
      {
        actions: [
          'dynamodb:BatchGetItem',
          'dynamodb:DeleteItem',
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:Query',
          'dynamodb:UpdateItem',
        ],
        resource: tableArn,
      },
      {
        actions: ['dynamodb:Query'],
        resource: { join: [tableArn, `/index/${tableSpec.casesByTeamIndex.name}`] },
      },
      {
        actions: ['dynamodb:Query'],
        resource: { join: [tableArn, `/index/${tableSpec.customerIndex.name}`] },
      },
      {
        actions: ['dynamodb:Query'],
        resource: { join: [tableArn, `/index/${tableSpec.problemsByStatusIndex.name}`] },
      },
    ]);
    // Inside API Gateway's 30 s integration timeout.
    expect(fn.Properties.Timeout).toBeLessThan(30);
  });
});

describe('weekly team digest: schedule, function', () => {
  const digestFn = (): [string, Json] =>
    Object.entries(ofType(dev.statelessJson, 'AWS::Lambda::Function')).find(([id]) =>
      id.startsWith('Digest'),
    ) as [string, Json];

  it('runs the digest function from an EventBridge rule every Monday 00:00 UTC (09:00 JST)', () => {
    const [fnId] = digestFn();
    const rules = Object.values(ofType(dev.statelessJson, 'AWS::Events::Rule')).filter((r) =>
      r.Properties.Targets?.some((t: Json) => t.Arn?.['Fn::GetAtt']?.[0] === fnId),
    );
    expect(rules).toHaveLength(1);
    expect(rules[0].Properties.ScheduleExpression).toBe('cron(0 0 ? * MON *)');
    expect(rules[0].Properties.State).toBe('ENABLED');
  });

  it('may query the table and the cases-by-team index and put items, nothing else', () => {
    const [, fn] = digestFn();
    const [tableId] = only(ofType(dev.statefulJson, 'AWS::DynamoDB::Table'));
    expect(resolveCrossStack(fn.Properties.Environment.Variables.TABLE_NAME)).toEqual({ Ref: tableId });
    const statements = allowStatements(dev.statelessJson)
      .filter(({ where }) => where.startsWith('DigestRole'))
      .map(({ statement }) => statement)
      .filter((s) => !asArray(s.Action).every((a: string) => a.startsWith('logs:')));
    const tableArn = { 'Fn::GetAtt': [tableId, 'Arn'] };
    const resolved = statements.map((s) => ({
      actions: asArray(s.Action).sort(),
      resource: JSON.stringify(s.Resource).includes('/index/')
        ? { join: (s.Resource['Fn::Join'][1] as Json[]).map(resolveCrossStack) }
        : resolveCrossStack(s.Resource),
    }));
    expect(resolved).toEqual([
      { actions: ['dynamodb:PutItem', 'dynamodb:Query'], resource: tableArn },
      {
        actions: ['dynamodb:Query'],
        resource: { join: [tableArn, `/index/${tableSpec.casesByTeamIndex.name}`] },
      },
    ]);
  });
});

describe('web front ends: S3 + CloudFront, console sign-in', () => {
  it('serves the assets from a private, TLS-only bucket through CloudFront origin access control', () => {
    const [, bucket] = only(ofType(dev.statelessJson, 'AWS::S3::Bucket'));
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    const policies = Object.values(ofType(dev.statelessJson, 'AWS::S3::BucketPolicy'));
    const statements = policies.flatMap((p) => p.Properties.PolicyDocument.Statement);
    expect(statements).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
    expect(statements).toContainEqual(
      expect.objectContaining({ Effect: 'Allow', Principal: { Service: 'cloudfront.amazonaws.com' } }),
    );
    expect(Object.keys(ofType(dev.statelessJson, 'AWS::CloudFront::OriginAccessControl'))).toHaveLength(1);
  });

  it('forwards /v1/*, the survey pages /s/* and the known-issues pages to the HTTP API uncached with every method, and sends the strict CSP on assets', () => {
    const [, distribution] = only(ofType(dev.statelessJson, 'AWS::CloudFront::Distribution'));
    const config = distribution.Properties.DistributionConfig;
    expect(config.CacheBehaviors.map((b: Json) => b.PathPattern)).toEqual([
      '/v1/*',
      '/s/*',
      '/known-issues/*',
    ]);
    for (const api of config.CacheBehaviors) {
      expect(api.AllowedMethods).toEqual(['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE']);
      expect(api.CachePolicyId).toBe('4135ea2d-6df8-44a3-9df3-4b5a84be39ad'); // Managed-CachingDisabled
      expect(api.TargetOriginId).toBe(config.CacheBehaviors[0].TargetOriginId);
    }
    expect(config.DefaultCacheBehavior.ViewerProtocolPolicy).toBe('redirect-to-https');
    const [, headers] = only(ofType(dev.statelessJson, 'AWS::CloudFront::ResponseHeadersPolicy'));
    const csp = JSON.stringify(
      headers.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig.ContentSecurityPolicy,
    );
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
  });

  it('signs staff in with a public console client (code grant + PKCE, callback = the console) that the JWT authorizer accepts', () => {
    const [clientId, client] = only(ofType(dev.statelessJson, 'AWS::Cognito::UserPoolClient'));
    expect(client.Properties.GenerateSecret).toBe(false);
    expect(client.Properties.AllowedOAuthFlows).toEqual(['code']);
    expect(JSON.stringify(client.Properties.CallbackURLs)).toContain('/console/');
    const [, authorizer] = only(ofType(dev.statelessJson, 'AWS::ApiGatewayV2::Authorizer'));
    expect(JSON.stringify(authorizer.Properties.JwtConfiguration.Audience)).toContain(clientId);
    expect(Object.keys(ofType(dev.statelessJson, 'AWS::Cognito::UserPoolDomain'))).toHaveLength(1);
  });
});

describe('the edge: WAF rate limits, the origin check, server keys', () => {
  const webAcl = (): Json => only(ofType(dev.edgeJson, 'AWS::WAFv2::WebACL'))[1].Properties;
  const rule = (name: string): Json => webAcl().Rules.find((r: Json) => r.Name === name);

  it('puts a CLOUDFRONT web ACL in us-east-1 and publishes its ARN for the stateless stack', () => {
    expect(webAcl()).toMatchObject({ Scope: 'CLOUDFRONT', DefaultAction: { Allow: {} } });
    const [, parameter] = only(ofType(dev.edgeJson, 'AWS::SSM::Parameter'));
    expect(parameter.Properties.Name).toBe('/closeloop/dev/edge/web-acl-arn');
    const [aclId] = only(ofType(dev.edgeJson, 'AWS::WAFv2::WebACL'));
    expect(parameter.Properties.Value).toEqual({ 'Fn::GetAtt': [aclId, 'Arn'] });
  });

  it('limits public-key requests to /v1/feedback and /s/ per client IP at intake.limits.perClientPerMinute, answering 429 with Retry-After', () => {
    const perClient = rule('per-client');
    const rate = perClient.Statement.RateBasedStatement;
    expect(rate).toMatchObject({
      AggregateKeyType: 'IP',
      Limit: config.intake.limits.perClientPerMinute,
      EvaluationWindowSec: 60,
    });
    const scope = JSON.stringify(rate.ScopeDownStatement);
    expect(scope).toContain('"SearchString":"/v1/feedback"');
    // The survey page: a poster's answers come from anyone who scans it.
    expect(scope).toContain('"SearchString":"/s/"');
    expect(scope).toContain('"NotStatement"');
    expect(perClient.Action.Block.CustomResponse).toEqual({
      ResponseCode: 429,
      CustomResponseBodyKey: 'rate-limited',
      ResponseHeaders: [{ Name: 'retry-after', Value: '60' }],
    });
    expect(JSON.parse(webAcl().CustomResponseBodies['rate-limited'].Content)).toMatchObject({
      error: 'rate_limited',
    });
  });

  it('limits server-key requests per key and per client IP at intake.limits.serverPerSitePerMinute', () => {
    const perKey = rule('per-server-key').Statement.RateBasedStatement;
    expect(perKey).toMatchObject({
      AggregateKeyType: 'CUSTOM_KEYS',
      Limit: config.intake.limits.serverPerSitePerMinute,
      CustomKeys: [
        { Header: { Name: 'x-server-key', TextTransformations: [{ Priority: 0, Type: 'NONE' }] } },
      ],
    });
    const perIp = rule('server-key-per-client').Statement.RateBasedStatement;
    expect(perIp).toMatchObject({
      AggregateKeyType: 'IP',
      Limit: config.intake.limits.serverPerSitePerMinute,
    });
    expect(JSON.stringify(perIp.ScopeDownStatement)).not.toContain('NotStatement');
  });

  it('attaches the web ACL to the distribution by reading its ARN in us-east-1 at deploy time', () => {
    const [, distribution] = only(ofType(dev.statelessJson, 'AWS::CloudFront::Distribution'));
    const aclRef = distribution.Properties.DistributionConfig.WebACLId;
    const readerId = aclRef['Fn::GetAtt'][0];
    const reader = dev.statelessJson.Resources[readerId];
    expect(reader.Type).toBe('Custom::AWS');
    expect(JSON.parse(reader.Properties.Create)).toMatchObject({
      service: 'SSM',
      action: 'getParameter',
      parameters: { Name: '/closeloop/dev/edge/web-acl-arn' },
      region: 'us-east-1',
    });
  });

  it('sends the origin-verify secret to the API origin and gives every HTTP function its ARN', () => {
    const secretId = originVerifySecretId();
    const [, distribution] = only(ofType(dev.statelessJson, 'AWS::CloudFront::Distribution'));
    const apiOrigin = distribution.Properties.DistributionConfig.Origins.find(
      (o: Json) => o.CustomOriginConfig !== undefined,
    );
    const [header] = apiOrigin.OriginCustomHeaders;
    expect(header.HeaderName).toBe('x-origin-verify');
    // A dynamic reference resolved by CloudFormation: the template holds no secret value.
    expect(JSON.stringify(header.HeaderValue)).toContain('{{resolve:secretsmanager:');
    expect(JSON.stringify(header.HeaderValue)).toContain(secretId);
    const routed = ['Ingest', 'Events', 'Actions', 'Cases', 'Survey', 'KnownIssues'];
    for (const prefix of routed) {
      const [, fn] = Object.entries(loopFunctions(dev.statelessJson)).find(([id]) =>
        id.startsWith(prefix),
      ) as [string, Json];
      expect(fn.Properties.Environment.Variables.ORIGIN_VERIFY_SECRET_ARN, prefix).toEqual({ Ref: secretId });
    }
    const readers = allowStatements(dev.statelessJson)
      .filter(({ statement }) => asArray(statement.Resource).some((r: Json) => r?.Ref === secretId))
      .map(({ where }) => where.replace(/Role.*/, ''))
      .sort();
    expect(readers).toEqual([...routed].sort());
  });

  it('links in emails and the ApiUrl output point at the distribution, not at execute-api', () => {
    const [, notify] = Object.entries(loopFunctions(dev.statelessJson)).find(([id]) =>
      id.startsWith('Notify'),
    ) as [string, Json];
    const [distributionId] = only(ofType(dev.statelessJson, 'AWS::CloudFront::Distribution'));
    const viaDistribution = {
      'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distributionId, 'DomainName'] }, '/']],
    };
    if (config.service.publicBaseUrl === undefined) {
      expect(notify.Properties.Environment.Variables.PUBLIC_BASE_URL).toEqual(viaDistribution);
    }
    expect(dev.statelessJson.Outputs.ApiUrl.Value).toEqual(viaDistribution);
  });

  it('generates one server key secret per site, closeloop/<stage>/server-key/<siteId>, that no function may read', () => {
    const names = Object.values(ofType(prod.statefulJson, 'AWS::SecretsManager::Secret'))
      .map((s) => s.Properties.Name)
      .filter((n): n is string => typeof n === 'string' && n.includes('/server-key/'))
      .sort();
    expect(names).toEqual(config.sites.map((s) => `closeloop/prod/server-key/${s.id}`).sort());
    const serverKeyIds = Object.entries(ofType(prod.statefulJson, 'AWS::SecretsManager::Secret'))
      .filter(([, s]) => String(s.Properties.Name ?? '').includes('/server-key/'))
      .map(([id]) => id);
    const grants = JSON.stringify(allowStatements(prod.statelessJson).map(({ statement }) => statement));
    for (const id of serverKeyIds) expect(grants).not.toContain(id);
  });
});
