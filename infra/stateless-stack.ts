/**
 * Everything that can be replaced without losing data: the public HTTP API and the functions
 * behind it. Takes the stateful stack's resources as props; new functions go here as
 * `new LoopFunction(...)` plus `bind*` calls.
 */
import { Aws, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  CorsHttpMethod,
  HttpApi,
  HttpMethod,
  type HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IUserPool, IUserPoolClient } from 'aws-cdk-lib/aws-cognito';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { type IEventBus, Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction as LambdaTarget } from 'aws-cdk-lib/aws-events-targets';
import { FilterCriteria, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { CfnRotationSchedule, type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IConfigurationSet, IEmailIdentity } from 'aws-cdk-lib/aws-ses';
import { type IQueue, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { AwsCustomResource, AwsCustomResourcePolicy, PhysicalResourceId } from 'aws-cdk-lib/custom-resources';
import type { Construct } from 'constructs';
import { routeSpecs } from '../functions/cases/routes.ts';
import { relayFilterPattern } from '../functions/relay/handler.ts';
import { sesEventDetailTypes } from '../functions/ses-events/handler.ts';
import type { Config } from '../shared/config/schema.ts';
import { CORS_ALLOW_HEADERS } from '../shared/http.ts';
import { dlqName, type QueueName, queues as queueSpecs } from '../shared/queues.ts';
import { table as tableSpec } from '../shared/table.ts';
import {
  bindBus,
  bindMail,
  bindQueue,
  bindSecret,
  bindSecretRotation,
  bindTable,
  bindTableIndex,
} from './bind.ts';
import type { Stage } from './config.ts';
import { EDGE_REGION, webAclParameterName } from './edge-stack.ts';
import { LOG_RETENTION, LoopFunction } from './function.ts';
import { acknowledge } from './nag.ts';
import { Observability, WEBHOOKS_QUEUE_AGE_THRESHOLD } from './observability.ts';
import { applyRouteThrottling } from './route-throttle.ts';
import { WebHosting } from './web-hosting.ts';

/** What the stateless stack uses from the stateful one (a `StatefulStack` fits). */
export interface StatefulResources {
  readonly table: ITable;
  readonly queues: Readonly<Record<QueueName, IQueue>>;
  readonly dlqs: Readonly<Record<QueueName, IQueue>>;
  /** The feedback Pipe's dead-letter queue (alarmed like the others). */
  readonly pipeDlq?: IQueue;
  /** The webhook rules' dead-letter queue (alarmed like the others). */
  readonly webhookRoutesDlq?: IQueue;
  readonly bus: IEventBus;
  readonly emailIdentity: IEmailIdentity;
  readonly configurationSet: IConfigurationSet;
  readonly linkSecret: ISecret;
  /** Staff identities: the JWT authorizer accepts this pool's tokens for this client. */
  readonly userPool: IUserPool;
  readonly userPoolClient: IUserPoolClient;
}

export interface StatelessStackProps extends StackProps {
  readonly stage: Stage;
  readonly config: Config;
  readonly data: StatefulResources;
}

/**
 * How the relay's stream mapping gives up on a record. A record the relay cannot forward blocks
 * its shard (records go in order), so after 10 tries (bisection and partial batch responses
 * narrow them to the failing record itself) or once it is an hour old it goes to the relay DLQ
 * (its stream position only) and the shard moves on. Nothing is lost by that: its outbox item
 * stays without `relayedAt`, and the hourly intake reconciler sends it.
 */
export const RELAY_STREAM = { retryAttempts: 10, maxRecordAge: Duration.hours(1) } as const;

/** Every origin of every configured site, once each, in config order. */
export function siteOrigins(config: Config): string[] {
  return [...new Set(config.sites.flatMap((site) => site.origins))];
}

export class StatelessStack extends Stack {
  readonly api: HttpApi;
  readonly apiStage: HttpStage;
  readonly ingest: LoopFunction;
  readonly events: LoopFunction;
  readonly relay: LoopFunction;
  /** Where the relay's mapping puts the stream positions of records it gave up on. */
  readonly relayDlq: Queue;
  readonly intakeReconciler: LoopFunction;
  readonly triage: LoopFunction;
  readonly sla: LoopFunction;
  readonly digest: LoopFunction;
  readonly notify: LoopFunction;
  readonly actions: LoopFunction;
  readonly survey: LoopFunction;
  readonly sesEvents: LoopFunction;
  readonly noticeReconciler: LoopFunction;
  readonly cases: LoopFunction;
  /** Outbound webhooks and Slack: the webhooks queue's consumer (docs/webhooks.md). */
  readonly webhooks: LoopFunction;
  /** The link secret's rotation function (Secrets Manager invokes it on the schedule). */
  readonly rotateLinkSecret: LoopFunction;
  /** Every staff route (all but the public ones) goes through it. */
  readonly staffAuthorizer: HttpUserPoolAuthorizer;
  readonly web: WebHosting;
  /** Ops topic, alarms and dashboard. */
  readonly ops: Observability;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const { config, stage, data } = props;
    const prefix = `closeloop-${stage}`;

    // ---- The only way in: CloudFront (with the edge stack's WAF rules) ---------------------------
    // CloudFront adds this secret as a header to every request it forwards; the HTTP functions
    // refuse any request without it (shared/adapters/origin-verify.ts), so nobody skips the WAF
    // rate rules by calling the execute-api URL. Chosen over disabling the execute-api endpoint,
    // which needs a custom domain and certificate that not every operator has.
    const originVerifySecret = new Secret(this, 'OriginVerifySecret', {
      description: `Closeloop ${stage}: header value CloudFront sends to the API (x-origin-verify)`,
      generateSecretString: { passwordLength: 48, excludePunctuation: true, includeSpace: false },
    });
    acknowledge(
      originVerifySecret,
      'AwsSolutions-SMG4',
      'The value is baked into the CloudFront origin at deploy time; an automatic rotation would ' +
        'lock CloudFront out until the next deploy. Rotate by replacing the secret and deploying.',
    );
    const webAclArn = this.readEdgeWebAclArn(stage);

    // ---- Functions ----------------------------------------------------------------------------
    this.ingest = new LoopFunction(this, 'Ingest', {
      name: 'ingest',
      config,
      stage,
      description: 'POST /v1/feedback: validate, authenticate the site, store the feedback (202)',
    });
    // A conditional PutItem (idempotency, ReturnValuesOnConditionCheckFailure) per feedback; an
    // UpdateItem (ADD) of a touchpoint's weekly counter per batch of widget impressions.
    bindTable(this.ingest, data.table, ['dynamodb:PutItem', 'dynamodb:UpdateItem']);
    bindSecret(this.ingest, originVerifySecret, 'ORIGIN_VERIFY_SECRET_ARN');
    // Each bot-checked site's Turnstile secret, by the name in config (read by the ingest handler).
    for (const site of config.sites) {
      if (!site.botCheck) continue;
      Secret.fromSecretNameV2(this, `BotCheckSecret-${site.id}`, site.botCheck.secretName).grantRead(
        this.ingest,
      );
    }

    // The outbox relay: the table stream's second reader (the feedback Pipe is the first; a stream
    // shard serves two readers well). Retries a failed record in order, then gives it up to its
    // DLQ (RELAY_STREAM); the intake reconciler below sends what it gave up.
    this.relay = new LoopFunction(this, 'Relay', {
      name: 'relay',
      config,
      stage,
      description: 'Table stream (outbox inserts) → notify queue / event bus',
    });
    bindQueue(this.relay, data.queues.staffNotices, 'send', 'STAFF_NOTICES_QUEUE_URL');
    bindQueue(this.relay, data.queues.customerNotices, 'send', 'CUSTOMER_NOTICES_QUEUE_URL');
    bindBus(this.relay, data.bus, 'EVENT_BUS_NAME');
    // UpdateItem: the relayedAt stamp on each forwarded outbox item.
    bindTable(this.relay, data.table, ['dynamodb:UpdateItem']);
    this.relayDlq = new Queue(this, 'RelayDlq', {
      queueName: `${prefix}-relay-dlq`,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledge(
      this.relayDlq,
      'AwsSolutions-SQS3',
      "This queue is itself a dead-letter queue: the on-failure destination of the relay's stream " +
        'event source mapping (cdk-nag only recognises DLQs named in an SQS redrive policy).',
    );
    this.relay.addEventSource(
      new DynamoEventSource(data.table, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: 100,
        maxBatchingWindow: Duration.seconds(0),
        reportBatchItemFailures: true,
        bisectBatchOnError: true,
        ...RELAY_STREAM,
        onFailure: new SqsDlq(this.relayDlq),
        filters: [FilterCriteria.filter(relayFilterPattern)],
      }),
    );
    acknowledge(
      this.relay.role!,
      'AwsSolutions-IAM5[Resource::*]',
      'The stream event source needs dynamodb:ListStreams, which supports no resource-level ' +
        'permissions (CDK grants it on *); the stream reads themselves are scoped to this table stream.',
    );

    // ---- Intake reconciler, hourly (docs/design.md#reconciliation) ------------------------------
    // Finds feedback without a triage marker and outbox items never relayed (older than 10
    // minutes) through the arrivals index and sends them again. Runs may overlap (a hand run, a
    // retry) and a second delivery is harmless, so no reserved concurrency; a failed run resumes
    // from its checkpoint in the next hour.
    this.intakeReconciler = new LoopFunction(this, 'IntakeReconciler', {
      name: 'intake-reconciler',
      config,
      stage,
      description: 'Hourly: feedback never triaged and outbox items never relayed → sent again',
      // It stops starting hours 60 s before this, so a long backlog ends cleanly and resumes.
      timeout: Duration.minutes(5),
    });
    // GetItem / UpdateItem: its checkpoint, the relayedAt stamp. BatchGetItem: triage markers and
    // outbox items by key. Query on the arrivals index only.
    bindTable(this.intakeReconciler, data.table, [
      'dynamodb:GetItem',
      'dynamodb:UpdateItem',
      'dynamodb:BatchGetItem',
    ]);
    bindTableIndex(this.intakeReconciler, data.table, tableSpec.arrivalsIndex.name, ['dynamodb:Query']);
    bindQueue(this.intakeReconciler, data.queues.triage, 'send', 'TRIAGE_QUEUE_URL');
    bindQueue(this.intakeReconciler, data.queues.staffNotices, 'send', 'STAFF_NOTICES_QUEUE_URL');
    bindQueue(this.intakeReconciler, data.queues.customerNotices, 'send', 'CUSTOMER_NOTICES_QUEUE_URL');
    bindBus(this.intakeReconciler, data.bus, 'EVENT_BUS_NAME');
    new Rule(this, 'IntakeReconcilerSchedule', {
      description: 'Closeloop intake reconciler, hourly (functions/intake-reconciler)',
      schedule: Schedule.rate(Duration.hours(1)),
      targets: [
        new LambdaTarget(this.intakeReconciler, { retryAttempts: 2, maxEventAge: Duration.minutes(30) }),
      ],
    });

    // Triage: the triage queue (feedback.received) → classification, case, counters and outbox in
    // one DynamoDB transaction. Partial batch failures: a poison message fails alone and reaches
    // the DLQ after maxReceiveCount; concurrency is capped so a backlog cannot flood the table.
    this.triage = new LoopFunction(this, 'Triage', {
      name: 'triage',
      config,
      stage,
      description: 'Triage queue → classify, route, assign and open the case (one transaction)',
      // Below the triage queue's visibility timeout, so a message is never handled twice at once.
      timeout: Duration.seconds(30),
    });
    // GetItem: the feedback (consistent read). Query: the team's cursor and open counters.
    // PutItem / UpdateItem: the actions of the TransactWriteItems (which has no IAM action itself).
    bindTable(this.triage, data.table, [
      'dynamodb:GetItem',
      'dynamodb:Query',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
    ]);
    // The event source grants receive / delete / change visibility on this queue only.
    this.triage.addEventSource(
      new SqsEventSource(data.queues.triage, {
        batchSize: 10,
        reportBatchItemFailures: true,
        maxConcurrency: queueSpecs.triage.maxConcurrency,
      }),
    );

    // ---- SLA engine: every minute, fire what is due (docs/design.md#sla-engine) -----------------
    // Overlapping runs are safe (each step is a conditional write on the case's version and due
    // step), so there is no reserved concurrency (which would also eat into a new account's small
    // unreserved pool). Runs cannot pile up: one stops starting cases 8 s before its 55 s timeout
    // (what is left stays due for the next minute), and a failed or throttled run is not retried
    // (retryAttempts 0, events older than 60 s dropped): the next minute's run takes over.
    this.sla = new LoopFunction(this, 'Sla', {
      name: 'sla',
      config,
      stage,
      description: 'Every minute: timers index → pre-breach warnings, escalation ladder, follow-ups',
      timeout: Duration.seconds(55),
      // More memory is more CPU: thousands of due cases are worked 48 at a time.
      memorySize: 1024,
    });
    // Query: a case and its timeline (one partition). GetItem: the customer's address for the
    // follow-up survey, an invitation and its customer's contact state. UpdateItem / PutItem: the
    // actions of each step's TransactWriteItems (case, counters; event, outbox; invitation, contact
    // log) and of a retime. BatchGetItem: an invitee's triage markers and cases (a case being
    // worked on holds the invitation). Query on the timers index (case and invitation timers) and
    // on the customer index (that invitee's feedback), not on every index.
    // DeleteItem / BatchWriteItem: a closed case past its retention, with its timeline. Problems:
    // the due fix checks (Query), the problem and its links (GetItem, Query), the weekly
    // touchpoint counters (Query), the verdict with its notice (TransactWriteItems of UpdateItem
    // and PutItem), the check dropped (BatchWriteItem).
    bindTable(this.sla, data.table, [
      'dynamodb:Query',
      'dynamodb:GetItem',
      'dynamodb:UpdateItem',
      'dynamodb:PutItem',
      'dynamodb:BatchGetItem',
      'dynamodb:DeleteItem',
      'dynamodb:BatchWriteItem',
    ]);
    bindTableIndex(this.sla, data.table, tableSpec.timersIndex.name, ['dynamodb:Query']);
    bindTableIndex(this.sla, data.table, tableSpec.customerIndex.name, ['dynamodb:Query']);
    this.sla.configureAsyncInvoke({ retryAttempts: 0, maxEventAge: Duration.seconds(60) });
    new Rule(this, 'SlaSchedule', {
      description: 'Closeloop SLA sweep, every minute (functions/sla)',
      schedule: Schedule.rate(Duration.minutes(1)),
      targets: [new LambdaTarget(this.sla, { retryAttempts: 0, maxEventAge: Duration.seconds(60) })],
    });

    // ---- Weekly team digest (docs/design.md#weekly-digest): Monday 00:00 UTC = 09:00 JST -------
    // Each team gets the ISO week that just ended on its calendar. A retried or repeated run is
    // harmless (the digest's outbox item is a conditional put per team and week), so retries stay on.
    this.digest = new LoopFunction(this, 'Digest', {
      name: 'digest',
      config,
      stage,
      description: 'Weekly: one digest email per team (new / open / overdue, NPS, CSAT, SLA attainment)',
      timeout: Duration.seconds(60),
    });
    // Query: the weekly counters (one partition per dimension and week). PutItem: the conditional
    // outbox put. Query on the cases-by-team index (open and overdue cases), no other index.
    bindTable(this.digest, data.table, ['dynamodb:Query', 'dynamodb:PutItem']);
    bindTableIndex(this.digest, data.table, tableSpec.casesByTeamIndex.name, ['dynamodb:Query']);
    new Rule(this, 'DigestSchedule', {
      description: 'Closeloop weekly team digest, Mondays 00:00 UTC (09:00 JST) (functions/digest)',
      schedule: Schedule.expression('cron(0 0 ? * MON *)'),
      targets: [new LambdaTarget(this.digest, { retryAttempts: 2, maxEventAge: Duration.hours(1) })],
    });

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
    const [impressionsRoute] = this.api.addRoutes({
      path: '/v1/impressions',
      methods: [HttpMethod.POST],
      integration: new HttpLambdaIntegration('ImpressionsIntegration', this.ingest),
    });
    if (impressionsRoute === undefined) throw new Error('POST /v1/impressions route was not created');
    acknowledge(
      impressionsRoute,
      'AwsSolutions-APIG4',
      "POST /v1/impressions is the widget's count of prompts shown, sent from visitors' browsers: no " +
        'end-user identity; the ingest function checks the site key and origin as for feedback, and ' +
        'WAF limits it per client.',
    );
    acknowledge(
      feedbackRoute,
      'AwsSolutions-APIG4',
      'POST /v1/feedback is the public endpoint that anonymous customers reach through client sites; ' +
        'there is no end-user identity to authorize. The ingest function authenticates the calling ' +
        'site itself (X-Site-Key checked against a sha256 hash in config, plus the allowed origin), ' +
        'and the stage is throttled.',
    );

    // The widget, the console and /v1/* behind one CloudFront distribution (the API's public URL).
    this.web = new WebHosting(this, 'Web', {
      prefix,
      api: this.api,
      userPool: data.userPool,
      webAclArn,
      originVerifySecret,
    });
    const apiUrl = `https://${this.web.distribution.distributionDomainName}/`;

    // ---- Notices: notify queue → SES; signed links; bounces and complaints ----------------------
    const table = data.table;
    // Links in emails point at the operator's public URL if configured, else at the distribution.
    const publicBaseUrl = config.service.publicBaseUrl ?? apiUrl;

    // ---- Journey events (docs/invitations.md): the shop backend's POST /v1/events ---------------
    this.events = new LoopFunction(this, 'Events', {
      name: 'events',
      config,
      stage,
      description: 'POST /v1/events: a journey event (server key), stored once with its survey invitation',
      environment: { PUBLIC_BASE_URL: publicBaseUrl },
    });
    // GetItem: the stored event a replay answers from, the customer's first-seen time. PutItem /
    // UpdateItem: the actions of the transaction (event, invitation, contact log line, a
    // cancellation's churn answer; the first-seen stamp).
    bindTable(this.events, table, ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']);
    // The survey link in the answer is signed with the link secret (read, never written).
    bindSecret(this.events, data.linkSecret, 'LINK_SECRET_ARN');
    bindSecret(this.events, originVerifySecret, 'ORIGIN_VERIFY_SECRET_ARN');
    const [eventsRoute] = this.api.addRoutes({
      path: '/v1/events',
      methods: [HttpMethod.POST],
      integration: new HttpLambdaIntegration('EventsIntegration', this.events),
    });
    if (eventsRoute === undefined) throw new Error('POST /v1/events route was not created');
    acknowledge(
      eventsRoute,
      'AwsSolutions-APIG4',
      'POST /v1/events is called by the shop backend, which has no end-user identity: the events ' +
        'function authenticates it with the site server key (X-Server-Key against a sha256 hash in ' +
        'config, never from a browser); WAF limits server-key requests per key and per client.',
    );
    this.notify = new LoopFunction(this, 'Notify', {
      name: 'notify',
      config,
      stage,
      description: 'Notify queues (staff, customer) → ja/en emails through SES, each notice at most once',
      // Below the notify queues' visibility timeout, so a message is never handled twice at once.
      timeout: Duration.seconds(30),
      environment: { PUBLIC_BASE_URL: publicBaseUrl },
    });
    // GetItem: case (consent), suppression, claim. PutItem / DeleteItem: the claim. UpdateItem /
    // ConditionCheckItem: the outcome transaction (claim, timeline event, case must exist).
    bindTable(this.notify, table, [
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'dynamodb:ConditionCheckItem',
    ]);
    bindMail(this.notify, data.emailIdentity, data.configurationSet);
    bindSecret(this.notify, data.linkSecret, 'LINK_SECRET_ARN');
    // Partial batch failures: throttling or a poison message fails alone; two concurrent
    // invocations at most per queue keep SES under its send rate while the queues absorb bursts.
    // Each queue is polled on its own, so a flood of customer notices never delays staff ones.
    for (const key of ['staffNotices', 'customerNotices'] as const) {
      this.notify.addEventSource(
        new SqsEventSource(data.queues[key], {
          batchSize: 10,
          reportBatchItemFailures: true,
          maxConcurrency: queueSpecs[key].maxConcurrency,
        }),
      );
    }

    // The notice reconciler: claims whose lease ran out with no send event are queued again once,
    // then failed (core/notices/leases.ts). Every run is safe to repeat, so a missed one only delays.
    this.noticeReconciler = new LoopFunction(this, 'NoticeReconciler', {
      name: 'notice-reconciler',
      config,
      stage,
      description: 'Every 5 minutes: notice claims past their lease → queued again once, then failed',
      timeout: Duration.seconds(60),
    });
    // Query on the timers index (the claims' lease partitions), no other index. GetItem: each
    // claim as it is now. UpdateItem: the release. UpdateItem / PutItem / ConditionCheckItem: a
    // failed claim's outcome transaction (claim, timeline event, case must exist).
    bindTable(this.noticeReconciler, table, [
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:ConditionCheckItem',
    ]);
    bindTableIndex(this.noticeReconciler, table, tableSpec.timersIndex.name, ['dynamodb:Query']);
    bindQueue(this.noticeReconciler, data.queues.staffNotices, 'send', 'STAFF_NOTICES_QUEUE_URL');
    bindQueue(this.noticeReconciler, data.queues.customerNotices, 'send', 'CUSTOMER_NOTICES_QUEUE_URL');
    new Rule(this, 'NoticeReconcilerSchedule', {
      description: 'Closeloop notice reconciler, every 5 minutes (functions/notice-reconciler)',
      schedule: Schedule.rate(Duration.minutes(5)),
      targets: [
        new LambdaTarget(this.noticeReconciler, { retryAttempts: 0, maxEventAge: Duration.minutes(5) }),
      ],
    });

    this.actions = new LoopFunction(this, 'Actions', {
      name: 'actions',
      config,
      stage,
      description: 'GET/POST /v1/actions/{token}: signed links in emails (confirm page, then act once)',
    });
    // The links' actions run the staff API's use cases (functions/cases): GetItem: token, case,
    // the customer's address. Query: the case and its timeline (SLA timer, attainment). PutItem /
    // UpdateItem: the action's transaction (case, timeline event, spent token, counters, notices)
    // and the suppression of an unsubscribe.
    bindTable(this.actions, table, [
      'dynamodb:GetItem',
      'dynamodb:Query',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
    ]);
    bindSecret(this.actions, data.linkSecret, 'LINK_SECRET_ARN');
    bindSecret(this.actions, originVerifySecret, 'ORIGIN_VERIFY_SECRET_ARN');
    const actionRoutes = this.api.addRoutes({
      path: '/v1/actions/{token}',
      methods: [HttpMethod.GET, HttpMethod.POST],
      integration: new HttpLambdaIntegration('ActionsIntegration', this.actions),
    });
    for (const route of actionRoutes) {
      acknowledge(
        route,
        'AwsSolutions-APIG4',
        'Signed links are opened from email by staff and customers without a session: the token in ' +
          'the path is the credential (HMAC-SHA256 over the action, case and member, expiring, ' +
          'single use enforced by a conditional write), checked by the actions function itself.',
      );
    }

    // ---- The hosted survey page (docs/survey.md) ---------------------------------------------------
    this.survey = new LoopFunction(this, 'Survey', {
      name: 'survey',
      config,
      stage,
      description:
        'GET/POST /s/{token}, GET /s/{token}/qr.svg: the survey page an invitation or a poster opens',
      environment: { PUBLIC_BASE_URL: publicBaseUrl },
    });
    // GetItem: the invitation, the contact state, the poster. UpdateItem: the opened stamp. PutItem:
    // the answer's transaction (invitation, contact state, log line, feedback) and a poster's answer.
    bindTable(this.survey, table, ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']);
    bindSecret(this.survey, data.linkSecret, 'LINK_SECRET_ARN');
    bindSecret(this.survey, originVerifySecret, 'ORIGIN_VERIFY_SECRET_ARN');
    const surveyIntegration = new HttpLambdaIntegration('SurveyIntegration', this.survey);
    const surveyRoutes = [
      ...this.api.addRoutes({
        path: '/s/{token}',
        methods: [HttpMethod.GET, HttpMethod.POST],
        integration: surveyIntegration,
      }),
      ...this.api.addRoutes({
        path: '/s/{token}/qr.svg',
        methods: [HttpMethod.GET],
        integration: surveyIntegration,
      }),
    ];
    for (const route of surveyRoutes) {
      acknowledge(
        route,
        'AwsSolutions-APIG4',
        'The survey page is opened by customers without a session: a personal link is its own ' +
          'credential (HMAC-SHA256 over the invitation, expiring, answered once by a conditional ' +
          'write), a poster code is anonymous by design; WAF rate-limits every /s/ request per client.',
      );
    }

    // ---- The public known-issues page (docs/known-issues.md) ------------------------------------
    const knownIssues = new LoopFunction(this, 'KnownIssues', {
      name: 'known-issues',
      config,
      stage,
      description:
        'GET /known-issues/{siteId}, POST /known-issues/{siteId}/{problemId}/subscribe: the public page and its notify-me form',
    });
    // Query: the site's pointers. BatchGetItem: the problems. GetItem / UpdateItem: the contact's
    // confirmation stamp and the site's quota. PutItem: the subscription's transaction (with the
    // confirmation's outbox item).
    bindTable(knownIssues, table, [
      'dynamodb:Query',
      'dynamodb:BatchGetItem',
      'dynamodb:GetItem',
      'dynamodb:UpdateItem',
      'dynamodb:PutItem',
    ]);
    bindSecret(knownIssues, originVerifySecret, 'ORIGIN_VERIFY_SECRET_ARN');
    const knownIssuesIntegration = new HttpLambdaIntegration('KnownIssuesIntegration', knownIssues);
    const knownIssuesRoutes = [
      ...this.api.addRoutes({
        path: '/known-issues/{siteId}',
        methods: [HttpMethod.GET],
        integration: knownIssuesIntegration,
      }),
      ...this.api.addRoutes({
        path: '/known-issues/{siteId}/{problemId}/subscribe',
        methods: [HttpMethod.POST],
        integration: knownIssuesIntegration,
      }),
    ];
    for (const route of knownIssuesRoutes) {
      acknowledge(
        route,
        'AwsSolutions-APIG4',
        'The known-issues page is public by design: it shows only what staff wrote for the public; ' +
          "its form can only ask for the intake's one confirmation email, within its limits; WAF rate-limits it per client.",
      );
    }

    // ---- The link secret rotates on a schedule; notify signs with AWSCURRENT, actions verify with
    // AWSCURRENT and AWSPREVIOUS (docs/operations.md#key-rotation). Here rather than in the
    // stateful stack, which the functions' stack depends on.
    this.rotateLinkSecret = new LoopFunction(this, 'RotateLinkSecret', {
      name: 'rotate-link-secret',
      config,
      stage,
      description: 'Rotates the link secret: a fresh AWSPENDING, tested, then made AWSCURRENT',
      memorySize: 256,
      timeout: Duration.seconds(30),
    });
    const mayRotate = bindSecretRotation(this.rotateLinkSecret, data.linkSecret);
    const linkSecretRotation = new CfnRotationSchedule(this, 'LinkSecretRotation', {
      secretId: data.linkSecret.secretArn,
      rotationLambdaArn: this.rotateLinkSecret.functionArn,
      rotationRules: { scheduleExpression: `rate(${config.service.linkSecretRotationDays} days)` },
      // Rotate at the deploy that turns rotation on (or changes it): the full four steps, which
      // the function is tested on. Without it Secrets Manager runs testSecret alone on a pending
      // version it makes itself, a path nothing here can test. Links mailed before stay valid
      // through AWSPREVIOUS.
      rotateImmediatelyOnUpdate: true,
    });
    linkSecretRotation.addResourceDependency(mayRotate);

    this.sesEvents = new LoopFunction(this, 'SesEvents', {
      name: 'ses-events',
      config,
      stage,
      description: 'SES events (EventBridge): sends settle notice claims, bounces / complaints suppress',
    });
    // PutItem: a suppression. GetItem: the claim a send event names. UpdateItem / PutItem /
    // ConditionCheckItem: the claim's outcome transaction (claim, timeline event, case must exist).
    bindTable(this.sesEvents, table, [
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:ConditionCheckItem',
    ]);
    const sesEventsDlq = new Queue(this, 'SesEventsDlq', {
      queueName: `${prefix}-ses-events-dlq`,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledge(
      sesEventsDlq,
      'AwsSolutions-SQS3',
      'This queue is itself a dead-letter queue: the DeadLetterConfig of the SES events rule target ' +
        '(cdk-nag only recognises DLQs named in an SQS redrive policy).',
    );
    // SES publishes sending events only to the default bus; only this configuration set's count.
    new Rule(this, 'SesBounceComplaintRule', {
      description: 'Sends, deliveries, bounces and complaints of Closeloop mail → functions/ses-events',
      eventPattern: {
        source: ['aws.ses'],
        detailType: [...sesEventDetailTypes],
        detail: { mail: { tags: { 'ses:configuration-set': [data.configurationSet.configurationSetName] } } },
      },
      targets: [
        new LambdaTarget(this.sesEvents, {
          deadLetterQueue: sesEventsDlq,
          retryAttempts: 8,
          maxEventAge: Duration.hours(24),
        }),
      ],
    });

    // ---- Staff API: cases, problems, metrics, erasure (docs/api.md) ----------------------------
    this.cases = new LoopFunction(this, 'Cases', {
      name: 'cases',
      config,
      stage,
      description: 'Staff API: /v1/cases, /v1/problems, /v1/metrics, DELETE /v1/customers, /v1/openapi.json',
      // Inside API Gateway's 30 s integration limit: resolving a large problem is one
      // transaction per linked case.
      timeout: Duration.seconds(29),
      // A touchpoint's poster QR code carries the survey page's public address.
      environment: { PUBLIC_BASE_URL: publicBaseUrl },
    });
    // GetItem: feedback, customer address, spent tokens, problems, posters. Query: a case and its
    // timeline, a problem's links, the weekly counters (one partition per week). PutItem /
    // UpdateItem: the actions of each change's TransactWriteItems (case, event, outbox, counters,
    // links), problems, erasure's feedback update, a touchpoint's poster, a week's trend rollup.
    // BatchGetItem: the trend rollups of a range (one item per week). DeleteItem: erasure's
    // deletion of relayed customer notices (outbox items naming the address). The three indexes it
    // reads (cases by team, feedback by customer, problems by status), and only those, with Query.
    bindTable(this.cases, table, [
      'dynamodb:GetItem',
      'dynamodb:BatchGetItem',
      'dynamodb:Query',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
    ]);
    bindTableIndex(this.cases, table, tableSpec.casesByTeamIndex.name, ['dynamodb:Query']);
    bindTableIndex(this.cases, table, tableSpec.customerIndex.name, ['dynamodb:Query']);
    bindTableIndex(this.cases, table, tableSpec.problemsByStatusIndex.name, ['dynamodb:Query']);
    bindSecret(this.cases, originVerifySecret, 'ORIGIN_VERIFY_SECRET_ARN');

    // ---- Outbound webhooks and Slack (docs/webhooks.md) ------------------------------------------
    // The stateful stack's rules put one message per endpoint and event on the webhooks queue.
    this.webhooks = new LoopFunction(this, 'Webhooks', {
      name: 'webhooks',
      config,
      stage,
      description: 'Webhooks queue → signed POSTs to the configured endpoints, Block Kit posts to Slack',
      // A batch of 5 one after another, each POST cut at 5 s; below the queue's visibility timeout.
      timeout: Duration.seconds(40),
      memorySize: 256,
      // The Slack message's "Open" button points at the console.
      environment: { PUBLIC_BASE_URL: publicBaseUrl },
    });
    // GetItem: the feedback a body describes, an endpoint's disabled flag. PutItem: the flag a 410
    // sets (conditional, the first kept).
    bindTable(this.webhooks, table, ['dynamodb:GetItem', 'dynamodb:PutItem']);
    // Consume (receive, delete, change visibility: the backoff of a failed attempt), and send
    // to its DLQ (a delivery given up 24 h after its event).
    bindQueue(this.webhooks, data.queues.webhooks, 'consume', 'WEBHOOKS_QUEUE_URL');
    bindQueue(this.webhooks, data.dlqs.webhooks, 'send', 'WEBHOOKS_DLQ_URL');
    // Each endpoint's signing secret and Slack's URL, by the names in config, and no other secret.
    for (const webhook of config.webhooks) {
      Secret.fromSecretNameV2(this, `WebhookSecret-${webhook.id}`, webhook.secretName).grantRead(
        this.webhooks,
      );
    }
    if (config.slack) {
      Secret.fromSecretNameV2(this, 'SlackWebhookSecret', config.slack.webhookSecretName).grantRead(
        this.webhooks,
      );
    }
    this.webhooks.addEventSource(
      new SqsEventSource(data.queues.webhooks, {
        batchSize: 5,
        reportBatchItemFailures: true,
        maxConcurrency: queueSpecs.webhooks.maxConcurrency,
      }),
    );

    // Cognito JWTs of the staff pool, for the staff API client and the console's client only (audience / client_id checked
    // by API Gateway before the function runs; expired, forged or alg:none tokens answer 401).
    this.staffAuthorizer = new HttpUserPoolAuthorizer('StaffAuthorizer', data.userPool, {
      authorizerName: 'staff-jwt',
      userPoolClients: [data.userPoolClient, this.web.consoleClient],
      identitySource: ['$request.header.Authorization'],
    });
    const casesIntegration = new HttpLambdaIntegration('CasesIntegration', this.cases);
    for (const spec of routeSpecs) {
      const routes = this.api.addRoutes({
        path: spec.path,
        methods: [HttpMethod[spec.method]],
        integration: casesIntegration,
        ...(spec.access === 'public' ? {} : { authorizer: this.staffAuthorizer }),
      });
      if (spec.access !== 'public') continue;
      for (const route of routes) {
        acknowledge(
          route,
          'AwsSolutions-APIG4',
          `${spec.method} ${spec.path} is public on purpose: the OpenAPI document of the API's own ` +
            'contracts (read-only, no data, no identity); every staff route has the JWT authorizer.',
        );
      }
    }

    // Every route its own throttling bucket (the stage default above stays the ceiling).
    applyRouteThrottling(this.api, this.apiStage, {
      public: config.service.throttle,
      staff: config.service.staffThrottle ?? config.service.throttle,
    });

    new CfnOutput(this, 'ApiUrl', {
      value: apiUrl,
      description: 'Base URL of the public API (POST <ApiUrl>v1/feedback); the execute-api URL answers 403',
    });

    // ---- Operations: ops topic, alarms, dashboard. Keep this last: it alarms every LoopFunction
    // and every DLQ that exists at this point (tests/infra/stacks.test.ts checks none is missed).
    this.ops = new Observability(this, 'Ops', {
      stage,
      opsEmail: config.service.opsEmail,
      functions: this.node.findAll().filter((c): c is LoopFunction => c instanceof LoopFunction),
      dlqs: {
        ...Object.fromEntries(
          Object.entries(data.dlqs).map(([key, q]) => [dlqName(queueSpecs[key as QueueName].name), q]),
        ),
        ...(data.pipeDlq ? { 'triage-pipe-dlq': data.pipeDlq } : {}),
        ...(data.webhookRoutesDlq ? { 'webhook-routes-dlq': data.webhookRoutesDlq } : {}),
        'ses-events-dlq': sesEventsDlq,
        'relay-dlq': this.relayDlq,
      },
      streamReaders: [this.relay],
      queues: Object.fromEntries(
        Object.entries(data.queues).map(([key, q]) => [queueSpecs[key as QueueName].name, q]),
      ),
      queueAgeThresholds: { [queueSpecs.webhooks.name]: WEBHOOKS_QUEUE_AGE_THRESHOLD },
      api: this.api,
    });
  }

  /**
   * The edge stack's web ACL ARN, read from its SSM parameter in us-east-1 at deploy time (the
   * edge stack deploys first: infra/stacks.ts). The ACL is never replaced, so its ARN is stable.
   */
  private readEdgeWebAclArn(stage: Stage): string {
    const name = webAclParameterName(stage);
    const reader = new AwsCustomResource(this, 'EdgeWebAclArn', {
      onUpdate: {
        service: 'SSM',
        action: 'getParameter',
        parameters: { Name: name },
        region: EDGE_REGION,
        physicalResourceId: PhysicalResourceId.of(name),
      },
      policy: AwsCustomResourcePolicy.fromSdkCalls({
        resources: [`arn:${Aws.PARTITION}:ssm:${EDGE_REGION}:${this.account}:parameter${name}`],
      }),
      installLatestAwsSdk: false,
    });
    // The provider is a singleton Lambda at the stack's root, named after its fixed UUID.
    const handler = this.node.tryFindChild(
      `AWS${AwsCustomResource.PROVIDER_FUNCTION_UUID.replaceAll('-', '')}`,
    );
    if (handler) {
      acknowledge(
        handler,
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        "CDK's AwsCustomResource provider writes its own logs with the basic execution role; it runs only during deploys.",
      );
      acknowledge(
        handler,
        'AwsSolutions-L1',
        "CDK's AwsCustomResource provider: its runtime is chosen by aws-cdk-lib and moves with it; it runs only during deploys.",
      );
    }
    return reader.getResponseField('Parameter.Value');
  }
}
