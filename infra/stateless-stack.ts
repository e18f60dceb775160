/**
 * Everything that can be replaced without losing data: the public HTTP API and the functions
 * behind it. Takes the stateful stack's resources as props; new functions go here as
 * `new LoopFunction(...)` plus `bind*` calls.
 */
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  CorsHttpMethod,
  HttpApi,
  HttpMethod,
  type HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { FilterCriteria, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { relayFilterPattern } from '../functions/relay/handler.ts';
import type { Config } from '../shared/config/schema.ts';
import type { QueueName } from '../shared/queues.ts';
import { bindBus, bindQueue, bindTable } from './bind.ts';
import type { Stage } from './config.ts';
import { LOG_RETENTION, LoopFunction } from './function.ts';
import { acknowledge } from './nag.ts';

/** What the stateless stack uses from the stateful one (a `StatefulStack` fits). */
export interface StatefulResources {
  readonly table: ITable;
  readonly queues: Readonly<Record<QueueName, IQueue>>;
  readonly dlqs: Readonly<Record<QueueName, IQueue>>;
  readonly bus: IEventBus;
}

export interface StatelessStackProps extends StackProps {
  readonly stage: Stage;
  readonly config: Config;
  readonly data: StatefulResources;
}

/** Request headers a client site may send (CORS). */
export const CORS_ALLOW_HEADERS = ['content-type', 'x-site-key', 'idempotency-key'];

/** Every origin of every configured site, once each, in config order. */
export function siteOrigins(config: Config): string[] {
  return [...new Set(config.sites.flatMap((site) => site.origins))];
}

export class StatelessStack extends Stack {
  readonly api: HttpApi;
  readonly apiStage: HttpStage;
  readonly ingest: LoopFunction;
  readonly relay: LoopFunction;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const { config, stage, data } = props;
    const prefix = `closeloop-${stage}`;

    // ---- Functions ----------------------------------------------------------------------------
    this.ingest = new LoopFunction(this, 'Ingest', {
      name: 'ingest',
      config,
      stage,
      description: 'POST /v1/feedback: validate, authenticate the site, store the feedback (202)',
    });
    // A conditional PutItem (idempotency, ReturnValuesOnConditionCheckFailure) is all ingest does.
    bindTable(this.ingest, data.table, 'putItem');

    // The outbox relay: the table stream's second reader (the feedback Pipe is the first; a stream
    // shard serves two readers well). Retries a failed record until the stream drops it (24 h),
    // in order, so a notify-queue or bus outage delays messages but never loses them.
    this.relay = new LoopFunction(this, 'Relay', {
      name: 'relay',
      config,
      stage,
      description: 'Table stream (outbox inserts) → notify queue / event bus',
    });
    bindQueue(this.relay, data.queues.notify, 'send', 'NOTIFY_QUEUE_URL');
    bindBus(this.relay, data.bus, 'EVENT_BUS_NAME');
    this.relay.addEventSource(
      new DynamoEventSource(data.table, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: 100,
        maxBatchingWindow: Duration.seconds(0),
        reportBatchItemFailures: true,
        retryAttempts: -1,
        filters: [FilterCriteria.filter(relayFilterPattern)],
      }),
    );
    acknowledge(
      this.relay.role!,
      'AwsSolutions-IAM5[Resource::*]',
      'The stream event source needs dynamodb:ListStreams, which supports no resource-level ' +
        'permissions (CDK grants it on *); the stream reads themselves are scoped to this table stream.',
    );

    // ---- Public HTTP API ----------------------------------------------------------------------
    this.api = new HttpApi(this, 'Api', {
      apiName: `${prefix}-api`,
      description: 'Closeloop public API (client sites post feedback here)',
      createDefaultStage: false,
      // API Gateway answers preflight itself, for the configured sites' origins only.
      corsPreflight: {
        allowOrigins: siteOrigins(config),
        allowMethods: [CorsHttpMethod.POST, CorsHttpMethod.OPTIONS],
        allowHeaders: CORS_ALLOW_HEADERS,
        maxAge: Duration.minutes(10),
      },
    });

    const accessLogs = new LogGroup(this, 'ApiAccessLogs', {
      retention: LOG_RETENTION[stage],
      removalPolicy: stage === 'prod' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    // The L2 stage covers throttling and access logs in aws-cdk-lib 2.276 (no L1 override needed).
    this.apiStage = this.api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: {
        rateLimit: config.service.throttle.rateLimit,
        burstLimit: config.service.throttle.burstLimit,
      },
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            requestTime: '$context.requestTime',
            ip: '$context.identity.sourceIp',
            routeKey: '$context.routeKey',
            status: '$context.status',
            protocol: '$context.protocol',
            responseLength: '$context.responseLength',
            latencyMs: '$context.responseLatency',
            integrationLatencyMs: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
            userAgent: '$context.identity.userAgent',
          }),
        ),
      },
    });

    const [feedbackRoute] = this.api.addRoutes({
      path: '/v1/feedback',
      methods: [HttpMethod.POST],
      integration: new HttpLambdaIntegration('IngestIntegration', this.ingest),
    });
    if (feedbackRoute === undefined) throw new Error('POST /v1/feedback route was not created');
    acknowledge(
      feedbackRoute,
      'AwsSolutions-APIG4',
      'POST /v1/feedback is the public endpoint that anonymous customers reach through client sites; ' +
        'there is no end-user identity to authorize. The ingest function authenticates the calling ' +
        'site itself (X-Site-Key checked against a sha256 hash in config, plus the allowed origin), ' +
        'and the stage is throttled.',
    );

    new CfnOutput(this, 'ApiUrl', {
      value: this.apiStage.url,
      description: 'Base URL of the public API (POST <ApiUrl>v1/feedback)',
    });
  }
}
