/**
 * The write path at 1,000 feedback/s (`scale` in bench/results.json): one simulated second of
 * 1,000 feedback (bench/feedback-mix.ts) through the real ingest handler and the real triage
 * handler, use case and DynamoDB adapters, against DynamoDB Local (in memory, started here).
 * Triage runs as AWS runs it: batches of 10, 5 at a time. Every write request is counted per item
 * key at the client (bench/meter.ts, a transaction's writes each), so
 * `hottestItemWritesPerSecond` is the most writes any one item took in that second (goal ≤ 300).
 */
import { createHash } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SQSRecord } from 'aws-lambda';
import { makeIngestHandler } from '../functions/ingest/handler.ts';
import { makeTriageHandler } from '../functions/triage/handler.ts';
import { localCredentials, localRegion, startDynamoLocal } from '../infra/local/peers.ts';
import { ensureTable } from '../infra/local/resources.ts';
import { dynamoFeedbackStore } from '../shared/adapters/feedback-store.ts';
import {
  dynamoAssignmentReader,
  dynamoFeedbackReader,
  dynamoTriageStore,
} from '../shared/adapters/triage-store.ts';
import { VirtualClock } from '../shared/clock.ts';
import { loadConfigFile } from '../shared/config/load.ts';
import type { Config } from '../shared/config/schema.ts';
import { combinedDimensions } from '../shared/domain/metrics.ts';
import type { WithMiddleware } from '../tests/support/faults.ts';
import { httpEvent } from '../tests/support/http-events.ts';
import { feedbackMix } from './feedback-mix.ts';
import { countingLogs, UsageMeter } from './meter.ts';

const round = (x: number) => Math.round(x * 100) / 100;
const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');
export const benchSiteKey = (siteId: string) => `bench_site_${siteId}`;
export const benchServerKey = (siteId: string) => `bench_server_${siteId}`;

/** The example config with a known site key and server key per site (it holds only hashes). */
export function benchConfig(): Config {
  const config = loadConfigFile('closeloop.config.example.json');
  return {
    ...config,
    sites: config.sites.map((s) => ({
      ...s,
      siteKeyHash: sha256Hex(benchSiteKey(s.id)),
      serverKeyHash: sha256Hex(benchServerKey(s.id)),
    })),
  };
}

export function sqsRecord(i: number, body: unknown): SQSRecord {
  return {
    messageId: `m${i}`,
    receiptHandle: `r${i}`,
    body: JSON.stringify(body),
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '0',
      SenderId: 'bench',
      ApproximateFirstReceiveTimestamp: '0',
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:ap-northeast-1:123456789012:triage',
    awsRegion: 'ap-northeast-1',
  };
}

export async function scaleBench(perSecond = 1000) {
  const config = benchConfig();
  const dynamo = await startDynamoLocal({ log: () => {} });
  try {
    const client = new DynamoDBClient({
      region: localRegion,
      credentials: localCredentials,
      endpoint: dynamo.endpoint,
    });
    const tableName = 'closeloop-scale';
    await ensureTable(client, tableName);
    const meter = new UsageMeter();
    meter.attachDynamo(
      client as unknown as WithMiddleware,
      DynamoDBDocumentClient.from(
        new DynamoDBClient({ region: localRegion, credentials: localCredentials, endpoint: dynamo.endpoint }),
      ),
    );
    const db = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
    // Tuesday 2026-11-24 10:00 JST; the clock moves 1 ms per feedback, so all of them fall in one second.
    const clock = new VirtualClock(new Date('2026-11-24T01:00:00.000Z'));
    const { result } = await countingLogs(() => oneSecond(config, db, tableName, clock, perSecond));
    return {
      ...result,
      ...hottestOf(meter),
      writeUnitsPerFeedback: round(meter.dynamo.writeUnits / perSecond),
      writeUnitsBy: meter.writeUnitsBy,
      goal: 300,
    };
  } finally {
    await dynamo.stop();
  }
}

async function oneSecond(
  config: Config,
  db: DynamoDBDocumentClient,
  tableName: string,
  clock: VirtualClock,
  perSecond: number,
) {
  let id = 0;
  const ingest = makeIngestHandler({
    sites: config.sites,
    feedback: dynamoFeedbackStore(db, tableName, config.service.retentionDays),
    clock,
    newId: () => `scale-${id++}`,
  });
  const feedbackIds: string[] = [];
  for (const [i, f] of feedbackMix(config, perSecond).entries()) {
    const site = config.sites.find((s) => s.id === f.siteId)!;
    const credentials: Record<string, string> =
      f.key === 'server'
        ? { 'x-server-key': benchServerKey(f.siteId) }
        : { 'x-site-key': benchSiteKey(f.siteId), origin: site.origins[0]! };
    const answer = await ingest(
      httpEvent({
        headers: { 'content-type': 'application/json', 'idempotency-key': `scale-${i}`, ...credentials },
        body: f.body,
      }),
    );
    if (answer.statusCode !== 202) throw new Error(`ingest answered ${answer.statusCode}: ${answer.body}`);
    feedbackIds.push((JSON.parse(String(answer.body)) as { feedbackId: string }).feedbackId);
    clock.advance(1000 / perSecond);
  }

  const triage = makeTriageHandler({
    feedback: dynamoFeedbackReader(db, tableName),
    assignments: dynamoAssignmentReader(db, tableName),
    store: dynamoTriageStore(db, tableName, config.service.retentionDays),
    clock,
    config,
  });
  // Five concurrent invocations (the triage function's reserved concurrency), batches of 10.
  let next = 0;
  let failures = 0;
  const invocation = async () => {
    while (next < feedbackIds.length) {
      const batch = feedbackIds
        .slice(next, next + 10)
        .map((feedbackId, k) => sqsRecord(next + k, { type: 'feedback.received', version: 1, feedbackId }));
      next += batch.length;
      failures += (await triage({ Records: batch })).batchItemFailures.length;
    }
  };
  await Promise.all(Array.from({ length: 5 }, invocation));
  if (failures > 0) throw new Error(`${failures} triage failures`);
  return { feedbackPerSecond: perSecond, simulatedSeconds: 1 };
}

const busiest = (counts: Map<string, number>) => {
  const [key, writes] = [...counts].sort((a, b) => b[1] - a[1])[0] ?? ['', 0];
  return { key, writes };
};

function hottestOf(meter: UsageMeter) {
  const hottest = meter.hottest();
  // What counter items would take without shards (a key's shards together), and without combined
  // items (one item per touchpoint, channel or team: the combinations holding it together).
  const unsharded = new Map<string, number>();
  const perDimension = new Map<string, number>();
  const add = (m: Map<string, number>, key: string, n: number) => m.set(key, (m.get(key) ?? 0) + n);
  for (const [key, writes] of meter.writesPerKey) {
    const combined = /^METRIC#combined#\S+ KEY#(.+)#\d+$/.exec(key);
    if (key.startsWith('METRIC#')) add(unsharded, key.replace(/#\d+$/, ''), writes);
    combined?.[1]?.split('|').forEach((part, i) => {
      add(perDimension, `${combinedDimensions[i]} ${part}`, writes);
    });
  }
  return {
    cases: [...meter.writesPerKey.keys()].filter((k) => k.endsWith(' CASE')).length,
    writeRequests: [...meter.writesPerKey.values()].reduce((a, b) => a + b, 0),
    itemsWritten: meter.writesPerKey.size,
    hottestItemWritesPerSecond: hottest.writes,
    hottestItem: hottest.key,
    top: [...meter.writesPerKey]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5)
      .map(([key, writes]) => ({ key, writes })),
    hottestCounterUnsharded: busiest(unsharded),
    hottestKeyAsOneItem: busiest(perDimension),
  };
}
