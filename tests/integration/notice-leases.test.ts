import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_LEASES } from '../../core/notices/leases.ts';
import { makeNoticeReconcilerHandler } from '../../functions/notice-reconciler/handler.ts';
import type { LocalStack } from '../../infra/local/stack.ts';
import { dynamoNoticeLedger } from '../../shared/adapters/notice-store.ts';
import { VirtualClock } from '../../shared/clock.ts';
import { MINUTE_MS } from '../../shared/domain/time.ts';
import type { NoticeRequested } from '../../shared/events/notice-requested.ts';
import { casePk, toCaseItem } from '../../shared/repository/case-item.ts';
import { noticeKey } from '../../shared/repository/notice-item.ts';
import { drainQueue, eventually, startTestStack } from '../support/local-stack.ts';
import { sampleCase, sqsRecord, staffNotice, staffTanaka } from '../support/notices.ts';
import { dyingSender, stackNotifyHandler } from '../support/stack-notify.ts';

/**
 * A notice claim is a lease (docs/design.md#notices): a sender that dies after SES took the mail is
 * settled by SES's send event (here SES local's answer, infra/local/send-events.ts); one that dies
 * before is queued again once by the reconciler after 15 minutes, and a second lease that runs
 * out ends `failed`. DynamoDB Local, fauxqs and SES local; the notify pump is started by the tests.
 */
let stack: LocalStack;
beforeAll(async () => {
  stack = await startTestStack({
    clock: new VirtualClock(new Date('2026-11-18T01:00:00.000Z')),
    schedule: false,
    pumps: false,
  });
  await fetch(`${stack.endpoints.ses}/clear-store`, { method: 'POST' });
});
afterAll(async () => {
  await stack?.stop();
});

let n = 0;
/** A case and its staff_new_critical notice to tanaka. */
async function caseWithNotice(): Promise<{ caseId: string; notice: NoticeRequested }> {
  const caseId = `case_lease_${++n}`;
  const now = stack.clock.now().toISOString();
  await stack.db.send(
    new PutCommand({
      TableName: stack.tableName,
      Item: toCaseItem(sampleCase({ caseId, feedbackId: `fb_lease_${n}`, createdAt: now, updatedAt: now })),
    }),
  );
  return { caseId, notice: staffNotice({ requestedAt: now }, caseId) };
}

/** Hands the notice to a sender that dies; resolves once it has died (its invocation never ends). */
async function dieDelivering(notice: NoticeRequested, moment: 'before_send' | 'after_send') {
  const dying = dyingSender(moment);
  void stackNotifyHandler(stack, dying.wrap)({ Records: [sqsRecord(notice, `m-${notice.noticeId}`)] });
  await eventually(() => expect(dying.died).toHaveLength(1));
  await stack.sendEventsIdle();
}

const claimOf = async (notice: NoticeRequested) =>
  (
    await stack.db.send(
      new QueryCommand({
        TableName: stack.tableName,
        KeyConditionExpression: 'pk = :pk AND sk = :sk',
        ExpressionAttributeValues: {
          ':pk': noticeKey(notice.noticeId, staffTanaka.email).pk,
          ':sk': noticeKey(notice.noticeId, staffTanaka.email).sk,
        },
        ConsistentRead: true,
      }),
    )
  ).Items?.[0];

const sentEvents = async (caseId: string) =>
  (
    await stack.db.send(
      new QueryCommand({
        TableName: stack.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :ev)',
        ExpressionAttributeValues: { ':pk': casePk(caseId), ':ev': 'EVENT#' },
        ConsistentRead: true,
      }),
    )
  ).Items?.filter((e) => e.eventType === 'notice_sent') ?? [];

const mailsAbout = async (caseId: string) => {
  const { emails } = (await (await fetch(`${stack.endpoints.ses}/store`)).json()) as {
    emails: { subject: string }[];
  };
  return emails.filter((m) => m.subject.includes(caseId)).length;
};

const passMinutes = (minutes: number) => stack.clock.advance(minutes * MINUTE_MS);

/** Delivers what is on the staff queue with the stack's own notify handler, until it is empty. */
async function deliverQueued(): Promise<number> {
  const bodies = await drainQueue(stack.sqs, stack.queues.staffNotices.url);
  const notify = stackNotifyHandler(stack);
  for (const [i, body] of bodies.entries()) await notify({ Records: [sqsRecord(body, `q-${i}`)] });
  await stack.sendEventsIdle();
  return bodies.length;
}

describe('notice leases', () => {
  it('settles the claim of a sender that died after SES took the mail as sent, from the send event', async () => {
    const { caseId, notice } = await caseWithNotice();

    await dieDelivering(notice, 'after_send');

    expect(await claimOf(notice)).toMatchObject({ status: 'sent', leases: 1 });
    expect((await claimOf(notice))?.timerShard).toBeUndefined();
    expect(await sentEvents(caseId)).toMatchObject([{ data: { status: 'sent', noticeId: notice.noticeId } }]);
    passMinutes(20);
    expect(await stack.reconcileNotices()).toMatchObject({ due: 0, requeued: 0 });
    expect(await mailsAbout(caseId)).toBe(1);
  });

  it('leaves a live lease alone and queues the notice again once it ran out, so it is sent once', async () => {
    const { caseId, notice } = await caseWithNotice();
    await dieDelivering(notice, 'before_send');
    expect(await claimOf(notice)).toMatchObject({ status: 'sending', leases: 1 });

    passMinutes(10);
    const early = await stack.reconcileNotices();
    passMinutes(6);
    const late = await stack.reconcileNotices();
    const delivered = await deliverQueued();

    expect(early).toMatchObject({ due: 0, requeued: 0 });
    expect(late).toMatchObject({ due: 1, requeued: 1 });
    expect(delivered).toBe(1);
    expect(await mailsAbout(caseId)).toBe(1);
    expect(await claimOf(notice)).toMatchObject({ status: 'sent', leases: 2 });
    expect(await sentEvents(caseId)).toHaveLength(1);
    passMinutes(20);
    expect(await stack.reconcileNotices()).toMatchObject({ due: 0 });
  });

  it(`fails a notice whose ${MAX_LEASES}nd lease ran out too, on the ledger and the timeline`, async () => {
    const { caseId, notice } = await caseWithNotice();
    await dieDelivering(notice, 'before_send');
    passMinutes(16);
    await stack.reconcileNotices();
    const [requeued] = await drainQueue(stack.sqs, stack.queues.staffNotices.url);
    await dieDelivering(requeued as NoticeRequested, 'before_send');

    passMinutes(16);
    const result = await stack.reconcileNotices();

    expect(result).toMatchObject({ due: 1, failed: 1, requeued: 0 });
    expect(await claimOf(notice)).toMatchObject({ status: 'failed', leases: 2 });
    expect((await claimOf(notice))?.notice).toBeUndefined();
    expect(await sentEvents(caseId)).toMatchObject([
      { data: { status: 'failed', error: expect.stringContaining('no send event') } },
    ]);
    expect(await mailsAbout(caseId)).toBe(0);
  });

  it('queues each notice once when two reconcilers run at once, and a third run finds nothing to do', async () => {
    const cases = await Promise.all([1, 2, 3, 4].map(() => caseWithNotice()));
    for (const { notice } of cases) await dieDelivering(notice, 'before_send');
    passMinutes(16);

    const [a, b] = await Promise.all([stack.reconcileNotices(), stack.reconcileNotices()]);
    const again = await stack.reconcileNotices();
    const delivered = await deliverQueued();

    expect(a.requeued + b.requeued).toBe(4);
    expect(again).toMatchObject({ due: 0 });
    expect(delivered).toBe(4);
    for (const { caseId } of cases) expect(await mailsAbout(caseId)).toBe(1);
  });

  it('queues a claim it released but could not queue on its next run after the lease', async () => {
    const { caseId, notice } = await caseWithNotice();
    await dieDelivering(notice, 'before_send');
    passMinutes(16);
    const failing = makeNoticeReconcilerHandler({
      ledger: dynamoNoticeLedger(stack.db, stack.tableName),
      requeue: async () => {
        throw new Error('SQS unavailable');
      },
      clock: stack.clock,
    });

    const cut = await failing();
    passMinutes(16);
    const resumed = await stack.reconcileNotices();
    await deliverQueued();

    expect(cut).toMatchObject({ due: 1, requeued: 0, errors: 1 });
    expect(resumed).toMatchObject({ due: 1, requeued: 1 });
    expect(await mailsAbout(caseId)).toBe(1);
    expect(await claimOf(notice)).toMatchObject({ status: 'sent' });
  });

  it('sends a redelivered message nothing while another delivery holds the lease', async () => {
    const { caseId, notice } = await caseWithNotice();
    await dieDelivering(notice, 'before_send');

    const redelivered = await stackNotifyHandler(stack)({ Records: [sqsRecord(notice, 'm-again')] });

    expect(redelivered.batchItemFailures).toEqual([]);
    expect(await mailsAbout(caseId)).toBe(0);
    expect(await claimOf(notice)).toMatchObject({ status: 'sending' });
    // Settled by the reconciler after the lease, as above, so no claim is left open.
    passMinutes(16);
    await stack.reconcileNotices();
    await deliverQueued();
    expect(await mailsAbout(caseId)).toBe(1);
  });
});
