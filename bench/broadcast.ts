/**
 * The broadcast of a resolved problem on the local stack (`broadcast` in bench/results.json): the
 * issue asks that 10,000 subscribers of one problem are all notified within 10 minutes, each once.
 *
 * 1. Start the local stack (virtual clock, its real-time schedule off) and create a public problem
 *    on shop-jp through the API as admin.
 * 2. Seed `subscribers` (default 10,000) through the real adapters, 16 at a time: each address
 *    confirmed at shop-jp (`dynamoContactStore.confirm`, as the confirmation link does) and
 *    subscribed (`dynamoKnownIssueStore.subscribe`, the write behind the page's form once the
 *    address is confirmed). Timed apart (`seedSeconds`), not counted.
 * 3. Resolve the problem through the API as admin (`POST /v1/problems/{id}/resolve`): it arms the
 *    broadcast. Then `POST /__local/clock {advanceMinutes: 1}` runs the minute job once per virtual
 *    minute (runBroadcasts among it) while a broadcast job is pending, at most 15.
 * 4. Meanwhile the stack's own pumps carry the outbox items: the stream pump → relay → customer
 *    notices queue (fauxqs) → notify (its confirmation check among it) → SES local.
 * Timed from the resolve request to the last email SES local accepted (seen at the stack's SES
 * client). Then counted at SES local's store: emails to the bench's addresses, distinct
 * recipients, duplicates, and none to an address that is not a subscriber's.
 * Size: BROADCAST_BENCH_SUBSCRIBERS for a quick run.
 */
import { Pool } from '../core/pool.ts';
import type { LocalStack, LocalStackOptions } from '../infra/local/stack.ts';
import { dynamoContactStore } from '../shared/adapters/contact-store.ts';
import { dynamoKnownIssueStore } from '../shared/adapters/known-issue-store.ts';
import { VirtualClock } from '../shared/clock.ts';
import { normalizeAddress } from '../shared/domain/address.ts';
import { contactRefOf } from '../shared/domain/contact.ts';
import { logger } from '../shared/observability.ts';
import { queues } from '../shared/queues.ts';
import { itemTypes } from '../shared/table.ts';
import type { WithMiddleware } from '../tests/support/faults.ts';
import { countItems, startTestStack } from '../tests/support/local-stack.ts';
import { countingLogs } from './meter.ts';

/** Tuesday 2026-12-08 10:00 in Tokyo, inside the contact hours. */
const T0 = new Date('2026-12-08T01:00:00.000Z');
const TEN_MINUTES_S = 600;
const MAX_MINUTES = 15;
const PUBLIC_TITLE = 'カード決済が完了しない';
const round = (x: number) => Math.round(x * 100) / 100;

function check(condition: boolean, message: string) {
  if (!condition) throw new Error(`broadcast bench: ${message}`);
}

/** Each email the stack's SES client sent, by recipient, timed; each relayed message at its SQS client. */
function watch() {
  const seen = { emails: 0, firstEmailAt: 0, lastEmailAt: 0, lastRelayAt: 0 };
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
          if (seen.firstEmailAt === 0) seen.firstEmailAt = seen.lastEmailAt;
        } else {
          seen.lastRelayAt = performance.now();
        }
        return out;
      },
      { step: 'initialize', name: 'bench-broadcast', priority: 'low' },
    );
  };
  return { seen, onClient };
}

const address = (i: number) => `subscriber-${i}@example.jp`;

async function api(stack: LocalStack, method: string, path: string, body?: unknown) {
  const { token } = (await (await fetch(`${stack.url}/__local/token?admin=1`)).json()) as { token: string };
  const response = await fetch(`${stack.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** `n` confirmed addresses at shop-jp, each subscribed to the problem, 16 at a time. */
async function seed(stack: LocalStack, problemId: string, n: number) {
  const contacts = dynamoContactStore(stack.db, stack.tableName);
  const knownIssues = dynamoKnownIssueStore(stack.db, stack.tableName);
  const now = stack.clock.now();
  const pool = new Pool(16);
  for (let i = 0; i < n; i++) {
    const email = address(i);
    const ref = contactRefOf('shop-jp', email);
    await pool.start(async () => {
      await contacts.confirm(ref, now, 'link', []);
      await knownIssues.subscribe({
        problemId,
        siteId: 'shop-jp',
        hash: ref.hash,
        email,
        locale: 'ja',
        createdAt: now.toISOString(),
      });
    });
  }
  await pool.drain();
}

async function customerQueue(stack: LocalStack) {
  const response = await fetch(`${stack.url}/__local/queues/${queues.customerNotices.name}`);
  return (await response.json()) as { visible: number; inFlight: number; deadLettered: number };
}

/** What SES local holds: per bench address, how many; and how many went to anyone else. */
async function heldAtSes(stack: LocalStack, addresses: ReadonlySet<string>) {
  const response = await fetch(`${stack.endpoints.ses}/store`);
  const { emails = [] } = (await response.json()) as {
    emails?: { destination?: { to?: string[] }; subject?: string; body?: { text?: string } }[];
  };
  const perAddress = new Map<string, number>();
  let others = 0;
  let withTitle = 0;
  for (const email of emails) {
    const to = (email.destination?.to ?? []).map(normalizeAddress);
    const ours = to.filter((a) => addresses.has(a));
    if (ours.length === 0) {
      others += 1;
      continue;
    }
    if ((email.body?.text ?? '').includes(PUBLIC_TITLE)) withTitle += 1;
    for (const a of ours) perAddress.set(a, (perAddress.get(a) ?? 0) + 1);
  }
  return { total: emails.length, perAddress, others, withTitle };
}

async function measure(
  stack: LocalStack,
  seen: ReturnType<typeof watch>['seen'],
  subscribers: number,
  log: (line: string) => void,
) {
  const created = await api(stack, 'POST', '/v1/problems', {
    title: 'PSP timeout on 3-D Secure callback',
    description: 'The PSP drops the 3-D Secure callback after 10 s',
    customerMessage: 'カード決済の不具合を修正しました。',
    public: true,
    publicTitle: PUBLIC_TITLE,
    publicMessage: '一部のカードで決済が完了しない状態を調査しています。',
    publicSiteIds: ['shop-jp'],
  });
  check(created.status === 201, `POST /v1/problems answered ${created.status}`);
  const problemId = (created.body.problem as { problemId: string }).problemId;

  let started = performance.now();
  await seed(stack, problemId, subscribers);
  const seedSeconds = (performance.now() - started) / 1000;
  const seededSubscriptions = await countItems(stack, itemTypes.subscription);
  check(seededSubscriptions === subscribers, `seeded ${seededSubscriptions} subscriptions of ${subscribers}`);
  // The stream pump passes over what seeding wrote (nothing it forwards) before the clock starts.
  await stack.streamPump.pollOnce();
  await stack.streamPump.pollOnce();
  log(`broadcast bench: ${subscribers} confirmed subscribers seeded in ${round(seedSeconds)} s; resolving …`);

  const emailsBefore = seen.emails;
  started = performance.now();
  const resolved = await api(stack, 'POST', `/v1/problems/${problemId}/resolve`, {});
  check(resolved.status === 200, `POST /v1/problems/${problemId}/resolve answered ${resolved.status}`);

  // The minute job, one virtual minute at a time, while the broadcast is still armed.
  const minutes: { minute: number; seconds: number; emailsSoFar: number }[] = [];
  while (minutes.length < MAX_MINUTES && (await countItems(stack, itemTypes.broadcast)) > 0) {
    const t = performance.now();
    const response = await fetch(`${stack.url}/__local/clock`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ advanceMinutes: 1 }),
    });
    check(response.status === 200, `POST /__local/clock answered ${response.status}`);
    await response.body?.cancel();
    minutes.push({
      minute: minutes.length + 1,
      seconds: round((performance.now() - t) / 1000),
      emailsSoFar: seen.emails - emailsBefore,
    });
  }
  const jobSeconds = (performance.now() - started) / 1000;
  const jobDone = (await countItems(stack, itemTypes.broadcast)) === 0;
  const outboxed = await countItems(stack, itemTypes.outbox);
  log(
    `broadcast bench: minute job ${jobDone ? 'done' : 'NOT done'} after ${minutes.length} virtual minute(s), ${round(jobSeconds)} s; delivering …`,
  );

  // Until SES local has accepted one email per subscriber, or nothing moved for a minute.
  let progress = { emails: -1, at: performance.now() };
  let stalled = false;
  while (seen.emails - emailsBefore < subscribers && !stalled) {
    if (seen.emails !== progress.emails) progress = { emails: seen.emails, at: performance.now() };
    stalled = performance.now() - progress.at > 60_000;
    await new Promise((r) => setTimeout(r, 200));
  }
  if (stalled) log(`broadcast bench: delivery stalled at ${seen.emails - emailsBefore} of ${subscribers}`);
  const deliveredSeconds = (seen.lastEmailAt - started) / 1000;
  log(`broadcast bench: ${seen.emails - emailsBefore} emails ${round(deliveredSeconds)} s after the resolve`);

  // Settled: nothing more is coming from the stream or the queue that could send twice.
  await stack.streamPump.pollOnce();
  for (let q = await customerQueue(stack); q.visible + q.inFlight > 0; q = await customerQueue(stack)) {
    await new Promise((r) => setTimeout(r, 200));
  }
  await stack.sendEventsIdle();
  // One more minute job: a finished broadcast queues nothing again.
  const again = seen.emails;
  await fetch(`${stack.url}/__local/clock`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ advanceMinutes: 1 }),
  }).then((r) => r.body?.cancel());
  await stack.streamPump.pollOnce();
  await new Promise((r) => setTimeout(r, 2000));
  const afterDone = seen.emails - again;

  const addresses = new Set(Array.from({ length: subscribers }, (_, i) => address(i)));
  const held = await heldAtSes(stack, addresses);
  const mailsReceived = [...held.perAddress.values()].reduce((a, b) => a + b, 0);
  const distinctRecipients = held.perAddress.size;
  const duplicates = mailsReceived - distinctRecipients;
  const missing = subscribers - distinctRecipients;
  const correct = missing === 0 && duplicates === 0 && held.others === 0 && afterDone === 0;
  const virtualMinutes = minutes.length;
  return {
    note:
      'The local stack in one Node process (handlers, pumps, fauxqs, SES local) with DynamoDB ' +
      'Local (Java, in memory) beside it, sharing the machine. Subscribers seeded through the ' +
      'real adapters (contact confirm + subscribe), 16 at a time, one address each, all confirmed. ' +
      'The local minute job runs runBroadcasts without a time budget, so one virtual minute may ' +
      'queue every page. Logs silenced. Timed from the resolve request to the last email SES local accepted.',
    subscribers,
    pageSize: 100,
    seedSeconds: round(seedSeconds),
    virtualMinutes,
    perMinute: minutes,
    minuteJobDone: jobDone,
    /** Resolve + minute job(s): every page of subscribers in the outbox. */
    minuteJobSeconds: round(jobSeconds),
    outboxItems: outboxed,
    /** When the relay put the last notice on a queue, from the resolve. */
    relayedSeconds: round((seen.lastRelayAt - started) / 1000),
    firstMailSeconds: round((seen.firstEmailAt - started) / 1000),
    deliveredSeconds: round(deliveredSeconds),
    mailsPerSecond: Math.round(mailsReceived / deliveredSeconds),
    notifyConsumers: queues.customerNotices.maxConcurrency,
    mailsReceived,
    distinctRecipients,
    duplicates,
    missing,
    mailsWithPublicTitle: held.withTitle,
    mailsToOthers: held.others,
    mailsAfterDone: afterDone,
    ...(stalled ? { stalledAfterSeconds: 60, customerQueue: await customerQueue(stack) } : {}),
    withinTenMinutes: correct && virtualMinutes <= 10 && deliveredSeconds <= TEN_MINUTES_S,
  };
}

export async function broadcastBench(opts: { subscribers?: number; log?: (line: string) => void } = {}) {
  const subscribers = opts.subscribers ?? Number(process.env.BROADCAST_BENCH_SUBSCRIBERS ?? 10_000);
  const log = opts.log ?? ((line: string) => console.error(line));
  const { seen, onClient } = watch();
  const stack = await startTestStack({ clock: new VirtualClock(T0), schedule: false, onClient });
  // SES local's store is one per process: what the benches before this one sent is in it.
  await fetch(`${stack.endpoints.ses}/clear-store`, { method: 'POST' });
  const logLevel = logger.getLevelName();
  logger.setLogLevel('SILENT');
  try {
    return (await countingLogs(() => measure(stack, seen, subscribers, log), [process.stdout])).result;
  } finally {
    logger.setLogLevel(logLevel);
    await stack.stop();
  }
}

// `npx tsx bench/broadcast.ts` runs it alone and prints the numbers.
if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await broadcastBench(), null, 2));
}
