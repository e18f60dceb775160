/**
 * Issue 17's invitation burst on the local stack (`invitations` in bench/results.json): `due`
 * invitations (default 10,000) all due within one minute are each sent once within 5 minutes.
 *
 * 1. Seed through the real write path: one journey event per customer, parsed and recorded by
 *    `recordJourneyEvent` as `POST /v1/events` does (the event, its invitation and the first line
 *    of the contact log in one transaction). The events are `support_chat_closed` (its rule waits
 *    1 h) that happened over one minute, so their emails fall due over one minute, inside the
 *    contact hours; every customer is a different address with consent.
 * 2. Move the local clock to the end of that minute and run the minute job's invitation sweep, as
 *    `POST /__local/clock` does, again each next minute until one finds nothing due.
 * 3. Meanwhile the stack's own pumps carry the sweep's outbox items: the stream pump → relay →
 *    customer notices queue (fauxqs) → notify → SES local, as on `npm start`.
 * Timed from the first sweep to the last email SES local accepted (seen at the stack's SES client).
 * Then counted at SES local: one email per invitation (by the survey link's token id), none
 * missing, none twice, and every invitation `sent`; a shortfall is recorded with where the missing
 * ones stopped (`whereMissingStopped`), not thrown, so the other figures of the run are kept.
 * Size: INVITATION_BENCH_DUE for a quick run.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { journeyRulesOf, recordJourneyEvent } from '../core/invitations/index.ts';
import { Pool } from '../core/pool.ts';
import type { LocalStack, LocalStackOptions } from '../infra/local/stack.ts';
import { dynamoJourneyStore } from '../shared/adapters/invitation-store.ts';
import { VirtualClock } from '../shared/clock.ts';
import { parseJourneyEvent } from '../shared/domain/journey.ts';
import { verifyLink } from '../shared/domain/signed-link.ts';
import { HOUR_MS, MINUTE_MS } from '../shared/domain/time.ts';
import { logger } from '../shared/observability.ts';
import { queues } from '../shared/queues.ts';
import { invitationKey } from '../shared/repository/invitation-item.ts';
import { noticeKey } from '../shared/repository/notice-item.ts';
import { outboxKey } from '../shared/repository/outbox.ts';
import { itemTypes } from '../shared/table.ts';
import type { WithMiddleware } from '../tests/support/faults.ts';
import { pagesOfType, startTestStack } from '../tests/support/local-stack.ts';
import { countingLogs } from './meter.ts';

/** Tuesday 2026-12-08 10:00 in Tokyo, inside the contact hours: the minute the emails fall due by. */
const dueBy = new Date('2026-12-08T01:00:00.000Z');
const FIVE_MINUTES_S = 300;
const round = (x: number) => Math.round(x * 100) / 100;

function check(condition: boolean, message: string) {
  if (!condition) throw new Error(`invitation bench: ${message}`);
}

/** Each email SES local accepted, timed at the stack's SES client; each relayed notice at its SQS client. */
function watch() {
  const seen = { emails: 0, lastEmailAt: 0, lastRelayAt: 0 };
  const onClient: LocalStackOptions['onClient'] = (name, client) => {
    const command = name === 'ses' ? 'SendEmailCommand' : name === 'sqs' ? 'SendMessageCommand' : undefined;
    if (!command) return;
    (client as unknown as WithMiddleware).middlewareStack.add(
      (next, context) => async (args) => {
        const out = await next(args);
        if (context.commandName !== command) return out;
        if (name === 'ses') {
          seen.emails += 1;
          seen.lastEmailAt = performance.now();
        } else {
          seen.lastRelayAt = performance.now();
        }
        return out;
      },
      { step: 'initialize', name: 'bench-invitations', priority: 'low' },
    );
  };
  return { seen, onClient };
}

const address = (i: number) => `invitee-${i}@example.jp`;

/** `due` journey events whose invitations fall due over the minute before `dueBy`, recorded 16 at a time. */
async function seed(stack: LocalStack, due: number): Promise<Map<string, string>> {
  const journeys = dynamoJourneyStore(
    stack.db,
    stack.tableName,
    stack.config.service.retentionDays,
    stack.clock,
  );
  const rules = journeyRulesOf(stack.config);
  const deps = {
    config: stack.config,
    journeys,
    clock: stack.clock,
    linkSecret: async () => stack.linkSecret,
    publicBaseUrl: stack.url,
  };
  const delay = HOUR_MS; // the `after-support-chat` rule's
  const ids = new Map<string, string>();
  const pool = new Pool(16);
  for (let i = 0; i < due; i++) {
    const occurredAt = new Date(dueBy.getTime() - delay - MINUTE_MS + Math.ceil(((i + 1) * MINUTE_MS) / due));
    const input = parseJourneyEvent(
      {
        siteId: 'shop-jp',
        eventId: `bench-chat-${i}`,
        type: 'support_chat_closed',
        occurredAt: occurredAt.toISOString(),
        customer: { email: address(i), contactConsent: true, locale: 'ja' },
      },
      rules,
      stack.clock.now(),
    );
    await pool.start(async () => {
      const recorded = await recordJourneyEvent(input, deps);
      const inv = recorded.invitation;
      check(inv?.status === 'scheduled', `event ${i} made no scheduled invitation`);
      check(
        inv!.sendAt! > new Date(dueBy.getTime() - MINUTE_MS).toISOString() &&
          inv!.sendAt! <= dueBy.toISOString(),
        `invitation ${i} is due at ${inv!.sendAt}, not in the minute before ${dueBy.toISOString()}`,
      );
      ids.set(inv!.invitationId, address(i));
    });
  }
  await pool.drain();
  return ids;
}

/** The customer notices queue as `GET /__local/queues/{name}` shows it. */
async function customerQueue(stack: LocalStack) {
  const response = await fetch(`${stack.url}/__local/queues/${queues.customerNotices.name}`);
  return (await response.json()) as { visible: number; inFlight: number; deadLettered: number };
}

/** Where an invitation's email stopped: its status, its outbox item's relay, its notice claim. */
async function whereIs(stack: LocalStack, invitationId: string, email: string) {
  const noticeId = `${invitationId}:customer_survey_invitation:invite`;
  const get = async (Key: Record<string, string>) =>
    (await stack.db.send(new GetCommand({ TableName: stack.tableName, Key, ConsistentRead: true }))).Item;
  const [invitation, outbox, notice] = await Promise.all([
    get(invitationKey(invitationId)),
    get(outboxKey(`notice:${noticeId}`)),
    get(noticeKey(noticeId, email)),
  ]);
  return {
    invitationId,
    status: invitation?.status,
    outbox: outbox ? { relayedAt: outbox.relayedAt } : undefined,
    notice: notice ? { status: notice.status, leases: notice.leases, error: notice.error } : undefined,
  };
}

/** Every invitation's status, by a scan of the table. */
async function statuses(stack: LocalStack): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const projection = {
    ProjectionExpression: 'invitationId, #s',
    ExpressionAttributeNames: { '#s': 'status' },
  };
  for await (const page of pagesOfType(stack, itemTypes.invitation, projection)) {
    for (const item of page.Items ?? []) found.set(String(item.invitationId), String(item.status));
  }
  return found;
}

const noSurveyLink = '(no survey link)';

/**
 * Emails SES local holds per invitation, by the token id of each one's survey link; only those to
 * the bench's addresses (SES local keeps one store per process, whatever ran before in it).
 */
async function emailsPerInvitation(
  stack: LocalStack,
  addresses: ReadonlySet<string>,
): Promise<{ total: number; perId: Map<string, number> }> {
  const response = await fetch(`${stack.endpoints.ses}/store`);
  const { emails = [] } = (await response.json()) as {
    emails?: { destination?: { to?: string[] }; body?: { text?: string } }[];
  };
  const ours = emails.filter((e) => e.destination?.to?.some((to) => addresses.has(to)));
  const perId = new Map<string, number>();
  for (const email of ours) {
    const token = /\/s\/([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)/.exec(email.body?.text ?? '')?.[1];
    const verified = token ? verifyLink(token, stack.linkSecret, stack.clock.now()) : undefined;
    const id = verified?.status === 'ok' ? verified.payload.jti : noSurveyLink;
    perId.set(id, (perId.get(id) ?? 0) + 1);
  }
  return { total: ours.length, perId };
}

/** Seeds, sweeps and waits for the emails on a started stack; `seen` is what its clients saw. */
async function measure(
  stack: LocalStack,
  seen: ReturnType<typeof watch>['seen'],
  due: number,
  log: (line: string) => void,
) {
  let started = performance.now();
  const ids = await seed(stack, due);
  check(ids.size === due, `seeded ${ids.size} invitations of ${due}`);
  const seedSeconds = (performance.now() - started) / 1000;
  // The stream pump passes over what seeding wrote (nothing it forwards) before the clock starts.
  await stack.streamPump.pollOnce();
  await stack.streamPump.pollOnce();
  log(`invitation bench: ${due} invitations recorded in ${round(seedSeconds)} s; sweeping …`);

  const sweeps: { at: string; due: number; sent: number; seconds: number }[] = [];
  started = performance.now();
  for (let at = dueBy; ; at = new Date(at.getTime() + MINUTE_MS)) {
    stack.clock.advance(at.getTime() - stack.clock.now().getTime());
    const t = performance.now();
    const result = await stack.sweepInvitations(at);
    check(
      result.errors === 0 && result.lost === 0,
      `sweep at ${at.toISOString()}: ${JSON.stringify(result)}`,
    );
    sweeps.push({
      at: at.toISOString(),
      due: result.due,
      sent: result.sent,
      seconds: round((performance.now() - t) / 1000),
    });
    if (result.due === 0 || sweeps.length >= 10) break;
  }
  const sweepSeconds = (performance.now() - started) / 1000;
  const emailsDuringSweep = seen.emails;
  log(`invitation bench: swept in ${round(sweepSeconds)} s (${sweeps.length} sweeps); delivering …`);

  // Until SES local has accepted one email per invitation, or nothing moved for a minute (then
  // what is missing is reported, not waited for).
  let progress = { emails: -1, at: performance.now() };
  let stalled = false;
  while (seen.emails < due && !stalled) {
    if (seen.emails !== progress.emails) progress = { emails: seen.emails, at: performance.now() };
    stalled = performance.now() - progress.at > 60_000;
    await new Promise((r) => setTimeout(r, 200));
  }
  if (stalled) log(`invitation bench: delivery stalled at ${seen.emails} of ${due} emails`);
  const deliveredSeconds = (seen.lastEmailAt - started) / 1000;
  log(`invitation bench: ${seen.emails} emails accepted ${round(deliveredSeconds)} s after the first sweep`);

  // Settled: nothing more is coming from the stream or the queue that could send twice.
  await stack.streamPump.pollOnce();
  for (let q = await customerQueue(stack); q.visible + q.inFlight > 0; q = await customerQueue(stack)) {
    await new Promise((r) => setTimeout(r, 200));
  }
  await stack.sendEventsIdle();
  const held = await emailsPerInvitation(stack, new Set(ids.values()));
  const missingIds = [...ids.keys()].filter((id) => !held.perId.has(id));
  const missing = missingIds.length;
  const duplicates = [...ids.keys()].reduce((n, id) => n + Math.max(0, (held.perId.get(id) ?? 0) - 1), 0);
  // To a bench address without the survey link of its invitation.
  const strangers = [...held.perId].reduce((n, [id, count]) => n + (ids.has(id) ? 0 : count), 0);
  const status = await statuses(stack);
  const sent = [...ids.keys()].filter((id) => status.get(id) === 'sent').length;
  const correct = missing === 0 && duplicates === 0 && strangers === 0 && sent === due && held.total === due;
  if (!correct)
    log(
      `invitation bench: ${missing} missing, ${duplicates} twice, ${strangers} unattributed, ${sent} of ${due} sent`,
    );
  return {
    note:
      'The local stack in one Node process (handlers, pumps, fauxqs, SES local) with DynamoDB ' +
      'Local (Java, in memory) beside it, sharing the machine. Seeded through recordJourneyEvent ' +
      '(the POST /v1/events write path, without HTTP), 16 at a time; one customer per invitation. ' +
      'Logs silenced. Timed from the first sweep to the last email SES local accepted.',
    due,
    seeded: 'recordJourneyEvent',
    seedSeconds: round(seedSeconds),
    sweeps: sweeps.filter((s) => s.due > 0).length,
    perSweep: sweeps,
    sweepSeconds: round(sweepSeconds),
    sentPerSecond: Math.round(due / sweepSeconds),
    /** Emails out while the sweep ran: the pumps wait on DynamoDB Local behind its 48 in flight. */
    emailsDuringSweep,
    /** When the relay put the last notice on the customer queue, from the first sweep. */
    relayedSeconds: round((seen.lastRelayAt - started) / 1000),
    deliveredSeconds: round(deliveredSeconds),
    emailsPerSecond: Math.round(due / deliveredSeconds),
    /** Notify's pumps on the customer queue: its `maxConcurrency` in AWS (shared/queues.ts). */
    notifyConsumers: queues.customerNotices.maxConcurrency,
    emails: held.total,
    duplicates,
    missing,
    invitationsSent: sent,
    ...(strangers > 0 ? { unattributedEmails: strangers } : {}),
    ...(stalled ? { stalledAfterSeconds: 60 } : {}),
    ...(missing > 0
      ? {
          whereMissingStopped: await Promise.all(
            missingIds.slice(0, 10).map((id) => whereIs(stack, id, ids.get(id) as string)),
          ),
          customerQueue: await customerQueue(stack),
        }
      : {}),
    withinFiveMinutes: correct && deliveredSeconds <= FIVE_MINUTES_S,
  };
}

export async function invitationBench(opts: { due?: number; log?: (line: string) => void } = {}) {
  const due = opts.due ?? Number(process.env.INVITATION_BENCH_DUE ?? 10_000);
  const log = opts.log ?? ((line: string) => console.error(line));
  // The events arrive at the end of the minute they happened in; their emails go an hour later.
  const { seen, onClient } = watch();
  const stack = await startTestStack({
    clock: new VirtualClock(new Date(dueBy.getTime() - HOUR_MS)),
    schedule: false,
    onClient,
  });
  // SES local's store is one per process: what the benches before this one sent is in it.
  await fetch(`${stack.endpoints.ses}/clear-store`, { method: 'POST' });
  // As the load tests run: a log line per notice is not what is measured. EMF metric lines (on
  // stdout) are kept out of the bench's own output.
  const logLevel = logger.getLevelName();
  logger.setLogLevel('SILENT');
  try {
    return (await countingLogs(() => measure(stack, seen, due, log), [process.stdout])).result;
  } finally {
    logger.setLogLevel(logLevel);
    await stack.stop();
  }
}

// `npx tsx bench/invitations.ts` runs it alone and prints the numbers.
if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await invitationBench(), null, 2));
}
