/**
 * What 1M feedback costs in AWS, SES and CloudFront aside (`cost` in bench/results.json; goal
 * `nonEmailUsdPerMillion` ≤ 10). The whole loop runs on the local stack (DynamoDB Local, fauxqs,
 * SES local, the same handlers as the functions): `n` feedback of the mix (bench/feedback-mix.ts)
 * posted over HTTP; triage, relay and notify; then for each case a member opens it, acknowledges,
 * sends the customer an update and resolves it (4 staff API calls); then the SLA sweep sends the
 * follow-up surveys and closes the unanswered cases, and, 400 days on, deletes the closed cases
 * with their timelines (docs/operations.md#data-lifecycle). The meter (bench/meter.ts) counts every
 * request at the SDK clients and the capacity units DynamoDB reports; the counts, scaled to 1M
 * feedback, are priced with bench/prices.ts. Durations cannot be counted here, so Lambda GB-s use
 * the assumed billed milliseconds of bench/prices.ts.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { BatchGetCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { localCredentials, localRegion } from '../infra/local/peers.ts';
import { type LocalStack, startLocalStack } from '../infra/local/stack.ts';
import { VirtualClock } from '../shared/clock.ts';
import { loadConfigFile } from '../shared/config/load.ts';
import { caseIdFor } from '../shared/domain/case.ts';
import { caseKey } from '../shared/repository/case-item.ts';
import type { WithMiddleware } from '../tests/support/faults.ts';
import { eventually } from '../tests/support/local-stack.ts';
import { feedbackMix } from './feedback-mix.ts';
import { countingLogs, UsageMeter } from './meter.ts';
import { assumptions, prices } from './prices.ts';

const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;
const DAY_MS = 86_400_000;

/** Requests SQS bills per message work; the bench's own depth checks and polling that found nothing are apart. */
const billedSqs = /^(Send|Receive|Delete|ChangeMessageVisibility)/;

async function settled(stack: LocalStack, sqs: SQSClient) {
  const depth = async () => {
    let n = 0;
    for (const q of Object.values(stack.queues)) {
      const { Attributes = {} } = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: q.url,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      n +=
        Number(Attributes.ApproximateNumberOfMessages) +
        Number(Attributes.ApproximateNumberOfMessagesNotVisible);
    }
    return n;
  };
  // Empty twice, a stream poll apart: nothing left on a queue and nothing still coming from the stream.
  await eventually(
    async () => {
      if ((await depth()) !== 0) throw new Error('queues not empty');
      await new Promise((r) => setTimeout(r, 1500));
      if ((await depth()) !== 0) throw new Error('queues not empty');
    },
    600_000,
    200,
  );
}

async function staffCall(stack: LocalStack, token: string, path: string, body?: unknown, version?: string) {
  const response = await fetch(`${stack.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json', 'if-match': String(version) }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (response.status !== 200) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return response;
}

export async function costBench(n = 1000) {
  const meter = new UsageMeter();
  // Reads back items written in transactions, to size them; set once the stack's endpoint is known.
  let reader: DynamoDBDocumentClient | undefined;
  const lazyReader = { send: (command: never) => reader!.send(command) } as unknown as DynamoDBDocumentClient;
  // A running clock from Tuesday 2026-11-24 10:00 JST: events of one case get distinct times, as in AWS.
  const clock = new VirtualClock();
  clock.advance(Date.parse('2026-11-24T01:00:00.000Z') - clock.now().getTime());
  const stack = await startLocalStack({
    config: loadConfigFile('closeloop.config.example.json'),
    port: 0,
    memory: true,
    throttle: false,
    intakeLimits: false,
    schedule: false,
    clock,
    onClient: (name, client) => {
      const c = client as unknown as WithMiddleware;
      if (name === 'dynamodb') meter.attachDynamo(c, lazyReader);
      if (name === 'sqs') meter.attachSqs(c);
      if (name === 'streams') meter.attachStreams(c);
      if (name === 'ses') meter.attachSes(c);
    },
  });
  // The bench's own look-ups go through clients the meter does not see.
  const peer = { region: localRegion, credentials: localCredentials };
  const sqs = new SQSClient({ ...peer, endpoint: stack.endpoints.sqs });
  const db = DynamoDBDocumentClient.from(new DynamoDBClient({ ...peer, endpoint: stack.endpoints.dynamodb }));
  reader = db;
  try {
    const { result: work, logBytes } = await countingLogs(async () => {
      const feedbackIds: string[] = [];
      let next = 0;
      const mix = feedbackMix(stack.config, n);
      const post = async () => {
        for (let i = next++; i < mix.length; i = next++) {
          const f = mix[i]!;
          const site = stack.sites.find((s) => s.siteId === f.siteId)!;
          const response = await fetch(`${stack.url}/v1/feedback`, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              'idempotency-key': `cost-${i}`,
              ...(f.key === 'server'
                ? { 'x-server-key': site.serverKey }
                : { 'x-site-key': site.siteKey, origin: site.origins[0]! }),
            },
            body: JSON.stringify(f.body),
          });
          if (response.status !== 202) throw new Error(`ingest answered ${response.status}`);
          feedbackIds.push(((await response.json()) as { feedbackId: string }).feedbackId);
        }
      };
      await Promise.all(Array.from({ length: 8 }, post));
      await settled(stack, sqs);

      const caseIds: string[] = [];
      for (let i = 0; i < feedbackIds.length; i += 100) {
        const keys = feedbackIds.slice(i, i + 100).map((id) => caseKey(caseIdFor(id)));
        const out = await db.send(
          new BatchGetCommand({ RequestItems: { [stack.tableName]: { Keys: keys } } }),
        );
        for (const item of out.Responses?.[stack.tableName] ?? []) caseIds.push(String(item.caseId));
      }
      if (caseIds.length === 0) throw new Error('no case opened');

      const { token } = (await (await fetch(`${stack.url}/__local/token?admin=1`)).json()) as {
        token: string;
      };
      let staffCalls = 0;
      for (const caseId of caseIds) {
        const path = `/v1/cases/${caseId}`;
        const opened = await staffCall(stack, token, path);
        let version = Number(JSON.parse(opened.headers.get('etag') ?? '0'));
        await staffCall(stack, token, `${path}/acknowledge`, {}, String(version++));
        await staffCall(
          stack,
          token,
          `${path}/updates`,
          { message: 'We are looking into it.' },
          String(version++),
        );
        await staffCall(
          stack,
          token,
          `${path}/resolve`,
          {
            customerMessage: 'It is fixed. Thank you for telling us.',
            rootCause: 'bench',
            actions: { internal: ['bench'], external: ['bench'] },
          },
          String(version++),
        );
        staffCalls += 4;
      }
      await settled(stack, sqs);
      // The follow-up survey a week later, then the auto-close of the unanswered a week after that.
      const followUp = stack.config.sla.followUp;
      for (const days of [followUp.delayDays, followUp.closeUnansweredAfterDays]) {
        clock.advance(days * DAY_MS + 60_000);
        await stack.sweepSla(clock.now());
        await settled(stack, sqs);
      }
      // Every case closed: its purge, closedCaseRetentionDays later, deletes it with its timeline.
      clock.advance(stack.config.service.closedCaseRetentionDays * DAY_MS + 60_000);
      const { purged } = await stack.sweepSla(clock.now());
      return { feedback: feedbackIds.length, cases: caseIds.length, staffCalls, purged };
    });
    return priced(meter, { ...work, busEvents: stack.bus.events.length }, logBytes, stack.queues);
  } finally {
    sqs.destroy();
    await stack.stop();
  }
}

function priced(
  meter: UsageMeter,
  work: { feedback: number; cases: number; staffCalls: number; busEvents: number; purged: number },
  logBytes: number,
  queues: LocalStack['queues'],
) {
  const scale = 1_000_000 / work.feedback;
  const batches = (url: string) => meter.batchesPerQueue[url] ?? 0;
  const messages = (url: string) => meter.messagesPerQueue[url] ?? 0;
  const notifyMessages = messages(queues.staffNotices.url) + messages(queues.customerNotices.url);
  const invocations = {
    ingest: work.feedback,
    cases: work.staffCalls,
    triage: batches(queues.triage.url),
    relay: meter.stream.batchesWithOutbox,
    notify: batches(queues.staffNotices.url) + batches(queues.customerNotices.url),
  };
  const ms = assumptions.billedMs;
  const gbSeconds =
    (assumptions.memoryGb *
      (invocations.ingest * ms.ingest +
        invocations.cases * ms.cases +
        messages(queues.triage.url) * ms.triage +
        invocations.relay * ms.relay +
        notifyMessages * ms.notify)) /
    1000;
  const allInvocations = Object.values(invocations).reduce((a, b) => a + b, 0);
  const sqsRequests = Object.entries(meter.sqs)
    .filter(([command]) => billedSqs.test(command) && command !== 'EmptyReceive')
    .reduce((sum, [, count]) => sum + count, 0);
  const apiRequests = work.feedback + work.staffCalls;
  const totalLogBytes = logBytes + allInvocations * assumptions.platformLogBytesPerInvocation;
  const perMillion = (count: number, price: number) => round((count * scale * price) / 1_000_000, 4);
  const breakdown = {
    apiGateway: perMillion(apiRequests, prices.apiGatewayHttpPerMillion),
    lambdaRequests: perMillion(allInvocations, prices.lambdaPerMillionRequests),
    lambdaCompute: round(gbSeconds * scale * prices.lambdaArmPerGbSecond, 4),
    dynamoWrites: perMillion(meter.dynamo.writeUnits, prices.dynamoPerMillionWru),
    dynamoReads: perMillion(meter.dynamo.readUnits, prices.dynamoPerMillionRru),
    dynamoStreamReads: perMillion(meter.stream.getRecords, prices.streamsPerMillionReads),
    sqs: perMillion(sqsRequests, prices.sqsPerMillionRequests),
    eventBridgePipes: perMillion(meter.stream.feedbackRecords, prices.pipesPerMillionRequests),
    eventBridgeEvents: perMillion(work.busEvents, prices.eventBridgePerMillionEvents),
    cloudWatchLogs: round(((totalLogBytes * scale) / 2 ** 30) * prices.logsPerGbIngested, 4),
    // Read on first use and kept 5 minutes per warm container: a fixed cost, not one per feedback.
    secretsManager: 0,
  };
  const total = round(Object.values(breakdown).reduce((a, b) => a + b, 0));
  // Outside the figure: they scale with mail sent and page views, not with feedback stored.
  const excluded = {
    ses: perMillion(meter.sesSends * 1000, prices.sesPer1000Emails),
    wafOnApiRequests: perMillion(apiRequests, prices.wafPerMillionRequests),
  };
  return {
    nonEmailUsdPerMillion: total,
    goal: 10,
    region: prices.region,
    prices: prices.asOf,
    breakdownUsdPerMillion: breakdown,
    excludedUsdPerMillion: excluded,
    counted: {
      feedback: work.feedback,
      cases: work.cases,
      casesPurged: work.purged,
      staffApiCalls: work.staffCalls,
      busEvents: work.busEvents,
      dynamoRequests: meter.dynamo.requests,
      dynamoTransactions: meter.dynamo.transactions,
      dynamoWriteUnits: meter.dynamo.writeUnits,
      dynamoReadUnits: meter.dynamo.readUnits,
      dynamoFailedConditions: meter.dynamo.failedConditions,
      dynamoFailedConditionsBy: meter.failedConditionsBy,
      dynamoWriteUnitsBy: meter.writeUnitsBy,
      writeUnitsPerFeedback: round(meter.dynamo.writeUnits / work.feedback),
      sqsRequests,
      sqsByCommand: meter.sqs,
      streamGetRecords: meter.stream.getRecords,
      invocations,
      notifyMessages,
      lambdaGbSeconds: round(gbSeconds),
      logBytes: totalLogBytes,
      sesSends: meter.sesSends,
    },
    assumed: assumptions,
  };
}
