/**
 * Operations: the ops topic every alarm pages, the alarms (every DLQ holding a message, every
 * function's errors, a stream reader falling behind, a spike of SLA breaches) and the `closeloop-<stage>` dashboard. Built last in
 * the stateless stack, from the functions and queues that exist by then (a test checks that every
 * LoopFunction and every DLQ has its alarm, so a function added after it is caught).
 */
import { Aws, CfnOutput, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  Metric,
  SingleValueWidget,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { loopMetric } from '../shared/observability.ts';
import type { Stage } from './config.ts';
import type { LoopFunction } from './function.ts';

/** Namespace of the EMF metrics: the loop's counts (shared/observability.ts) and the SLA sweep's. */
export const METRIC_NAMESPACE = 'Closeloop';
/** Powertools adds `service` (its serviceName) to every EMF metric as a default dimension. */
const SERVICE_DIMENSION = { service: 'closeloop' };
/** SLA breaches in 15 minutes that page (functions/sla emits `SlaBreaches` per clock). */
export const BREACH_SPIKE_THRESHOLD = 10;
/** A message older than this on any queue or DLQ pages: the loop promises minutes, not hours. */
export const QUEUE_AGE_THRESHOLD = Duration.minutes(15);
/**
 * The webhooks queue holds a failing endpoint's deliveries on purpose, backing off for 24 h: its
 * oldest message pages after an hour (about seven failed attempts), not after 15 minutes.
 */
export const WEBHOOKS_QUEUE_AGE_THRESHOLD = Duration.hours(1);
/**
 * SES reviews an account whose bounce rate passes 5 % or complaint rate 0.1 %, and may pause its
 * sending; these page before that, on the account-level rates SES enforces.
 */
/**
 * A stream reader further behind than this pages: the relay gives a record up after an hour
 * (infra/stateless-stack.ts RELAY_STREAM), so there is time to act before the reconciler must.
 */
export const ITERATOR_AGE_THRESHOLD = Duration.minutes(5);
export const SES_REPUTATION_THRESHOLDS = { 'Reputation.BounceRate': 0.05, 'Reputation.ComplaintRate': 0.001 };

export interface ObservabilityProps {
  readonly stage: Stage;
  /** Optional e-mail subscription of the ops topic (`service.opsEmail`; confirmed by the recipient). */
  readonly opsEmail?: string;
  /** Every Closeloop function: one Errors alarm each, and errors / duration on the dashboard. */
  readonly functions: readonly LoopFunction[];
  /** Every dead-letter queue, by a readable name: depth and age alarms each, depth on the dashboard. */
  readonly dlqs: Readonly<Record<string, IQueue>>;
  /** Every work queue, by its name: an age alarm each (work waiting longer than it should). */
  readonly queues: Readonly<Record<string, IQueue>>;
  /** A work queue's own age threshold, by its name, where QUEUE_AGE_THRESHOLD does not fit. */
  readonly queueAgeThresholds?: Readonly<Record<string, Duration>>;
  /** Functions reading the table stream: an IteratorAge alarm each (the stream waits for them). */
  readonly streamReaders?: readonly LoopFunction[];
  readonly api: HttpApi;
  /** The funnel: feedback received (invocations), cases opened (log filter), SLA breaches (EMF). */
}

export class Observability extends Construct {
  readonly topic: Topic;
  readonly alarms: Alarm[] = [];
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    const { stage } = props;
    const prefix = `closeloop-${stage}`;

    // CloudWatch cannot publish to a topic encrypted with the AWS managed key aws/sns (its key
    // policy cannot be changed to let cloudwatch.amazonaws.com use it): a customer managed key
    // with rotation, usable by CloudWatch from this account only.
    const key = new Key(this, 'TopicKey', {
      description: `Closeloop ${stage}: SSE of the ops topic (CloudWatch alarms publish to it)`,
      enableKeyRotation: true,
      pendingWindow: Duration.days(7),
      removalPolicy: RemovalPolicy.DESTROY,
    });
    key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudWatchAlarmsOfThisAccount',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    );
    this.topic = new Topic(this, 'OpsTopic', {
      topicName: `${prefix}-ops`,
      displayName: `Closeloop ${stage} ops`,
      masterKey: key,
      enforceSSL: true,
    });
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudWatchAlarmsOfThisAccount',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    );
    if (props.opsEmail) this.topic.addSubscription(new EmailSubscription(props.opsEmail));
    const action = new SnsAction(this.topic);
    const page = (alarm: Alarm) => {
      alarm.addAlarmAction(action);
      this.alarms.push(alarm);
      return alarm;
    };

    // ---- Alarms ---------------------------------------------------------------------------------
    const minute = Duration.minutes(1);
    const dlqEntries = Object.entries(props.dlqs);
    for (const [name, dlq] of dlqEntries) {
      page(
        new Alarm(this, `DlqAlarm-${name}`, {
          alarmName: `${prefix}-dlq-${name}`,
          alarmDescription: `A message dead-lettered in ${name}: look, fix, then redrive it.`,
          metric: dlq.metricApproximateNumberOfMessagesVisible({ period: minute, statistic: 'Maximum' }),
          threshold: 0,
          comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
    }
    const queueAge = (name: string, queue: IQueue, what: string) => {
      const threshold = props.queueAgeThresholds?.[name] ?? QUEUE_AGE_THRESHOLD;
      return page(
        new Alarm(this, `QueueAgeAlarm-${name}`, {
          alarmName: `${prefix}-age-${name}`,
          alarmDescription: `The oldest message in ${name} waited over ${threshold.toMinutes()} minutes: ${what}`,
          metric: queue.metricApproximateAgeOfOldestMessage({ period: minute, statistic: 'Maximum' }),
          threshold: threshold.toSeconds(),
          comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
    };
    for (const [name, queue] of Object.entries(props.queues)) {
      queueAge(name, queue, 'its consumer is failing, throttled or too slow.');
    }
    for (const [name, dlq] of dlqEntries) {
      queueAge(name, dlq, 'a dead letter nobody has redriven.');
    }
    for (const [metricName, threshold] of Object.entries(SES_REPUTATION_THRESHOLDS)) {
      const rate = metricName.split('.')[1];
      page(
        new Alarm(this, `SesAlarm-${rate}`, {
          alarmName: `${prefix}-ses-${rate?.toLowerCase()}`,
          alarmDescription: `SES ${rate} of the account over ${threshold * 100} %: SES may pause sending.`,
          metric: new Metric({
            namespace: 'AWS/SES',
            metricName,
            statistic: 'Maximum',
            period: Duration.minutes(15),
          }),
          threshold,
          comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
    }
    for (const fn of props.functions) {
      page(
        new Alarm(this, `ErrorsAlarm-${fn.functionFolder}`, {
          alarmName: `${prefix}-${fn.functionFolder}-errors`,
          alarmDescription: `The ${fn.functionFolder} function failed (uncaught error, timeout or out of memory).`,
          metric: fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
          threshold: 0,
          comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
    }
    page(
      new Alarm(this, 'NoticeLeasesFailedAlarm', {
        alarmName: `${prefix}-notice-leases-failed`,
        alarmDescription:
          'A notice ended failed after two leases without a send event from SES: it may not have ' +
          'reached its recipient (docs/operations.md).',
        metric: new Metric({
          namespace: METRIC_NAMESPACE,
          metricName: loopMetric.noticeLeasesFailed,
          dimensionsMap: SERVICE_DIMENSION,
          statistic: 'Sum',
          period: Duration.minutes(5),
        }),
        threshold: 0,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );
    for (const fn of props.streamReaders ?? []) {
      page(
        new Alarm(this, `IteratorAgeAlarm-${fn.functionFolder}`, {
          alarmName: `${prefix}-${fn.functionFolder}-iterator-age`,
          alarmDescription: `The ${fn.functionFolder} function is over ${ITERATOR_AGE_THRESHOLD.toMinutes()} minutes behind the table stream: outbox items wait.`,
          metric: fn.metric('IteratorAge', { period: minute, statistic: 'Maximum' }),
          threshold: ITERATOR_AGE_THRESHOLD.toMilliseconds(),
          comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
    }
    const breaches = (clock: 'acknowledge' | 'resolve', period: Duration) =>
      new Metric({
        namespace: METRIC_NAMESPACE,
        metricName: 'SlaBreaches',
        dimensionsMap: { ...SERVICE_DIMENSION, clock },
        statistic: 'Sum',
        period,
      });
    const spikePeriod = Duration.minutes(15);
    page(
      new Alarm(this, 'BreachSpikeAlarm', {
        alarmName: `${prefix}-sla-breach-spike`,
        alarmDescription: `${BREACH_SPIKE_THRESHOLD}+ SLA breaches (acknowledge + resolve) within 15 minutes.`,
        metric: new MathExpression({
          expression: 'FILL(ack, 0) + FILL(res, 0)',
          usingMetrics: { ack: breaches('acknowledge', spikePeriod), res: breaches('resolve', spikePeriod) },
          label: 'SLA breaches',
          period: spikePeriod,
        }),
        threshold: BREACH_SPIKE_THRESHOLD,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );

    // ---- Dashboard --------------------------------------------------------------------------------
    const five = Duration.minutes(5);
    // The loop's own counts (shared/observability.ts `loopMetric`), each emitted where it happens.
    const loop = (metricName: string, label: string) =>
      new Metric({
        namespace: METRIC_NAMESPACE,
        metricName,
        dimensionsMap: SERVICE_DIMENSION,
        statistic: 'Sum',
        period: five,
        label,
      });
    const funnel: IMetric[] = [
      loop(loopMetric.feedbackAccepted, 'feedback accepted'),
      loop(loopMetric.casesOpened, 'cases opened'),
      loop(loopMetric.noticesSent, 'emails sent'),
      loop(loopMetric.noticesFailed, 'emails failed'),
      breaches('acknowledge', five).with({ label: 'breaches: acknowledge' }),
      breaches('resolve', five).with({ label: 'breaches: resolve' }),
    ];
    const api = props.api;
    const apiDims = { ApiId: api.apiId, Stage: '$default' };
    const apiMetric = (metricName: string, statistic: string, label: string) =>
      new Metric({
        namespace: 'AWS/ApiGateway',
        metricName,
        dimensionsMap: apiDims,
        statistic,
        period: five,
        label,
      });

    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: prefix,
      defaultInterval: Duration.hours(24),
    });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: `# Closeloop ${stage}\nLoop funnel, dead letters, errors and latency. Alarms page the \`${prefix}-ops\` topic.`,
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({ title: 'Loop funnel (per 5 min)', left: funnel, width: 12, height: 6 }),
      new GraphWidget({
        title: 'SLA sweep (per 5 min)',
        left: ['SlaDueCases', 'SlaStepsFired', 'SlaSweepErrors', 'SlaSweepDeferred'].map(
          (metricName) =>
            new Metric({
              namespace: METRIC_NAMESPACE,
              metricName,
              dimensionsMap: SERVICE_DIMENSION,
              statistic: 'Sum',
              period: five,
            }),
        ),
        right: [
          new Metric({
            namespace: METRIC_NAMESPACE,
            metricName: 'SlaStepMaxLag',
            dimensionsMap: SERVICE_DIMENSION,
            statistic: 'Maximum',
            period: five,
            label: 'max step lag (ms)',
          }),
        ],
        width: 12,
        height: 6,
      }),
    );
    this.dashboard.addWidgets(
      new SingleValueWidget({
        title: 'Dead-letter queues (messages)',
        metrics: dlqEntries.map(([name, dlq]) =>
          dlq.metricApproximateNumberOfMessagesVisible({ period: minute, statistic: 'Maximum', label: name }),
        ),
        width: 24,
        height: 3,
      }),
    );
    const graph = (title: string, left: IMetric[], width: number) =>
      new GraphWidget({ title, left, width, height: 6 });
    const perFunction = (title: string, metricOf: (fn: LoopFunction) => IMetric) =>
      graph(title, props.functions.map(metricOf), 8);
    const label = (fn: LoopFunction) => ({ period: five, label: fn.functionFolder });
    this.dashboard.addWidgets(
      perFunction('Function errors (per 5 min)', (fn) => fn.metricErrors({ ...label(fn), statistic: 'Sum' })),
      perFunction('Function duration p50 (ms)', (fn) =>
        fn.metricDuration({ ...label(fn), statistic: 'p50' }),
      ),
      perFunction('Function duration p90 (ms)', (fn) =>
        fn.metricDuration({ ...label(fn), statistic: 'p90' }),
      ),
    );
    this.dashboard.addWidgets(
      graph(
        'API requests and errors (per 5 min)',
        [
          apiMetric('Count', 'Sum', 'requests'),
          apiMetric('4xx', 'Sum', '4xx'),
          apiMetric('5xx', 'Sum', '5xx'),
        ],
        12,
      ),
      graph(
        'API latency (ms)',
        [
          apiMetric('Latency', 'p50', 'latency p50'),
          apiMetric('Latency', 'p90', 'latency p90'),
          apiMetric('IntegrationLatency', 'p90', 'integration p90'),
        ],
        12,
      ),
    );

    const region = Stack.of(this).region;
    new CfnOutput(Stack.of(this), 'DashboardUrl', {
      value: `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards/dashboard/${prefix}`,
      description: 'CloudWatch dashboard of the loop (funnel, DLQs, errors, latency)',
    });
    new CfnOutput(Stack.of(this), 'OpsTopicArn', {
      value: this.topic.topicArn,
      description: 'Every alarm notifies this topic; subscribe on-call here (service.opsEmail adds an email)',
    });
  }
}
