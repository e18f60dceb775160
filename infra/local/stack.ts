import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { linkCaseActions } from '../../core/cases/link-actions.ts';
import { type SweepResult, sweepDue } from '../../core/cases/sla-sweep.ts';
import { lapseUnconfirmed } from '../../core/contacts/index.ts';
import { type ReconcileResult, reconcileIntake } from '../../core/delivery/reconcile.ts';
import { sendWeeklyDigests, type TeamDigestResult, teamsAtLocalTime } from '../../core/insights/digest.ts';
import {
  contactHoursOf,
  type InvitationSweepResult,
  sweepInvitations,
} from '../../core/invitations/index.ts';
import type { LeaseReconcileResult } from '../../core/notices/leases.ts';
import { flushStaffDigests } from '../../core/notices/staff-bursts.ts';
import { runBroadcasts } from '../../core/problems/broadcast.ts';
import { verifyDueProblems } from '../../core/problems/impact.ts';
import { makeActionsHandler } from '../../functions/actions/handler.ts';
import { makeCasesHandler } from '../../functions/cases/handler.ts';
import { routeSpecs } from '../../functions/cases/routes.ts';
import { makeEventsHandler } from '../../functions/events/handler.ts';
import { makeIngestHandler } from '../../functions/ingest/handler.ts';
import { makeKnownIssuesHandler } from '../../functions/known-issues/handler.ts';
import { makeNoticeReconcilerHandler } from '../../functions/notice-reconciler/handler.ts';
import { makeNotifyHandler } from '../../functions/notify/handler.ts';
import { makeRelayHandler } from '../../functions/relay/handler.ts';
import { makeRotationHandler } from '../../functions/rotate-link-secret/handler.ts';
import { makeSesEventsHandler } from '../../functions/ses-events/handler.ts';
import { makeSurveyHandler } from '../../functions/survey/handler.ts';
import { makeTriageHandler } from '../../functions/triage/handler.ts';
import { makeWebhooksHandler } from '../../functions/webhooks/handler.ts';
import { dynamoStaffBurstStore } from '../../shared/adapters/burst-store.ts';
import { dynamoCaseReader } from '../../shared/adapters/case-reader.ts';
import { dynamoStaffCaseStore } from '../../shared/adapters/case-store.ts';
import { dynamoContactStore } from '../../shared/adapters/contact-store.ts';
import { dynamoCustomerData } from '../../shared/adapters/customer-data.ts';
import { dynamoDigestCases, dynamoDigestOutbox } from '../../shared/adapters/digest-store.ts';
import { dynamoFeedbackStore } from '../../shared/adapters/feedback-store.ts';
import { fetchPoster } from '../../shared/adapters/http-poster.ts';
import {
  dynamoCustomerFacts,
  dynamoImpressionCounter,
  dynamoInvitationReader,
  dynamoInvitationStore,
  dynamoJourneyStore,
} from '../../shared/adapters/invitation-store.ts';
import { dynamoBroadcastStore, dynamoKnownIssueStore } from '../../shared/adapters/known-issue-store.ts';
import { queueSender } from '../../shared/adapters/messaging.ts';
import { dynamoMetricsReader, dynamoRollupStore } from '../../shared/adapters/metrics-reader.ts';
import {
  dynamoCaseCustomers,
  dynamoNoticeLedger,
  dynamoSuppressionList,
  dynamoUnsubscribeKeys,
  dynamoUsedTokens,
} from '../../shared/adapters/notice-store.ts';
import { dynamoPosterStore } from '../../shared/adapters/poster-store.ts';
import { dynamoProblemStore } from '../../shared/adapters/problem-store.ts';
import { dynamoArrivalLedger, dynamoOutboxMarks } from '../../shared/adapters/reconcile-store.ts';
import { cachedSecret, cachedVerifyingSecrets } from '../../shared/adapters/secrets.ts';
import { sesMailer } from '../../shared/adapters/ses-mailer.ts';
import { dynamoSlaStore, dynamoTimerIndex } from '../../shared/adapters/sla-store.ts';
import {
  dynamoAssignmentReader,
  dynamoFeedbackReader,
  dynamoTriageStore,
} from '../../shared/adapters/triage-store.ts';
import { turnstileBotCheck } from '../../shared/adapters/turnstile.ts';
import { dynamoEndpointStates } from '../../shared/adapters/webhook-store.ts';
import { VirtualClock } from '../../shared/clock.ts';
import type { Config } from '../../shared/config/schema.ts';
import type { Mailer } from '../../shared/domain/notice-ports.ts';
import { MINUTE_MS } from '../../shared/domain/time.ts';
import { deliveryRoutes, routeMatches } from '../../shared/domain/webhooks.ts';
import { toTriageMessage } from '../../shared/events/feedback-received.ts';
import { deliveryMessage } from '../../shared/events/webhook-delivery.ts';
import { type QueueName, queues as queueSpecs } from '../../shared/queues.ts';
import { buildWebAssets } from '../../web/build.ts';
import { LocalBus } from './bus.ts';
import { listCasesWithTimeline } from './case-listing.ts';
import { type HttpHandler, type Route, startHttpServer, TokenBucket } from './http-server.ts';
import { intakeLimit, intakeLimitsOn } from './intake-limits.ts';
import { asHttpApiClaims, LocalJwt } from './jwt.ts';
import { localRoutes, type Scheduled } from './local-routes.ts';
import {
  localCredentials,
  localQueueArn,
  localRegion,
  type Peer,
  startDynamoLocal,
  startSesLocal,
  startSqsLocal,
} from './peers.ts';
import { PumpSet, QueuePump } from './queue-pump.ts';
import { ensureQueues, ensureTable, type QueueUrls } from './resources.ts';
import { LocalSecret } from './secret-store.ts';
import { withSendEvents } from './send-events.ts';
import { staticRoutes } from './static-routes.ts';
import { StreamPump } from './stream-pump.ts';
import { newWebhookSecret, SINK_PATH, sinkEndpoint, WebhookSink, webhookSinkRoutes } from './webhook-sink.ts';

export type ClientName = 'dynamodb' | 'streams' | 'sqs' | 'ses';

export interface LocalStackOptions {
  config: Config;
  /** HTTP port; 0 picks a free one. Peer ports are derived from it when free, else chosen free. */
  port?: number;
  /** The API's listen address (default 127.0.0.1); the peers always listen on 127.0.0.1. */
  host?: string;
  /** Turnstile siteverify endpoint for sites with a `botCheck` (default Cloudflare's; tests pass a peer). */
  botCheckUrl?: string;
  /** Keep nothing on disk (DynamoDB Local in memory). */
  memory?: boolean;
  dataDir?: string;
  clock?: VirtualClock;
  /** API Gateway-like throttling of the public route (default on). */
  throttle?: boolean;
  /**
   * The stand-in for WAF's rate-based rules on the public intake (`config.intake.limits`); default
   * on unless `CLOSELOOP_INTAKE_LIMITS=off`.
   */
  intakeLimits?: boolean;
  /** Lets tests wrap SDK clients (fault injection) before anything uses them. */
  onClient?: (
    name: ClientName,
    client: DynamoDBClient | DynamoDBStreamsClient | SQSClient | SESv2Client,
  ) => void;
  /**
   * Configure one webhook endpoint, for every event, at the stack's own sink
   * (`/__local/webhook-sink`; `npm start` turns it on). Endpoints in the config are never called
   * locally: with this off there are none.
   */
  webhookSink?: boolean;
  /** Start the stream and queue pumps (default true); tests may drive them by hand. */
  pumps?: boolean;
  /**
   * Start the triage queue pump (default: as `pumps`). Off, feedback.received messages stay on the
   * triage queue for a test to read.
   */
  triagePump?: boolean;
  /**
   * Also run the one-minute schedule (the SLA sweep) every real minute while the stack is up
   * (default true), at the virtual clock's time. `POST /__local/clock` runs it per virtual minute
   * either way; tests that drive the clock themselves may turn this off.
   */
  schedule?: boolean;
  log?: (line: string) => void;
}

export interface LocalSite {
  siteId: string;
  /** The public key, for browsers on `origins` (`X-Site-Key`). */
  siteKey: string;
  /** The secret key, for shop backends (`X-Server-Key`, no Origin). */
  serverKey: string;
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
  /** The triage queue's event source mapping: batches of 10, partial batch failures. */
  triagePump: QueuePump;
  /**
   * The notify queues' event source mappings, staff and customer (functions/notify → SES local),
   * each queue with as many pumps as its `maxConcurrency` (shared/queues.ts).
   */
  notifyPump: PumpSet;
  /** The webhooks queue's event source mapping (functions/webhooks → the sink). */
  webhooksPump: QueuePump;
  /** What the local webhook sink received (empty without `webhookSink`). */
  webhookSink: WebhookSink;
  /** The link secret's AWSCURRENT value (random per start; Secrets Manager in AWS). */
  readonly linkSecret: string;
  /** The link secret itself: an in-process stand-in for Secrets Manager, with staging labels. */
  linkSecrets: LocalSecret;
  /** One rotation of the link secret through functions/rotate-link-secret's handler; answers the new version. */
  rotateLinkSecret(): Promise<string>;
  bus: LocalBus;
  /** Signs staff tokens (GET /__local/token) and verifies them on staff routes. */
  jwt: LocalJwt;
  /** Jobs the one-minute schedule runs (POST /__local/clock runs them per virtual minute). */
  scheduled: Scheduled[];
  /** One invitation sweep at `now` (part of the minute job), answering what it did. */
  sweepInvitations(now: Date): Promise<InvitationSweepResult>;
  /** One SLA sweep at `now` (the job `scheduled` runs), answering what it did. */
  sweepSla(now: Date): Promise<SweepResult>;
  /** The weekly digest at `now` for these teams (default every team), as functions/digest runs it. */
  sendDigests(now: Date, teamIds?: readonly string[]): Promise<TeamDigestResult[]>;
  /** One run of functions/notice-reconciler at the virtual clock's time (every 5 minutes in AWS). */
  reconcileNotices(): Promise<LeaseReconcileResult>;
  /**
   * A mailer whose accepted sends come back as SES send events to functions/ses-events (the
   * stand-in of the configuration set's event destination), as the stack's own notify uses.
   */
  withSendEvents(mailer: Mailer): Mailer;
  /** Resolves once every send event handed over so far was handled. */
  sendEventsIdle(): Promise<void>;
  /** One intake reconciler run at the clock's time, as functions/intake-reconciler runs it. */
  reconcile(): Promise<ReconcileResult>;
  stop(): Promise<void>;
}

export const tableName = 'closeloop';
export const localSiteKey = (siteId: string) => `sk_local_${siteId}`;
export const localServerKey = (siteId: string) => `sv_local_${siteId}`;
/** Cloudflare's documented test secret that passes every token; a local siteverify peer may ignore it. */
const localTurnstileSecret = '1x0000000000000000000000000000000AA';
const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');

/** Starts the peers, creates the resources and serves the same handlers as the Lambda functions. */
export async function startLocalStack(opts: LocalStackOptions): Promise<LocalStack> {
  const log = opts.log ?? (() => {});
  const clock = opts.clock ?? new VirtualClock();
  // The operator's config holds only hashes; locally each site gets a known key instead.
  // Each site's origins are one list shared by ingest and /__local/sites: the stack's own origin
  // joins it once the server listens (see `allowOwnOrigin`).
  const origins = opts.config.sites.map((s) => [...s.origins]);
  const sites = opts.config.sites.map((s, i) => ({
    siteId: s.id,
    siteKey: localSiteKey(s.id),
    serverKey: localServerKey(s.id),
    origins: origins[i]!,
  }));
  // Locally deliveries go only to the sink, whose URL is known once the server listens.
  const sinkWebhook = sinkEndpoint();
  const config: Config = {
    ...opts.config,
    webhooks: opts.webhookSink ? [sinkWebhook] : [],
    sites: opts.config.sites.map((s, i) => ({
      ...s,
      origins: origins[i]!,
      siteKeyHash: sha256Hex(localSiteKey(s.id)),
      serverKeyHash: sha256Hex(localServerKey(s.id)),
    })),
  };
  const base = opts.port ?? 3000;
  const derived = (n: number) => (base === 0 ? undefined : base + n);

  const peers: Peer[] = [];
  const stopAll = async () => {
    for (const peer of peers.reverse()) await peer.stop().catch(() => {});
  };
  try {
    const dataDir = opts.memory ? undefined : join(opts.dataDir ?? '.closeloop', 'dynamodb');
    const [dynamo, sqsPeer, sesPeer] = await Promise.all([
      startDynamoLocal({ port: derived(1), dataDir, log }),
      startSqsLocal({ port: derived(2) }),
      startSesLocal({ port: derived(3) }),
    ]);
    peers.push(dynamo, sqsPeer, sesPeer);

    const clientConfig = { region: localRegion, credentials: localCredentials };
    const dynamoClient = new DynamoDBClient({ ...clientConfig, endpoint: dynamo.endpoint });
    const streamsClient = new DynamoDBStreamsClient({ ...clientConfig, endpoint: dynamo.endpoint });
    const sqs = new SQSClient({ ...clientConfig, endpoint: sqsPeer.endpoint });
    opts.onClient?.('dynamodb', dynamoClient);
    opts.onClient?.('streams', streamsClient);
    opts.onClient?.('sqs', sqs);
    // As in functions/notify: no SDK retries of a send, the queue's redelivery retries it.
    const ses = new SESv2Client({ ...clientConfig, endpoint: sesPeer.endpoint, maxAttempts: 1 });
    opts.onClient?.('ses', ses);
    const db = DynamoDBDocumentClient.from(dynamoClient, {
      marshallOptions: { removeUndefinedValues: true },
    });

    const streamArn = await ensureTable(dynamoClient, tableName);
    const queues = await ensureQueues(sqs);

    const bus = new LocalBus(() => clock.now());
    // Survey pages, QR codes and the sink's URL carry the stack's own address, known once it listens.
    let ownUrl = '';
    const relayTargets = {
      notifyStaff: queueSender(sqs, queues.staffNotices.url),
      notifyCustomer: queueSender(sqs, queues.customerNotices.url),
      publish: (e: Record<string, unknown>) => bus.publish(e),
    };
    const outboxMarks = dynamoOutboxMarks(db, tableName);
    const relay = makeRelayHandler({ ...relayTargets, ...outboxMarks, clock });
    // The intake reconciler: the same use case as functions/intake-reconciler (hourly in AWS),
    // run here by POST /__local/reconcile or a test, at the virtual clock's time.
    const reconcile = () =>
      reconcileIntake({
        ledger: dynamoArrivalLedger(db, tableName),
        marks: outboxMarks,
        triage: queueSender(sqs, queues.triage.url),
        targets: relayTargets,
        clock,
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
      impressions: {
        counter: dynamoImpressionCounter(db, tableName),
        timeZoneOf: (siteId: string) => contactHoursOf(config, siteId).timeZone,
      },
      // Sites with a `botCheck` are checked against siteverify (Cloudflare's, or a peer's in tests).
      botCheck: turnstileBotCheck({
        secretOf: () => async () => localTurnstileSecret,
        verifyUrl: opts.botCheckUrl ?? process.env.TURNSTILE_SITEVERIFY_URL,
      }),
      clock,
      newId: randomUUID,
    }) as HttpHandler;

    // Triage: the same handler as functions/triage, fed by the stand-in for its SQS event source.
    const triage = makeTriageHandler({
      feedback: dynamoFeedbackReader(db, tableName),
      assignments: dynamoAssignmentReader(db, tableName),
      store: dynamoTriageStore(db, tableName, config.service.retentionDays),
      clock,
      config,
    });
    // One pump, not triage's `maxConcurrency`: tests drive it by hand (`pollOnce`) as the one consumer.
    const triagePump = new QueuePump(sqs, queues.triage.url, localQueueArn(queueSpecs.triage.name), triage, {
      batchSize: 10,
      onError: (error) => log(`triage pump: ${(error as Error).message} (will retry)`),
    });

    // Webhooks: the stand-in for the stateful stack's rules (one message per endpoint and event on
    // the webhooks queue), and functions/webhooks' handler behind the queue's pump.
    const webhookSink = new WebhookSink(() => clock.now());
    const webhookSecrets = new Map(config.webhooks.map((w) => [w.secretName, newWebhookSecret()]));
    for (const route of deliveryRoutes(config)) {
      // No Slack locally: its incoming webhook is a real channel.
      if (route.channel !== 'webhook') continue;
      for (const detailType of route.eventTypes) {
        bus.subscribe(detailType, async (event) => {
          if (!routeMatches(route, event)) return;
          await queueSender(sqs, queues.webhooks.url)({ ...deliveryMessage(route, event) });
        });
      }
    }
    const webhooks = makeWebhooksHandler({
      webhooks: config.webhooks,
      slackUrl: undefined,
      secretOf: async (name) => {
        const secret = webhookSecrets.get(name);
        if (secret === undefined) throw new Error(`no local webhook secret ${name}`);
        return secret;
      },
      states: dynamoEndpointStates(db, tableName),
      feedback: dynamoFeedbackReader(db, tableName),
      http: fetchPoster(),
      clock,
      get publicBaseUrl() {
        return ownUrl;
      },
      teams: config.teams,
      // The pump makes a failed record visible again after a second (its retryDelaySeconds): the
      // backoff is AWS's; here a retry is soon, and the 24 h window runs on the virtual clock.
      retryLater: async () => {},
      deadLetter: async (body) => {
        await sqs.send(new SendMessageCommand({ QueueUrl: queues.webhooks.dlqUrl, MessageBody: body }));
      },
    });
    const webhooksPump = new QueuePump(
      sqs,
      queues.webhooks.url,
      localQueueArn(queueSpecs.webhooks.name),
      webhooks,
      {
        batchSize: 5,
        onError: (error) => log(`webhooks pump: ${(error as Error).message} (will retry)`),
      },
    );

    const jwt = new LocalJwt();
    // The SLA sweep: the same use case as functions/sla, run by the stand-in for its rate(1 minute) rule.
    const slaDeps = {
      timers: dynamoTimerIndex(db, tableName),
      store: dynamoSlaStore(db, tableName),
      config,
    };
    const sweepSla = (now: Date) => sweepDue(now, slaDeps);
    const invitationDeps = {
      config,
      invitations: dynamoInvitationStore(db, tableName, config.service.retentionDays, clock),
      customers: dynamoCustomerFacts(db, tableName),
    };
    const sweepInvitationsAt = (now: Date) => sweepInvitations(now, invitationDeps);
    // The weekly digest: the same use case as functions/digest. AWS runs it for every team from a
    // weekly cron (Monday 00:00 UTC = 09:00 JST); here the minute job runs it for the teams whose
    // calendar shows Monday 09:00 in that virtual minute (a rerun of a week queues nothing).
    const digestDeps = {
      config,
      metrics: dynamoMetricsReader(db, tableName),
      cases: dynamoDigestCases(db, tableName),
      outbox: dynamoDigestOutbox(db, tableName),
    };
    const sendDigests = (now: Date, teamIds?: readonly string[]) =>
      sendWeeklyDigests(now, digestDeps, teamIds ? { teamIds } : {});
    const scheduled: Scheduled[] = [
      async (now) => {
        const result = await sweepSla(now);
        if (result.errors > 0) log(`sla sweep: ${result.errors} case(s) failed (they stay due)`);
      },
      // Survey invitations: the part of functions/sla's minute run that sends, reminds and closes them.
      async (now) => {
        const result = await sweepInvitationsAt(now);
        if (result.errors > 0) log(`invitation sweep: ${result.errors} invitation(s) failed (they stay due)`);
      },
      // Double opt-in: the part of functions/sla's minute run that lapses unconfirmed consent.
      async (now) => {
        await lapseUnconfirmed({ contacts: dynamoContactStore(db, tableName), clock: { now: () => now } });
      },
      // Problems: the part of functions/sla's minute run that checks resolved problems' fixes.
      async (now) => {
        const checks = await verifyDueProblems({
          problems: dynamoProblemStore(db, tableName),
          metrics: dynamoMetricsReader(db, tableName),
          clock: { now: () => now },
          config,
        });
        for (const v of checks.verified) log(`problem fix check: ${v.problemId} ${v.verdict}`);
      },
      // Problem broadcasts: the part of functions/sla's minute run that tells subscribers and stakeholders.
      async (now) => {
        await runBroadcasts({
          broadcasts: dynamoBroadcastStore(db, tableName),
          problems: dynamoProblemStore(db, tableName),
          config,
          clock: { now: () => now },
        });
      },
      // Flood containment: the part of functions/sla's minute run that queues staff digests.
      async (now) => {
        await flushStaffDigests({ bursts: dynamoStaffBurstStore(db, tableName), now });
      },
      async (now) => {
        const teamIds = teamsAtLocalTime(now, config);
        if (teamIds.length === 0) return;
        // Its own rule in AWS: a failed digest does not stop the minute's other jobs.
        try {
          const sent = await sendDigests(now, teamIds);
          log(`weekly digest: ${sent.map((t) => `${t.teamId} ${t.week} ${t.outcome}`).join(', ')}`);
        } catch (error) {
          log(`weekly digest: ${(error as Error).message}`);
        }
      },
    ];
    // Signed links in emails: the same handlers as functions/actions, functions/notify and
    // functions/rotate-link-secret, over a secret made at start, read and cached as in AWS.
    const linkSecrets = new LocalSecret('closeloop-local/link-secret', randomBytes(32).toString('base64url'));
    const currentLinkSecret = () => linkSecrets.stage('AWSCURRENT') as string;
    const rotation = makeRotationHandler({ secrets: linkSecrets, clock });
    const actions = makeActionsHandler({
      linkSecrets: cachedVerifyingSecrets(linkSecrets.secretId, {
        clock,
        read: async () => ['AWSCURRENT', 'AWSPREVIOUS'].flatMap((stage) => linkSecrets.stage(stage) ?? []),
      }),
      unsubscribeKeys: dynamoUnsubscribeKeys(db, tableName),
      customers: dynamoCaseCustomers(db, tableName),
      clock,
      actions: linkCaseActions({ cases: dynamoStaffCaseStore(db, tableName), clock, config }),
      cases: dynamoCaseReader(db, tableName),
      tokens: dynamoUsedTokens(db, tableName),
      suppression: dynamoSuppressionList(db, tableName),
      contacts: dynamoContactStore(db, tableName),
    }) as HttpHandler;
    const publicBaseUrl = () => ownUrl;
    const posters = dynamoPosterStore(db, tableName);
    // The staff API: the same handler as functions/cases; staff routes get the bearer JWT verified
    // (401 otherwise) and its claims injected, as API Gateway's JWT authorizer does.
    const staffApi = makeCasesHandler({
      cases: dynamoStaffCaseStore(db, tableName),
      problems: dynamoProblemStore(db, tableName),
      broadcasts: dynamoBroadcastStore(db, tableName),
      metrics: dynamoMetricsReader(db, tableName),
      rollups: dynamoRollupStore(db, tableName),
      customers: dynamoCustomerData(db, tableName),
      clock,
      config,
      newId: randomUUID,
      posters,
      randomBytes,
      publicBaseUrl,
    }) as HttpHandler;
    // The hosted survey page: the same handler as functions/survey, over the same link secret.
    const survey = makeSurveyHandler({
      linkSecrets: cachedVerifyingSecrets(linkSecrets.secretId, {
        clock,
        read: async () => ['AWSCURRENT', 'AWSPREVIOUS'].flatMap((stage) => linkSecrets.stage(stage) ?? []),
      }),
      invitations: dynamoInvitationStore(db, tableName, config.service.retentionDays, clock),
      posters,
      feedback: dynamoFeedbackStore(db, tableName, config.service.retentionDays),
      clock,
      config,
      newId: randomUUID,
      publicBaseUrl,
    }) as HttpHandler;
    const knownIssues = makeKnownIssuesHandler({
      knownIssues: dynamoKnownIssueStore(db, tableName),
      contacts: dynamoContactStore(db, tableName),
      clock,
      config,
      timeZone: config.calendars[0]?.timeZone ?? 'UTC',
    }) as HttpHandler;
    const staffRoutes: Route[] = routeSpecs.map((r) => ({
      method: r.method,
      path: r.path,
      handler: staffApi,
      ...(r.access === 'public' ? {} : { staff: true }),
    }));
    // Journey events: the same handler as functions/events; survey links point at this stack.
    const events = makeEventsHandler({
      config,
      sites: config.sites,
      journeys: dynamoJourneyStore(db, tableName, config.service.retentionDays, clock),
      clock,
      linkSecret: async () => currentLinkSecret(),
      get publicBaseUrl() {
        return ownUrl;
      },
    }) as HttpHandler;
    const routes: Route[] = [
      ...staffRoutes,
      { method: 'POST', path: '/v1/events', handler: events, throttled: true, publicIntake: true },
      { method: 'POST', path: '/v1/feedback', handler: ingest, throttled: true, publicIntake: true },
      { method: 'OPTIONS', path: '/v1/feedback', handler: ingest },
      { method: 'POST', path: '/v1/impressions', handler: ingest, throttled: true, publicIntake: true },
      { method: 'OPTIONS', path: '/v1/impressions', handler: ingest },
      { method: 'GET', path: '/v1/actions/{token}', handler: actions },
      { method: 'POST', path: '/v1/actions/{token}', handler: actions },
      // Counted like the widget's intake, as WAF counts every path under /s/ (PUBLIC_INTAKE_PATHS).
      { method: 'GET', path: '/s/{token}', handler: survey, publicIntake: true },
      { method: 'POST', path: '/s/{token}', handler: survey, publicIntake: true },
      { method: 'GET', path: '/s/{token}/qr.svg', handler: survey, publicIntake: true },
      // The known-issues page: the same handler as functions/known-issues, counted like the intake.
      { method: 'GET', path: '/known-issues/{siteId}', handler: knownIssues, publicIntake: true },
      {
        method: 'POST',
        path: '/known-issues/{siteId}/{problemId}/subscribe',
        handler: knownIssues,
        publicIntake: true,
      },
      ...staticRoutes(buildWebAssets()),
      ...webhookSinkRoutes(webhookSink, () =>
        config.webhooks.map((w) => ({
          id: w.id,
          url: w.url,
          events: w.events,
          secret: webhookSecrets.get(w.secretName) ?? '',
        })),
      ),
      ...localRoutes({
        jwt,
        config,
        sites,
        clock,
        scheduled,
        bus,
        sesEndpoint: sesPeer.endpoint,
        queueDepth: (name) => queueDepth(sqs, queues, name),
        reconcile,
        cases: () => listCasesWithTimeline(db, tableName),
        log,
      }),
    ];
    const throttle =
      opts.throttle === false
        ? undefined
        : new TokenBucket(config.service.throttle.rateLimit, config.service.throttle.burstLimit);
    const limited = opts.intakeLimits ?? intakeLimitsOn();
    const http = await startHttpServer({
      port: base,
      host: opts.host,
      intakeLimit: limited
        ? intakeLimit({
            limits: config.intake.limits,
            // The local server keys (`sv_local_<siteId>`), so server-key requests count per site.
            serverKeySites: new Map(sites.map((s) => [s.serverKey, s.siteId])),
            clock,
          })
        : undefined,
      routes,
      throttle,
      verifyStaffToken: (token) => {
        const claims = jwt.verify(token, clock.now());
        return claims && asHttpApiClaims(claims);
      },
    });
    // Locally only: pages the stack serves itself (the widget demo) may post feedback for every
    // site. Its port is known now that it listens (PORT=0 picks one).
    allowOwnOrigin(origins, http);
    ownUrl = http.url;
    sinkWebhook.url = `${http.url}${SINK_PATH}`;
    // SES's send events: SES local's answer stands in for them (infra/local/send-events.ts), and
    // functions/ses-events' handler settles the claim a dead sender left open.
    const ledger = dynamoNoticeLedger(db, tableName);
    const sesEvents = makeSesEventsHandler({
      suppression: dynamoSuppressionList(db, tableName),
      ledger,
      clock,
    });
    const sendEventTaps: (() => Promise<void>)[] = [];
    const sendEventsFor = (mailer: Mailer): Mailer => {
      const tap = withSendEvents(mailer, sesEvents, (error) =>
        log(`ses events: ${(error as Error).message} (the notice reconciler settles it)`),
      );
      sendEventTaps.push(tap.idle);
      return tap.mailer;
    };
    const sendEventsIdle = async () => {
      await Promise.all(sendEventTaps.map((idle) => idle()));
    };
    const noticeReconciler = makeNoticeReconcilerHandler({
      ledger,
      requeue: (notice, queue) =>
        queueSender(sqs, queue === 'customer' ? queues.customerNotices.url : queues.staffNotices.url)(notice),
      clock,
    });
    const reconcileNotices = () => noticeReconciler();
    // Every fifth virtual minute, as its rate(5 minutes) rule.
    scheduled.push(async (now) => {
      if (Math.floor(now.getTime() / MINUTE_MS) % 5 !== 0) return;
      const result = await reconcileNotices();
      if (result.errors > 0) log(`notice reconciler: ${result.errors} claim(s) failed (they stay due)`);
    });
    // Notify: the same handler as functions/notify, sending through SES local; links point here.
    const notify = makeNotifyHandler({
      config,
      publicBaseUrl: http.url,
      linkSecret: cachedSecret(linkSecrets.secretId, { clock, read: async () => currentLinkSecret() }),
      unsubscribeKeys: dynamoUnsubscribeKeys(db, tableName),
      ledger,
      suppression: dynamoSuppressionList(db, tableName),
      contacts: dynamoContactStore(db, tableName),
      bursts: dynamoStaffBurstStore(db, tableName),
      cases: dynamoCaseReader(db, tableName),
      invitations: dynamoInvitationReader(db, tableName),
      mailer: sendEventsFor(sesMailer(ses)),
      clock,
      newId: randomUUID,
    });
    // As many pumps per queue as AWS runs notify invocations on it (`maxConcurrency`): with one, a
    // burst of invitations waited on a single consumer here that AWS would have shared between two.
    const notifyPump = new PumpSet(
      (['staffNotices', 'customerNotices'] as const).flatMap((key) =>
        Array.from(
          { length: queueSpecs[key].maxConcurrency },
          () =>
            new QueuePump(sqs, queues[key].url, localQueueArn(queueSpecs[key].name), notify, {
              batchSize: 10,
              onError: (error) =>
                log(`${queueSpecs[key].name} pump: ${(error as Error).message} (will retry)`),
            }),
        ),
      ),
    );

    if (opts.pumps !== false) streamPump.start();
    if (opts.triagePump ?? opts.pumps !== false) triagePump.start();
    if (opts.pumps !== false) notifyPump.start();
    if (opts.pumps !== false) webhooksPump.start();

    // The one-minute schedule in real time too; a run still going when the next is due is skipped
    // (as the Lambda's timeout keeps AWS runs from piling up).
    let scheduleRun: Promise<void> | undefined;
    const scheduleTimer =
      opts.schedule === false
        ? undefined
        : setInterval(() => {
            if (scheduleRun) return;
            scheduleRun = (async () => {
              for (const job of scheduled) await job(clock.now());
            })()
              .catch((error: unknown) => log(`schedule: ${(error as Error).message}`))
              .finally(() => {
                scheduleRun = undefined;
              });
          }, 60_000);
    scheduleTimer?.unref();

    return {
      url: http.url,
      config,
      sites,
      clock,
      tableName,
      queues,
      endpoints: { dynamodb: dynamo.endpoint, sqs: sqsPeer.endpoint, ses: sesPeer.endpoint },
      db,
      sqs,
      streamPump,
      triagePump,
      notifyPump,
      webhooksPump,
      webhookSink,
      get linkSecret() {
        return currentLinkSecret();
      },
      linkSecrets,
      rotateLinkSecret: () =>
        linkSecrets.rotate((Step, ClientRequestToken) =>
          rotation({ SecretId: linkSecrets.secretId, ClientRequestToken, Step }),
        ),
      bus,
      jwt,
      scheduled,
      sweepSla,
      sweepInvitations: sweepInvitationsAt,
      sendDigests,
      reconcileNotices,
      withSendEvents: sendEventsFor,
      sendEventsIdle,
      reconcile,
      async stop() {
        clearInterval(scheduleTimer);
        await scheduleRun;
        await Promise.all([streamPump.stop(), triagePump.stop(), notifyPump.stop(), webhooksPump.stop()]);
        await sendEventsIdle();
        const closed = new Promise<void>((resolve) => http.server.close(() => resolve()));
        http.server.closeAllConnections();
        await closed;
        for (const client of [dynamoClient, streamsClient, sqs, ses]) client.destroy();
        await stopAll();
      },
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** Adds the stack's own origins (`http://localhost:<port>`, `http://127.0.0.1:<port>`, the URL's) to each site's. */
function allowOwnOrigin(origins: string[][], { url, port }: { url: string; port: number }): void {
  const own = new Set([`http://localhost:${port}`, `http://127.0.0.1:${port}`, new URL(url).origin]);
  for (const list of origins) {
    for (const origin of own) {
      if (!list.includes(origin)) list.push(origin);
    }
  }
}

async function queueDepth(sqs: SQSClient, queues: QueueUrls, name: string) {
  // By the queue's name (`triage`, `notify`, `notify-customer`), as in AWS.
  const key = (Object.keys(queueSpecs) as QueueName[]).find((k) => queueSpecs[k].name === name);
  const queue = key === undefined ? undefined : queues[key];
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
