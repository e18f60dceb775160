/**
 * Everything that holds data: the table, the queues with their DLQs, the event bus, and the Pipe
 * that carries new feedback from the table's stream to the triage queue (no dual write: ingest
 * only writes the table). Deployed separately from the stateless stack so functions and APIs can
 * be replaced freely without touching data.
 */
import { CfnOutput, Duration, Fn, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import {
  AttributeType,
  BillingMode,
  ProjectionType,
  StreamViewType,
  Table,
  TableEncryption,
} from 'aws-cdk-lib/aws-dynamodb';
import { EventBus, EventField, Rule, RuleTargetInput } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import { PolicyDocument, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { CfnPipe } from 'aws-cdk-lib/aws-pipes';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import {
  ConfigurationSet,
  EmailIdentity,
  EmailSendingEvent,
  EventDestination,
  Identity,
  SuppressionReasons,
} from 'aws-cdk-lib/aws-ses';
import { Queue, QueueEncryption, type QueueProps } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { eventSource } from '../shared/adapters/messaging.ts';
import type { DeliveryRoute } from '../shared/domain/webhooks.ts';
import { pipeFilterPattern, pipeInputTemplate } from '../shared/events/feedback-received.ts';
import { dlqName, type QueueName, queues as queueSpecs } from '../shared/queues.ts';
import { tableIndexes, table as tableSpec } from '../shared/table.ts';
import type { Stage } from './config.ts';
import { LOG_RETENTION } from './function.ts';
import { acknowledge } from './nag.ts';
import { StaffAuth } from './staff-auth.ts';

export interface StatefulStackProps extends StackProps {
  readonly stage: Stage;
  /** `service.senderEmail` from config: its domain becomes the SES identity (Easy DKIM). */
  readonly senderEmail: string;
  /** Team ids from config: each becomes a staff user pool group (plus `admin`). */
  readonly teamIds?: readonly string[];
  /** Site ids from config: each gets a generated server key in Secrets Manager. */
  readonly siteIds?: readonly string[];
  /**
   * Where the bus's events go out (shared/domain/webhooks.ts `deliveryRoutes` of the config): one
   * rule each, writing one webhooks queue message per event.
   */
  readonly webhookRoutes?: readonly DeliveryRoute[];
}

/** DLQs keep messages for the SQS maximum, so an operator has two weeks to look and redrive. */
const DLQ_RETENTION = Duration.days(14);
const QUEUE_RETENTION = Duration.days(14);

/** Pipe source settings (DynamoDB stream → triage queue). */
export const PIPE_SOURCE = {
  startingPosition: 'TRIM_HORIZON',
  batchSize: 10,
  /** Then the batch goes to the pipe DLQ (the record stays in the stream only 24 h). */
  maximumRetryAttempts: 10,
} as const;

const toPascal = (name: string) => name.replace(/(^|[-_])(\w)/g, (_m, _s, c: string) => c.toUpperCase());

/** The Secrets Manager name of a site's server key. */
export const serverKeySecretName = (stage: Stage, siteId: string) =>
  `closeloop/${stage}/server-key/${siteId}`;

export class StatefulStack extends Stack {
  readonly stage: Stage;
  readonly table: Table;
  readonly queues: Record<QueueName, Queue>;
  readonly dlqs: Record<QueueName, Queue>;
  /** Where the Pipe puts stream batches it could not deliver to the triage queue. */
  readonly pipeDlq: Queue;
  readonly bus: EventBus;
  /** One rule per webhook route (bus → webhooks queue), by the route's id. */
  readonly webhookRules: Record<string, Rule>;
  /** Where EventBridge puts an event it could not write to the webhooks queue. */
  readonly webhookRoutesDlq: Queue;
  readonly feedbackPipe: CfnPipe;
  readonly pipeRole: Role;
  /** The SES domain identity of the sender address (functions/notify sends as it). */
  readonly emailIdentity: EmailIdentity;
  /** Every notice goes out through it; its event destination reports bounces and complaints. */
  readonly configurationSet: ConfigurationSet;
  /** HMAC key of the signed links in emails (generated; rotated by the stateless stack's function). */
  readonly linkSecret: Secret;
  /**
   * Each site's server key in plaintext, `closeloop/<stage>/server-key/<siteId>`: generated here,
   * read only by the operator (who hands it to the shop backend). No function can read it: ingest
   * compares the sha256 hashes in config (`serverKeyHash`), see docs/threat-model.md.
   */
  readonly serverKeys: Record<string, Secret>;
  /** Staff identities: Cognito user pool (groups = team ids + admin) and the staff API client. */
  readonly staffAuth: StaffAuth;
  readonly userPool: StaffAuth['userPool'];
  readonly userPoolClient: StaffAuth['client'];
  /** Data (table, queues, DLQ contents, logs) survives deleting a prod stack. */
  private readonly dataRemoval: RemovalPolicy;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);
    const { stage } = props;
    this.stage = stage;
    const prod = stage === 'prod';
    const dataRemoval = prod ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    this.dataRemoval = dataRemoval;
    const prefix = `closeloop-${stage}`;

    this.table = new Table(this, 'Table', {
      partitionKey: { name: tableSpec.partitionKey, type: AttributeType.STRING },
      sortKey: { name: tableSpec.sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      stream: StreamViewType[tableSpec.streamView],
      timeToLiveAttribute: tableSpec.ttlAttribute,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.AWS_MANAGED,
      deletionProtection: prod,
      removalPolicy: dataRemoval,
    });
    // The timers (SLA sweep), casesByTeam (GET /v1/cases) and feedbackByCustomer (erasure)
    // indexes, exactly as shared/table.ts describes them; the local stack creates the same.
    for (const index of tableIndexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
        ...(index.sortKey ? { sortKey: { name: index.sortKey, type: AttributeType.STRING } } : {}),
        projectionType: ProjectionType[index.projection],
      });
    }

    const queues: Partial<Record<QueueName, Queue>> = {};
    const dlqs: Partial<Record<QueueName, Queue>> = {};
    for (const [key, spec] of Object.entries(queueSpecs) as [QueueName, (typeof queueSpecs)[QueueName]][]) {
      const dlq = this.secureQueue(`${toPascal(spec.name)}Dlq`, `${prefix}-${dlqName(spec.name)}`, {
        retentionPeriod: DLQ_RETENTION,
      });
      dlqs[key] = dlq;
      queues[key] = this.secureQueue(`${toPascal(spec.name)}Queue`, `${prefix}-${spec.name}`, {
        // The longest SQS keeps a message: an outage of the consumer over a long weekend loses nothing.
        retentionPeriod: QUEUE_RETENTION,
        visibilityTimeout: Duration.seconds(spec.visibilityTimeoutSeconds),
        deadLetterQueue: { queue: dlq, maxReceiveCount: spec.maxReceiveCount },
      });
    }
    this.queues = queues as Record<QueueName, Queue>;
    this.dlqs = dlqs as Record<QueueName, Queue>;

    this.bus = new EventBus(this, 'Bus', { eventBusName: prefix });

    // ---- Webhooks: bus → webhooks queue, one rule per route (docs/webhooks.md#delivery) ---------
    // A rule per endpoint rather than one fan-out function: EventBridge writes one message per
    // endpoint and event, so each endpoint is retried (and dead-lettered) on its own. Here, beside
    // the queue, because the queue's policy names each rule: across stacks that is a cycle.
    this.webhookRoutesDlq = this.secureQueue('WebhookRoutesDlq', `${prefix}-${dlqName('webhook-routes')}`, {
      retentionPeriod: DLQ_RETENTION,
    });
    acknowledge(
      this.webhookRoutesDlq,
      'AwsSolutions-SQS3',
      'This queue is itself a dead-letter queue: the DeadLetterConfig of the webhook rules targets ' +
        '(cdk-nag only recognises DLQs named in an SQS redrive policy).',
    );
    this.webhookRules = {};
    for (const route of props.webhookRoutes ?? []) {
      this.webhookRules[route.id] = new Rule(this, `WebhookRoute-${route.id}`, {
        eventBus: this.bus,
        description: `Closeloop ${stage}: ${route.eventTypes.join(', ')} → webhooks queue (${route.id})`,
        eventPattern: {
          source: [eventSource],
          detailType: [...route.eventTypes],
          ...(route.severities ? { detail: { severity: [...route.severities] } } : {}),
        },
        targets: [
          new SqsQueue(this.queues.webhooks, {
            // shared/events/webhook-delivery.ts `deliveryMessage`, built by EventBridge.
            message: RuleTargetInput.fromObject({
              type: 'webhook.delivery',
              version: 1,
              channel: route.channel,
              ...(route.endpointId ? { endpointId: route.endpointId } : {}),
              event: EventField.fromPath('$.detail'),
            }),
            deadLetterQueue: this.webhookRoutesDlq,
            retryAttempts: 185,
            maxEventAge: Duration.hours(24),
          }),
        ],
      });
    }

    // ---- Pipe: table stream (new feedback only) → triage queue -----------------------------------
    this.pipeDlq = this.secureQueue('TriagePipeDlq', `${prefix}-${dlqName('triage-pipe')}`, {
      retentionPeriod: DLQ_RETENTION,
    });
    acknowledge(
      this.pipeDlq,
      'AwsSolutions-SQS3',
      'This queue is itself a dead-letter queue: the target of the feedback Pipe DeadLetterConfig ' +
        '(cdk-nag only recognises DLQs named in an SQS redrive policy).',
    );
    const pipeLogs = new LogGroup(this, 'FeedbackPipeLogs', {
      retention: LOG_RETENTION[stage],
      removalPolicy: dataRemoval,
    });
    const streamArn = this.table.tableStreamArn;
    if (streamArn === undefined) throw new Error('table has no stream');
    const triage = this.queues.triage;

    // Inline policies (not a separate DefaultPolicy resource): the permissions exist before the
    // Pipe is created, which CloudFormation would otherwise not guarantee.
    this.pipeRole = new Role(this, 'FeedbackPipeRole', {
      assumedBy: new ServicePrincipal('pipes.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
      description: `Closeloop ${stage}: feedback Pipe from the table stream to the triage queue`,
      inlinePolicies: {
        FeedbackPipe: new PolicyDocument({
          statements: [
            new PolicyStatement({
              sid: 'ReadThisTableStream',
              actions: [
                'dynamodb:DescribeStream',
                'dynamodb:GetRecords',
                'dynamodb:GetShardIterator',
                'dynamodb:ListStreams',
              ],
              resources: [streamArn],
            }),
            new PolicyStatement({
              sid: 'SendToTriageAndPipeDlq',
              actions: ['sqs:SendMessage'],
              resources: [triage.queueArn, this.pipeDlq.queueArn],
            }),
            new PolicyStatement({
              sid: 'WritePipeErrorLogs',
              actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
              resources: [pipeLogs.logGroupArn],
            }),
          ],
        }),
      },
    });

    this.feedbackPipe = new CfnPipe(this, 'FeedbackPipe', {
      name: `${prefix}-feedback-to-triage`,
      description:
        'New feedback items (stream INSERT, type=feedback) to the triage queue as feedback.received',
      roleArn: this.pipeRole.roleArn,
      source: streamArn,
      sourceParameters: {
        dynamoDbStreamParameters: {
          ...PIPE_SOURCE,
          deadLetterConfig: { arn: this.pipeDlq.queueArn },
        },
        filterCriteria: { filters: [{ pattern: JSON.stringify(pipeFilterPattern) }] },
      },
      target: triage.queueArn,
      targetParameters: { inputTemplate: pipeInputTemplate },
      logConfiguration: {
        level: 'ERROR',
        cloudwatchLogsLogDestination: { logGroupArn: pipeLogs.logGroupArn },
      },
    });

    // ---- Email: SES identity, configuration set, link secret ------------------------------------
    // Sends, deliveries, bounces and complaints go to the default event bus (the only bus SES
    // publishes to), where a rule of the stateless stack hands them to functions/ses-events: sends
    // and deliveries settle notice claims, bounces and complaints fill our suppression list. The
    // account-level suppression list applies too.
    this.configurationSet = new ConfigurationSet(this, 'MailConfigurationSet', {
      configurationSetName: prefix,
      suppressionReasons: SuppressionReasons.BOUNCES_AND_COMPLAINTS,
      reputationMetrics: true,
    });
    this.configurationSet.addEventDestination('SendingEvents', {
      configurationSetEventDestinationName: 'sending-events',
      destination: EventDestination.eventBus(EventBus.fromEventBusName(this, 'DefaultBus', 'default')),
      events: [
        EmailSendingEvent.SEND,
        EmailSendingEvent.DELIVERY,
        EmailSendingEvent.BOUNCE,
        EmailSendingEvent.COMPLAINT,
      ],
    });
    const senderDomain = props.senderEmail.split('@')[1];
    if (!senderDomain) throw new Error(`service.senderEmail ${props.senderEmail} has no domain`);
    // A domain identity (Easy DKIM) rather than the single address: DKIM-signed mail aligned with
    // the From domain (DMARC). The operator publishes the three CNAME records output below.
    this.emailIdentity = new EmailIdentity(this, 'SenderIdentity', {
      identity: Identity.domain(senderDomain),
      configurationSet: this.configurationSet,
    });
    new CfnOutput(this, 'SenderDkimRecords', {
      description: `DNS CNAME records to publish for the SES identity ${senderDomain} (name=value)`,
      value: Fn.join(
        ' ',
        this.emailIdentity.dkimRecords.map((r) => Fn.join('=', [r.name, r.value])),
      ),
    });

    this.linkSecret = new Secret(this, 'LinkSecret', {
      description: `Closeloop ${stage}: HMAC-SHA256 key of the signed links in emails`,
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
      removalPolicy: dataRemoval,
    });
    // Rotated by the stateless stack's RotateLinkSecret function on a schedule (it depends on this
    // stack, so the schedule lives there); cdk-nag cannot see a schedule from another stack.
    acknowledge(
      this.linkSecret,
      'AwsSolutions-SMG4',
      'Rotated automatically every service.linkSecretRotationDays by the RotateLinkSecret function; ' +
        'its AWS::SecretsManager::RotationSchedule is in the stateless stack, which depends on this one.',
    );

    this.serverKeys = {};
    for (const siteId of props.siteIds ?? []) {
      const secret = new Secret(this, `ServerKey-${siteId}`, {
        secretName: serverKeySecretName(stage, siteId),
        description: `Closeloop ${stage}: server key of site ${siteId} (X-Server-Key, shop backends only)`,
        generateSecretString: { passwordLength: 48, excludePunctuation: true, includeSpace: false },
        removalPolicy: dataRemoval,
      });
      acknowledge(
        secret,
        'AwsSolutions-SMG4',
        'A new server key is valid only once its hash is in config and deployed, and the shop backend ' +
          'must switch to it: a planned manual rotation with two hashes valid meanwhile (docs/threat-model.md).',
      );
      this.serverKeys[siteId] = secret;
    }

    // ---- Staff identities (the staff API's JWT authorizer trusts this pool) ----------------------
    this.staffAuth = new StaffAuth(this, 'StaffAuth', {
      prefix,
      teamIds: props.teamIds ?? [],
      removalPolicy: dataRemoval,
      deletionProtection: prod,
    });
    this.userPool = this.staffAuth.userPool;
    this.userPoolClient = this.staffAuth.client;
  }

  /** A queue with SQS-managed encryption that refuses any request not made over TLS. */
  private secureQueue(
    id: string,
    queueName: string,
    props: Omit<QueueProps, 'queueName' | 'encryption' | 'enforceSSL'>,
  ): Queue {
    return new Queue(this, id, {
      ...props,
      queueName,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      removalPolicy: this.dataRemoval,
    });
  }
}
