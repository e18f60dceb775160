import { createHash, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { makeIngestHandler } from '../../functions/ingest/handler.ts';
import { makeRelayHandler } from '../../functions/relay/handler.ts';
import { dynamoFeedbackStore } from '../../shared/adapters/feedback-store.ts';
import { queueSender } from '../../shared/adapters/messaging.ts';
import { VirtualClock } from '../../shared/clock.ts';
import type { Config } from '../../shared/config/schema.ts';
import { toTriageMessage } from '../../shared/events/feedback-received.ts';
import { LocalBus } from './bus.ts';
import { type HttpHandler, type Route, startHttpServer, TokenBucket } from './http-server.ts';
import { asHttpApiClaims, LocalJwt } from './jwt.ts';
import { localRoutes, type Scheduled } from './local-routes.ts';
import {
  localCredentials,
  localRegion,
  type Peer,
  startDynamoLocal,
  startSesLocal,
  startSqsLocal,
} from './peers.ts';
import { ensureQueues, ensureTable, type QueueUrls } from './resources.ts';
import { StreamPump } from './stream-pump.ts';

export type ClientName = 'dynamodb' | 'streams' | 'sqs';

export interface LocalStackOptions {
  config: Config;
  /** HTTP port; 0 picks a free one. Peer ports are derived from it when free, else chosen free. */
  port?: number;
  /** Keep nothing on disk (DynamoDB Local in memory). */
  memory?: boolean;
  dataDir?: string;
  clock?: VirtualClock;
  /** API Gateway-like throttling of the public route (default on). */
  throttle?: boolean;
  /** Lets tests wrap SDK clients (fault injection) before anything uses them. */
  onClient?: (name: ClientName, client: DynamoDBClient | DynamoDBStreamsClient | SQSClient) => void;
  /** Start the stream pump (default true); tests may drive it by hand. */
  pumps?: boolean;
  log?: (line: string) => void;
}

export interface LocalSite {
  siteId: string;
  siteKey: string;
  origins: string[];
}

export interface LocalStack {
  url: string;
  config: Config;
  sites: LocalSite[];
  clock: VirtualClock;
  tableName: string;
  queues: QueueUrls;
  endpoints: { dynamodb: string; sqs: string; ses: string };
  db: DynamoDBDocumentClient;
  sqs: SQSClient;
  streamPump: StreamPump;
  bus: LocalBus;
  /** Signs staff tokens (GET /__local/token) and verifies them on staff routes. */
  jwt: LocalJwt;
  /** Jobs the one-minute schedule runs (POST /__local/clock runs them per virtual minute). */
  scheduled: Scheduled[];
  stop(): Promise<void>;
}

export const tableName = 'closeloop';
export const localSiteKey = (siteId: string) => `sk_local_${siteId}`;
const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');

/** Starts the peers, creates the resources and serves the same handlers as the Lambda functions. */
export async function startLocalStack(opts: LocalStackOptions): Promise<LocalStack> {
  const log = opts.log ?? (() => {});
  const clock = opts.clock ?? new VirtualClock();
  // The operator's config holds only hashes; locally each site gets a known key instead.
  const sites = opts.config.sites.map((s) => ({
    siteId: s.id,
    siteKey: localSiteKey(s.id),
    origins: s.origins,
  }));
  const config: Config = {
    ...opts.config,
    sites: opts.config.sites.map((s) => ({ ...s, siteKeyHash: sha256Hex(localSiteKey(s.id)) })),
  };
  const base = opts.port ?? 3000;
  const derived = (n: number) => (base === 0 ? undefined : base + n);

  const peers: Peer[] = [];
  const stopAll = async () => {
    for (const peer of peers.reverse()) await peer.stop().catch(() => {});
  };
  try {
    const dataDir = opts.memory ? undefined : join(opts.dataDir ?? '.closeloop', 'dynamodb');
    const [dynamo, sqsPeer, ses] = await Promise.all([
      startDynamoLocal({ port: derived(1), dataDir }),
      startSqsLocal({ port: derived(2) }),
      startSesLocal({ port: derived(3) }),
    ]);
    peers.push(dynamo, sqsPeer, ses);

    const clientConfig = { region: localRegion, credentials: localCredentials };
    const dynamoClient = new DynamoDBClient({ ...clientConfig, endpoint: dynamo.endpoint });
    const streamsClient = new DynamoDBStreamsClient({ ...clientConfig, endpoint: dynamo.endpoint });
    const sqs = new SQSClient({ ...clientConfig, endpoint: sqsPeer.endpoint });
    opts.onClient?.('dynamodb', dynamoClient);
    opts.onClient?.('streams', streamsClient);
    opts.onClient?.('sqs', sqs);
    const db = DynamoDBDocumentClient.from(dynamoClient, {
      marshallOptions: { removeUndefinedValues: true },
    });

    const streamArn = await ensureTable(dynamoClient, tableName);
    const queues = await ensureQueues(sqs);

    const bus = new LocalBus(() => clock.now());
    const relay = makeRelayHandler({
      notify: queueSender(sqs, queues.notify.url),
      publish: (e) => bus.publish(e),
    });
    // One pump plays both stream readers of AWS: the feedback Pipe and the outbox relay's mapping.
    const streamPump = new StreamPump(
      streamsClient,
      streamArn,
      async (record) => {
        const message = toTriageMessage(record);
        if (message) {
          await sqs.send(
            new SendMessageCommand({ QueueUrl: queues.triage.url, MessageBody: JSON.stringify(message) }),
          );
          return;
        }
        const relayed = await relay({ Records: [record as DynamoDBRecord] });
        if (relayed.batchItemFailures.length > 0) throw new Error('relay failed; will retry the record');
      },
      (error) => log(`stream pump: ${(error as Error).message} (will retry)`),
    );

    const ingest = makeIngestHandler({
      sites: config.sites,
      feedback: dynamoFeedbackStore(db, tableName, config.service.retentionDays),
      clock,
      newId: randomUUID,
    }) as HttpHandler;

    const jwt = new LocalJwt();
    const scheduled: Scheduled[] = [];
    const routes: Route[] = [
      { method: 'POST', path: '/v1/feedback', handler: ingest, throttled: true },
      { method: 'OPTIONS', path: '/v1/feedback', handler: ingest },
      ...localRoutes({
        jwt,
        config,
        sites,
        clock,
        scheduled,
        bus,
        sesEndpoint: ses.endpoint,
        queueDepth: (name) => queueDepth(sqs, queues, name),
      }),
    ];
    const throttle =
      opts.throttle === false
        ? undefined
        : new TokenBucket(config.service.throttle.rateLimit, config.service.throttle.burstLimit);
    const http = await startHttpServer({
      port: base,
      routes,
      throttle,
      verifyStaffToken: (token) => {
        const claims = jwt.verify(token, clock.now());
        return claims && asHttpApiClaims(claims);
      },
    });
    if (opts.pumps !== false) streamPump.start();

    return {
      url: http.url,
      config,
      sites,
      clock,
      tableName,
      queues,
      endpoints: { dynamodb: dynamo.endpoint, sqs: sqsPeer.endpoint, ses: ses.endpoint },
      db,
      sqs,
      streamPump,
      bus,
      jwt,
      scheduled,
      async stop() {
        await streamPump.stop();
        const closed = new Promise<void>((resolve) => http.server.close(() => resolve()));
        http.server.closeAllConnections();
        await closed;
        for (const client of [dynamoClient, streamsClient, sqs]) client.destroy();
        await stopAll();
      },
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

async function queueDepth(sqs: SQSClient, queues: QueueUrls, name: string) {
  const queue = queues[name as keyof QueueUrls];
  if (!queue) return undefined;
  const attrs = async (url: string) =>
    (
      await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: url,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      )
    ).Attributes ?? {};
  const [main, dlq] = await Promise.all([attrs(queue.url), attrs(queue.dlqUrl)]);
  return {
    visible: Number(main.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(main.ApproximateNumberOfMessagesNotVisible ?? 0),
    deadLettered: Number(dlq.ApproximateNumberOfMessages ?? 0),
  };
}
