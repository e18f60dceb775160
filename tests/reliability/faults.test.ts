import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { SweepResult } from '../../core/cases/sla-sweep.ts';
import type { ReconcileResult } from '../../core/delivery/reconcile.ts';
import { makeTriageHandler } from '../../functions/triage/handler.ts';
import { localQueueArn } from '../../infra/local/peers.ts';
import { QueuePump } from '../../infra/local/queue-pump.ts';
import type { ClientName, LocalStack, LocalStackOptions } from '../../infra/local/stack.ts';
import {
  dynamoAssignmentReader,
  dynamoFeedbackReader,
  dynamoTriageStore,
} from '../../shared/adapters/triage-store.ts';
import { VirtualClock } from '../../shared/clock.ts';
import { type LinkAction, signLink } from '../../shared/domain/signed-link.ts';
import { HOUR_MS, MINUTE_MS } from '../../shared/domain/time.ts';
import { queues } from '../../shared/queues.ts';
import {
  crashingMidBatch,
  dyingMidSend,
  emailKey,
  errors,
  FaultInjector,
  type WithMiddleware,
} from '../support/faults.ts';
import { countItems, eventually, startTestStack } from '../support/local-stack.ts';
import { actionTokens } from '../support/notices.ts';
import { stackNotifyHandler } from '../support/stack-notify.ts';
import { auditLoop, drained, expectLoopIntact, type LoopCounts, postMany, scanAll, settle } from './loop.ts';
import { recordSection, table } from './report.ts';
import { sizes } from './sizes.ts';

/**
 * Invariants 1 and 5 under injected faults: each scenario starts a fresh local stack with
 * injectors on its SDK clients, posts feedback (critical detractors with contact consent: each
 * opens a case and asks for three emails), lets the loop settle and audits the table and SES
 * local's store. The clock is virtual and stands on a Tuesday 09:30 JST, so no SLA step is due
 * unless a scenario moves it.
 */
const opened = new Date('2026-11-24T00:30:00.000Z');
const figures: Record<string, Record<string, number>> = {};
let stack: LocalStack | undefined;
const extraPumps: QueuePump[] = [];

afterEach(async () => {
  for (const pump of extraPumps.splice(0)) await pump.stop();
  await stack?.stop();
  stack = undefined;
});
afterAll(() => {
  const rows = Object.fromEntries(
    Object.entries(figures).map(([name, f]) => {
      const { seconds, ...rest } = f;
      const audit = Object.fromEntries(Object.entries(rest).filter(([k]) => auditColumns.has(k)));
      const injected = Object.entries(rest)
        .filter(([k]) => !auditColumns.has(k))
        .map(([k, v]) => `${k}=${v}`)
        .join(' ');
      return [name, { ...audit, seconds, injected }];
    }),
  );
  console.log(table('Fault scenarios', rows));
  // Only a complete set of figures goes to bench/results.json.
  if (Object.keys(figures).length === scenarios) recordSection('faults', figures);
});
const scenarios = 12;
const auditColumns = new Set([
  'accepted',
  'stored',
  'triaged',
  'cases',
  'lostCases',
  'doubledCases',
  'counted',
  'emailsExpected',
  'emailsSent',
  'emailsDoubled',
  'emailsLost',
  'deadLettered',
  'claimsUnsettled',
]);

async function startWith(
  injectors: Partial<Record<ClientName, FaultInjector>>,
  over: Partial<LocalStackOptions> = {},
): Promise<LocalStack> {
  stack = await startTestStack({
    clock: new VirtualClock(opened),
    schedule: false,
    onClient: (name, client) => injectors[name]?.attach(client as unknown as WithMiddleware),
    ...over,
  });
  // SES local keeps one store per process: start each scenario's count from zero.
  await fetch(`${stack.endpoints.ses}/clear-store`, { method: 'POST' });
  return stack;
}

function record(name: string, counts: LoopCounts, startedAt: number, extra: Record<string, number>) {
  figures[name] = { ...counts, ...extra, seconds: Math.round((performance.now() - startedAt) / 100) / 10 };
}

const triageArn = localQueueArn('triage');

/** functions/triage's handler over the stack's table: another consumer of the same queue. */
function triageHandler(s: LocalStack) {
  return makeTriageHandler({
    feedback: dynamoFeedbackReader(s.db, s.tableName),
    assignments: dynamoAssignmentReader(s.db, s.tableName),
    store: dynamoTriageStore(s.db, s.tableName, s.config.service.retentionDays),
    clock: s.clock,
    config: s.config,
  });
}

const dynamoWrites = [
  'PutItemCommand',
  'TransactWriteItemsCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
];
const dynamoCalls = [...dynamoWrites, 'GetItemCommand', 'QueryCommand', 'BatchGetItemCommand'];

describe('the loop under injected faults (invariants 1 and 5)', () => {
  it('triages every accepted feedback once and sends every notice once when SQS sends fail and lag', async () => {
    const t0 = performance.now();
    const sqs = new FaultInjector('sqs', 11);
    const failed = sqs.add({
      commands: ['SendMessageCommand'],
      rate: 0.3,
      error: [errors.sqsUnavailable, errors.sqsInternal],
    });
    const delayed = sqs.add({ commands: ['SendMessageCommand'], effect: 'delay', rate: 0.3, delayMs: 150 });
    const s = await startWith({ sqs });

    const posted = await postMany(s, sizes.feedbackPerScenario, { prefix: 'sqs' });
    const counts = await settle(s, posted.accepted);

    record('sqs-send-faults', counts, t0, { sendsFailed: failed.hits, sendsDelayed: delayed.hits });
    expect(posted.unexpected).toBe(0);
    expect(failed.hits).toBeGreaterThan(0);
    expectLoopIntact(counts);
  });

  it('triages every accepted feedback once and sends every notice once when DynamoDB throttles', async () => {
    const t0 = performance.now();
    const dynamodb = new FaultInjector('dynamodb', 22);
    // Throttled attempts the SDK retries (as in AWS), and some the code itself sees.
    const wire = dynamodb.add({
      commands: dynamoCalls,
      layer: 'wire',
      rate: 0.08,
      error: [errors.dynamoThrottled, errors.dynamoThrottling],
    });
    const app = dynamodb.add({
      commands: dynamoCalls,
      rate: 0.03,
      error: [errors.dynamoThrottling, errors.dynamoThrottled],
    });
    const streams = new FaultInjector('streams', 23);
    const reads = streams.add({
      commands: ['GetRecordsCommand'],
      rate: 0.2,
      error: [() => Object.assign(errors.dynamoThrottling(), { name: 'LimitExceededException' })],
    });
    const s = await startWith({ dynamodb, streams });

    const posted = await postMany(s, sizes.feedbackPerScenario, { prefix: 'ddb' });
    const counts = await settle(s, posted.accepted);

    record('dynamodb-throttling', counts, t0, {
      ingest503Retried: posted.retried,
      throttledAttempts: wire.hits,
      throttledCalls: app.hits,
      streamReadsThrottled: reads.hits,
    });
    expect(posted.unexpected).toBe(0);
    expect(app.hits).toBeGreaterThan(0);
    expectLoopIntact(counts);
  });

  it('opens one case per feedback when two triage consumers race on duplicated deliveries', async () => {
    const t0 = performance.now();
    const sqs = new FaultInjector('sqs', 33);
    let triageUrl = '';
    const doubled = sqs.add({
      commands: ['SendMessageCommand'],
      effect: 'duplicate',
      match: (input) => input.QueueUrl === triageUrl,
    });
    const s = await startWith({ sqs }, { pumps: false });
    triageUrl = s.queues.triage.url;
    // A second consumer of the triage queue (Lambda runs batches concurrently), both with batches of 10.
    const second = new QueuePump(s.sqs, s.queues.triage.url, triageArn, triageHandler(s), { batchSize: 10 });
    extraPumps.push(second);
    s.streamPump.start();
    s.triagePump.start();
    second.start();
    s.notifyPump.start();

    const posted = await postMany(s, sizes.feedbackPerScenario, { prefix: 'race' });
    const counts = await settle(s, posted.accepted);

    record('triage-race', counts, t0, { duplicateDeliveries: doubled.hits });
    expect(doubled.hits).toBeGreaterThanOrEqual(counts.accepted);
    expectLoopIntact(counts);
  });

  it('sends every notice once when SES throttles and answers 5xx', async () => {
    const t0 = performance.now();
    const ses = new FaultInjector('ses', 44);
    // Per email (recipient + subject): its first 0–3 attempts are refused, so every email needs
    // retries of its own but none exhausts the notify queue's 8 receives.
    const refused = ses.add({
      commands: ['SendEmailCommand'],
      key: emailKey,
      error: [errors.sesThrottled, errors.ses5xx, errors.sesThrottled, errors.ses503, errors.bad502],
    });
    const s = await startWith({ ses });

    const posted = await postMany(s, sizes.feedbackPerScenario, { prefix: 'ses' });
    const counts = await settle(s, posted.accepted);

    record('ses-throttling-5xx', counts, t0, { sesRefused: refused.hits });
    expect(refused.hits).toBeGreaterThan(counts.emailsExpected / 2);
    expectLoopIntact(counts);
  });

  it('handles a batch again after a crash in its middle without a second case or email', async () => {
    const t0 = performance.now();
    const s = await startWith({}, { pumps: false });
    const triage = crashingMidBatch(triageHandler(s), { seed: 55, rate: 0.5 });
    const notify = crashingMidBatch(stackNotifyHandler(s), { seed: 56, rate: 0.5 });
    extraPumps.push(
      new QueuePump(s.sqs, s.queues.triage.url, triageArn, triage, { batchSize: 10 }),
      ...(['staffNotices', 'customerNotices'] as const).map(
        (key) =>
          new QueuePump(s.sqs, s.queues[key].url, localQueueArn(queues[key].name), notify, { batchSize: 10 }),
      ),
    );
    for (const pump of extraPumps) pump.start();
    s.streamPump.start();

    const posted = await postMany(s, sizes.feedbackPerScenario, { prefix: 'crash', concurrency: 16 });
    const counts = await settle(s, posted.accepted);

    record('crash-mid-batch', counts, t0, {
      triageCrashes: triage.crashes,
      triageReplayed: triage.replayed,
      notifyCrashes: notify.crashes,
      notifyReplayed: notify.replayed,
    });
    expect(triage.crashes + notify.crashes).toBeGreaterThan(0);
    expectLoopIntact(counts);
  });

  it('keeps every write and email once when DynamoDB applies a write but its answer is lost', async () => {
    const t0 = performance.now();
    const dynamodb = new FaultInjector('dynamodb', 66);
    // A 500 after DynamoDB applied the write: the SDK retries a write that already happened.
    const lost = dynamodb.add({
      commands: dynamoWrites,
      layer: 'wire',
      effect: 'lose_response',
      rate: 0.1,
      error: [() => Object.assign(errors.ses5xx(), { name: 'InternalServerError' })],
    });
    const s = await startWith({ dynamodb });

    const posted = await postMany(s, sizes.feedbackPerScenario, { prefix: 'lost' });
    const counts = await settle(s, posted.accepted);

    record('dynamodb-lost-answers', counts, t0, { answersLost: lost.hits, ingest503Retried: posted.retried });
    expect(posted.unexpected).toBe(0);
    expect(lost.hits).toBeGreaterThan(0);
    expectLoopIntact(counts);
  });
});

describe('notices whose sender dies, and notices about erased customers (invariant 5)', () => {
  it('sends every notice once when senders die after claiming it, before or after SES took the mail', async () => {
    const t0 = performance.now();
    const s = await startWith({}, { pumps: false });
    const dying = dyingMidSend({ seed: 88, rate: 0.5 });
    const notify = dying.around(stackNotifyHandler(s, dying.wrap));
    extraPumps.push(
      ...(['staffNotices', 'customerNotices'] as const).map(
        (key) =>
          new QueuePump(s.sqs, s.queues[key].url, localQueueArn(queues[key].name), notify, { batchSize: 10 }),
      ),
    );
    for (const pump of extraPumps) pump.start();
    s.streamPump.start();
    s.triagePump.start();

    const posted = await postMany(s, sizes.feedbackPerScenario, { prefix: 'dying' });
    await drained(s, posted.accepted);
    await s.sendEventsIdle();
    // The leases run out; the reconciler (every 5 minutes in AWS) queues what no send event settled.
    s.clock.advance(16 * MINUTE_MS);
    const first = await s.reconcileNotices();
    await drained(s, posted.accepted);
    s.clock.advance(16 * MINUTE_MS);
    const second = await s.reconcileNotices();
    const counts = await settle(s, posted.accepted);

    record('notify-crash-after-claim', counts, t0, {
      diedBeforeSend: dying.before,
      diedAfterSend: dying.after,
      queuedAgain: first.requeued,
      leasesFailed: first.failed + second.failed,
    });
    expect(dying.before).toBeGreaterThan(0);
    expect(dying.after).toBeGreaterThan(0);
    expect(first).toMatchObject({ requeued: dying.before, failed: 0, errors: 0 });
    expect(second.due).toBe(0);
    expect(counts.claimsUnsettled).toBe(0);
    expectLoopIntact(counts);
  });

  it('sends nothing about customers erased while their notices waited, and the rest once', async () => {
    const t0 = performance.now();
    const s = await startWith({}, { pumps: false });
    s.streamPump.start();
    s.triagePump.start();
    const posted = await postMany(s, sizes.feedbackPerScenario, { prefix: 'erase' });
    // Every notice is on its queue, none delivered: as if notify was down, or they sat in a DLQ.
    await eventually(async () => {
      const items = await scanAll(s);
      const outbox = items.filter((i) => i.type === 'outbox' && i.target === 'notify').length;
      const queued = await Promise.all(
        ['notify', 'notify-customer'].map(
          async (q) =>
            ((await (await fetch(`${s.url}/__local/queues/${q}`)).json()) as { visible: number }).visible,
        ),
      );
      expect(items.filter((i) => i.type === 'triaged')).toHaveLength(posted.accepted.size);
      expect(queued[0]! + queued[1]!).toBe(outbox);
    }, 60_000);
    const erased = Array.from({ length: sizes.feedbackPerScenario }, (_, i) => i).filter((i) => i % 2 === 0);
    const { token } = (await (await fetch(`${s.url}/__local/token?admin=1`)).json()) as { token: string };
    for (const i of erased) {
      const response = await fetch(`${s.url}/v1/customers?email=customer${i}%40example.jp`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(response.status).toBe(200);
    }

    s.notifyPump.start();
    const counts = await settle(s, posted.accepted);
    const { emails } = (await (await fetch(`${s.endpoints.ses}/store`)).json()) as {
      emails: { destination: { to: string[] }; body: { text?: string; html?: string } }[];
    };
    const leaks = emails.filter((e) => {
      const text = `${e.destination.to.join(' ')} ${e.body.text ?? ''} ${e.body.html ?? ''}`;
      return erased.some(
        (i) =>
          text.includes(`(#${i})`) ||
          text.includes(`customer${i}@`) ||
          new RegExp(`お客様 ${i}(?!\\d)`).test(text),
      );
    }).length;

    const noticesErased = (await scanAll(s)).filter(
      (i) => i.type === 'notice' && i.status === 'erased',
    ).length;

    record('erased-customer-redrive', counts, t0, {
      customersErased: erased.length,
      noticesErased,
      emailsWithErasedText: leaks,
    });
    expect(noticesErased).toBeGreaterThanOrEqual(erased.length);
    expect(leaks).toBe(0);
    expectLoopIntact(counts);
  });
});

describe('reconciliation after the stream lost its records (invariants 1 and 5)', () => {
  it('makes one case per feedback and sends each notice once when the relay and the Pipe were down past stream retention', async () => {
    const t0 = performance.now();
    // Triage and notify run; the stream's two readers (the Pipe, the relay) do not.
    const s = await startWith({}, { pumps: false });
    s.triagePump.start();
    s.notifyPump.start();
    // The hourly reconciler has been running: it has a checkpoint from before the outage.
    await s.reconcile();

    const posted = await postMany(s, sizes.feedbackPerScenario, { prefix: 'retention' });
    // Past the stream's retention: it trims the feedback inserts nobody read. The next hourly run
    // and a hand run of the reconciler, at once, both re-queue the feedback.
    const feedbackRecordsLost = await s.streamPump.dropPending();
    s.clock.advance(HOUR_MS);
    const feedbackRuns = await Promise.all([s.reconcile(), s.reconcile()]);
    await eventually(
      async () => expect((await auditLoop(s, posted.accepted)).triaged).toBe(posted.accepted.size),
      120_000,
      250,
    );
    // The relay stays down past retention: the outbox inserts triage wrote are trimmed too.
    const outboxRecordsLost = await s.streamPump.dropPending();
    s.clock.advance(HOUR_MS);
    const outboxRuns = await Promise.all([s.reconcile(), s.reconcile()]);
    // The readers come back to an empty stream; a later run finds nothing left.
    s.streamPump.start();
    const counts = await settle(s, posted.accepted);
    const after = await s.reconcile();

    const sum = (runs: ReconcileResult[], key: 'feedbackRequeued' | 'outboxForwarded') =>
      runs.reduce((n, r) => n + r[key], 0);
    record('relay-down-past-stream-retention', counts, t0, {
      streamRecordsLost: feedbackRecordsLost + outboxRecordsLost,
      feedbackRequeued: sum(feedbackRuns, 'feedbackRequeued'),
      outboxForwarded: sum(outboxRuns, 'outboxForwarded'),
    });
    expect(posted.unexpected).toBe(0);
    expect(feedbackRecordsLost).toBeGreaterThanOrEqual(posted.accepted.size);
    expect(outboxRecordsLost).toBeGreaterThan(0);
    expect(sum(feedbackRuns, 'feedbackRequeued')).toBeGreaterThanOrEqual(posted.accepted.size);
    expect(sum(outboxRuns, 'outboxForwarded')).toBeGreaterThan(0);
    expect(after).toMatchObject({ feedbackRequeued: 0, outboxForwarded: 0 });
    expectLoopIntact(counts);
  });
});

describe('the SLA sweep under races and interruptions (invariants 5 and 6)', () => {
  /** Opens `n` critical cases, lets the loop settle, then moves the clock past warn (90 min) and breach (120 min). */
  async function dueCases(s: LocalStack, prefix: string) {
    const posted = await postMany(s, sizes.sweepCases, { prefix });
    await settle(s, posted.accepted);
    s.clock.advance(125 * 60_000);
    return posted;
  }

  /** Per case, how often each SLA step fired (by its timeline events). */
  async function stepFirings(s: LocalStack) {
    const firings = new Map<string, number>();
    for (const item of await scanAll(s)) {
      const stepId = (item.data as { stepId?: unknown } | undefined)?.stepId;
      if (item.type === 'event' && typeof stepId === 'string') {
        const key = `${item.pk}|${stepId}`;
        firings.set(key, (firings.get(key) ?? 0) + 1);
      }
    }
    return { steps: firings.size, doubled: [...firings.values()].filter((n) => n > 1).length };
  }

  it('fires each due step once when three sweeps race over the same cases', async () => {
    const t0 = performance.now();
    const s = await startWith({});
    const posted = await dueCases(s, 'sweeps');

    const now = s.clock.now();
    const runs = await Promise.all([s.sweepSla(now), s.sweepSla(now), s.sweepSla(now)]);
    const counts = await settle(s, posted.accepted);
    const { steps, doubled } = await stepFirings(s);

    const fired = runs.reduce((sum, r) => sum + r.fired.length, 0);
    record('sweep-race', counts, t0, {
      stepsDue: 2 * posted.accepted.size,
      stepsFired: fired,
      stepsDoubled: doubled,
      lostRaces: runs.reduce((sum, r) => sum + r.lost, 0),
    });
    expect(fired).toBe(2 * posted.accepted.size);
    expect(steps).toBe(2 * posted.accepted.size);
    expect(doubled).toBe(0);
    expectLoopIntact(counts);
  });

  it('fires the rest of the steps once when a sweep is interrupted halfway', async () => {
    const t0 = performance.now();
    const dynamodb = new FaultInjector('dynamodb', 77);
    let sweeping = false;
    // From the middle of the sweep on, every DynamoDB call fails: the run dies with part done.
    const cut = dynamodb.add({
      commands: dynamoCalls,
      when: () => sweeping,
      afterCalls: 16 + Math.round(1.5 * sizes.sweepCases),
      error: [errors.sqsUnavailable],
    });
    const s = await startWith({ dynamodb });
    const posted = await dueCases(s, 'cut');

    const now = s.clock.now();
    sweeping = true;
    const first: SweepResult = await s.sweepSla(now);
    sweeping = false;
    const second = await s.sweepSla(now);
    const third = await s.sweepSla(now);
    const counts = await settle(s, posted.accepted);
    const { steps, doubled } = await stepFirings(s);

    record('sweep-interrupted', counts, t0, {
      stepsDue: 2 * posted.accepted.size,
      firedBeforeCut: first.fired.length,
      failedAtCut: first.errors,
      firedAfter: second.fired.length,
      stepsDoubled: doubled,
      callsCut: cut.hits,
    });
    expect(first.errors).toBeGreaterThan(0);
    expect(first.fired.length).toBeGreaterThan(0);
    expect(first.fired.length + second.fired.length).toBe(2 * posted.accepted.size);
    expect(third).toMatchObject({ due: 0, fired: [], errors: 0 });
    expect(steps).toBe(2 * posted.accepted.size);
    expect(doubled).toBe(0);
    expectLoopIntact(counts);
  });
});

describe('links in emails across rotations of the link secret (invariants 8 and 10)', () => {
  interface Claimed {
    j: string;
    a: LinkAction;
    c?: string;
    m?: string;
    v?: string;
    l?: 'ja' | 'en';
    x: number;
  }
  /** What a token says (its payload, unchecked): to sort an email's links. */
  const claimed = (token: string) =>
    JSON.parse(Buffer.from(token.slice(0, token.indexOf('.')), 'base64url').toString('utf8')) as Claimed;

  /** Per case, the first link of `act` the emails carry (that `pick` accepts). */
  async function linksOf(s: LocalStack, act: LinkAction, pick: (c: Claimed) => boolean = () => true) {
    const mails = (await (await fetch(`${s.url}/__local/outbox`)).json()) as { text: string }[];
    const found = new Map<string, string>();
    for (const token of mails.flatMap((m) => actionTokens(m.text))) {
      const c = claimed(token);
      if (c.a === act && c.c && pick(c) && !found.has(c.c)) found.set(c.c, token);
    }
    return found;
  }

  /** The same claims for another case: with the link's own signature, and signed with a key nobody holds. */
  function forgeries(token: string, otherCase: string): string[] {
    const c = { ...claimed(token), c: otherCase };
    const payload = Buffer.from(JSON.stringify(c)).toString('base64url');
    const stranger = 'an-attackers-secret-of-at-least-32-characters';
    const { j, a, m, v, l, x } = c;
    return [
      `${payload}.${token.slice(token.indexOf('.') + 1)}`,
      signLink({ jti: j, act: a, caseId: otherCase, memberId: m, value: v, locale: l, exp: x }, stranger),
    ];
  }

  const press = (s: LocalStack, token: string, body = 'confirm=1') =>
    fetch(`${s.url}/v1/actions/${token}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    }).then((r) => r.status);

  /** Presses every link; answers how many answered `status`. */
  async function pressAll(s: LocalStack, tokens: string[], status: number, body?: string) {
    let answered = 0;
    for (const token of tokens) if ((await press(s, token, body)) === status) answered++;
    return answered;
  }

  async function statuses(s: LocalStack, caseIds: string[]) {
    const items = await scanAll(s);
    const byCase = new Map(items.filter((i) => i.type === 'case').map((i) => [i.caseId as string, i]));
    return caseIds.map((id) => byCase.get(id)?.status);
  }

  async function resolveAll(s: LocalStack, caseIds: string[]) {
    const token = s.jwt.sign({ memberId: 'admin', groups: ['admin'] }, s.clock.now());
    const items = await scanAll(s);
    for (const caseId of caseIds) {
      const found = items.find((i) => i.type === 'case' && i.caseId === caseId)!;
      const response = await fetch(`${s.url}/v1/cases/${caseId}/resolve`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'if-match': String(found.version),
        },
        body: JSON.stringify({
          customerMessage: '返金いたしました。',
          rootCause: 'double charge',
          actions: { internal: [], external: [] },
        }),
      });
      expect(response.status, caseId).toBe(200);
    }
  }

  it('acts on acknowledge, rate and unsubscribe links mailed before rotations, refuses forged ones, and loses or doubles no email', async () => {
    const t0 = performance.now();
    const s = await startWith({});
    const posted = await postMany(s, sizes.feedbackPerScenario, { prefix: 'rotate' });
    await settle(s, posted.accepted);
    const caseIds = [...(await linksOf(s, 'acknowledge')).keys()];
    const other = (i: number) => caseIds[(i + 1) % caseIds.length]!;
    const acknowledge = await linksOf(s, 'acknowledge');
    const unsubscribe = await linksOf(s, 'unsubscribe');
    expect(caseIds).toHaveLength(posted.accepted.size);

    // Rotation 1, and past the functions' 5-minute cache: the acknowledge links' secret is AWSPREVIOUS.
    await s.rotateLinkSecret();
    s.clock.advance(6 * 60_000);
    const forgedAcks = caseIds.flatMap((id, i) => forgeries(acknowledge.get(id)!, other(i)));
    let refused = await pressAll(s, forgedAcks, 403);
    expect(await statuses(s, caseIds)).toEqual(caseIds.map(() => 'open'));
    let acted = await pressAll(s, [...acknowledge.values()], 200);
    expect(await statuses(s, caseIds)).toEqual(caseIds.map(() => 'acknowledged'));

    // Resolved, and a week later the follow-up survey, signed with the value rotation 1 made.
    await resolveAll(s, caseIds);
    s.clock.advance(7 * 86_400_000 + 60_000);
    await s.sweepSla(s.clock.now());
    await settle(s, posted.accepted);
    const rate = await linksOf(s, 'rate', (c) => c.v === 'good' || c.v === '5');
    expect(rate.size).toBe(caseIds.length);

    // Rotation 2: the survey's secret is AWSPREVIOUS; the one that signed the first emails is gone.
    await s.rotateLinkSecret();
    s.clock.advance(6 * 60_000);
    refused += await pressAll(
      s,
      caseIds.flatMap((id, i) => forgeries(rate.get(id)!, other(i))),
      403,
    );
    acted += await pressAll(s, [...rate.values()], 200);
    expect(await statuses(s, caseIds)).toEqual(caseIds.map(() => 'closed'));
    // The notices the answers asked for go out before the unsubscribes: one still queued when its
    // address is suppressed is rightly not sent (`suppressed`), which the audit would count lost.
    await settle(s, posted.accepted);

    // Unsubscribe links from the very first emails: signed with their case's key, not the secret.
    const forgedUnsubscribes = caseIds.flatMap((id, i) => {
      const c = claimed(unsubscribe.get(id)!);
      const withSecret = signLink({ jti: c.j, act: 'unsubscribe', caseId: other(i), exp: c.x }, s.linkSecret);
      return [...forgeries(unsubscribe.get(id)!, other(i)), withSecret];
    });
    refused += await pressAll(s, forgedUnsubscribes, 403, 'List-Unsubscribe=One-Click');
    expect(await countItems(s, 'suppression')).toBe(0);
    acted += await pressAll(s, [...unsubscribe.values()], 200, 'List-Unsubscribe=One-Click');
    expect(await countItems(s, 'suppression')).toBe(caseIds.length);
    const counts = await settle(s, posted.accepted);

    record('link-key-rotation', counts, t0, {
      rotations: 2,
      linksActed: acted,
      forgedRefused: refused,
    });
    expect(acted).toBe(3 * caseIds.length);
    expect(refused).toBe(forgedAcks.length + 2 * caseIds.length + forgedUnsubscribes.length);
    expectLoopIntact(counts);
  });
});
