/**
 * Drives the loop on a local stack and audits it afterwards: what was accepted, what triage made
 * of it, which notices SES local received. Shared by the fault scenarios and the load test.
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { expect } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { caseIdFor } from '../../shared/domain/case.ts';
import { noticeKey } from '../../shared/repository/notice-item.ts';
import { eventually } from '../support/local-stack.ts';

export type Item = Record<string, unknown> & { pk: string; sk: string; type?: string };

export async function scanAll(stack: LocalStack): Promise<Item[]> {
  const items: Item[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await stack.db.send(
      new ScanCommand({ TableName: stack.tableName, ExclusiveStartKey: start, ConsistentRead: true }),
    );
    items.push(...((page.Items ?? []) as Item[]));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/** A critical detractor with contact consent: one case, a customer notice and a staff notice to two people. */
export const criticalFeedback = (i: number) => ({
  siteId: 'shop-jp',
  touchpoint: 'checkout_abandonment',
  channel: 'web',
  rating: { type: 'nps', score: i % 4 },
  comment: `二重請求されました (#${i})`,
  reasons: ['payment_method_unavailable'],
  customer: {
    email: `customer${i}@example.jp`,
    name: `お客様 ${i}`,
    locale: i % 2 ? 'ja' : 'en',
    contactConsent: true,
  },
  context: { orderId: `A-${i}` },
});

export interface PostOutcome {
  /** feedbackId of every 202 (the accepted set). */
  accepted: Set<string>;
  /** 503 answers retried with the same Idempotency-Key, as the contract tells clients to. */
  retried: number;
  /** Answers that were neither 202 nor 503 (must stay 0). */
  unexpected: number;
}

/** Posts `n` feedback (`concurrency` at a time), each with its own Idempotency-Key, retrying 503s. */
export async function postMany(
  stack: LocalStack,
  n: number,
  opts: { prefix: string; concurrency?: number; body?: (i: number) => unknown },
): Promise<PostOutcome> {
  const site = stack.sites.find((s) => s.siteId === 'shop-jp')!;
  const out: PostOutcome = { accepted: new Set(), retried: 0, unexpected: 0 };
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < n; i = next++) {
      for (let attempt = 1; ; attempt++) {
        const response = await fetch(`${stack.url}/v1/feedback`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            // The shop's backend vouches for its customers, so their notices go out without a confirmation.
            'x-server-key': site.serverKey,
            'idempotency-key': `${opts.prefix}-${i}`,
          },
          body: JSON.stringify((opts.body ?? criticalFeedback)(i)),
        });
        const answer = (await response.json()) as { feedbackId?: string };
        if (response.status === 202 && answer.feedbackId) {
          out.accepted.add(answer.feedbackId);
          break;
        }
        if (response.status === 503 && attempt < 20) {
          out.retried++;
          await new Promise((r) => setTimeout(r, 20 * attempt));
          continue;
        }
        out.unexpected++;
        break;
      }
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency ?? 8 }, worker));
  return out;
}

interface SesEmail {
  destination?: { to?: string[] };
  subject?: string;
}

export async function sesEmails(stack: LocalStack): Promise<{ to: string; subject: string }[]> {
  const response = await fetch(`${stack.endpoints.ses}/store`);
  const { emails = [] } = (await response.json()) as { emails?: SesEmail[] };
  return emails.flatMap((e) => (e.destination?.to ?? []).map((to) => ({ to, subject: e.subject ?? '' })));
}

async function queueDepths(stack: LocalStack) {
  const depth = async (name: string) =>
    (await (await fetch(`${stack.url}/__local/queues/${name}`)).json()) as {
      visible: number;
      inFlight: number;
      deadLettered: number;
    };
  const [staff, customer] = [await depth('notify'), await depth('notify-customer')];
  const notify = {
    visible: staff.visible + customer.visible,
    inFlight: staff.inFlight + customer.inFlight,
    deadLettered: staff.deadLettered + customer.deadLettered,
  };
  return { triage: await depth('triage'), notify };
}

export interface LoopCounts {
  /** Feedback accepted (202) by the API. */
  accepted: number;
  /** Feedback items in the table (must equal `accepted`). */
  stored: number;
  /** Feedback with a TRIAGED marker. */
  triaged: number;
  /** Cases: one per accepted feedback (every scenario's feedback opens one). */
  cases: number;
  /** Accepted feedback without its case. */
  lostCases: number;
  /** Cases whose timeline says `opened` more than once. */
  doubledCases: number;
  /** Sum of the weekly `responses` counters (must equal `accepted`: counted once). */
  counted: number;
  /** Emails the outbox asked for (notice × recipient), less those folded into a staff digest. */
  emailsExpected: number;
  /** Staff alerts settled `batched`: the window's digest carries them (flood containment). */
  emailsBatched: number;
  /** Notices settled `erased`: asked for before their case's customer data was erased, never sent. */
  emailsErased: number;
  /** Batched alerts with no entry in any window's digest (must stay 0: that would be a lost alert). */
  batchedUnlisted: number;
  /** Emails SES local received. */
  emailsSent: number;
  /** Same recipient + subject received more than once. */
  emailsDoubled: number;
  /** Asked for, never received. */
  emailsLost: number;
  /** Messages in the triage and notify DLQs. */
  deadLettered: number;
  /** Notices × recipients whose claim was never settled (`sending`, `released`) or never made. */
  claimsUnsettled: number;
  claimsMissing: number;
  /** Settled notices about a case whose `notice_sent` event is not on that case's timeline. */
  timelineNoticesMissing: number;
}

/** Everything the loop wrote, reduced to the counts of the invariants. */
export async function auditLoop(stack: LocalStack, accepted: Set<string>): Promise<LoopCounts> {
  return (await audit(stack, accepted)).counts;
}

/** The audit, and for a loop that did not settle what to look at: claims not sent, by status. */
async function audit(
  stack: LocalStack,
  accepted: Set<string>,
): Promise<{ counts: LoopCounts; unsentClaims: Record<string, number> }> {
  const items = await scanAll(stack);
  const of = (type: string) => items.filter((i) => i.type === type);
  const feedbackIds = new Set(of('feedback').map((i) => i.feedbackId as string));
  const triaged = of('triaged').length;
  const caseIds = new Set(of('case').map((i) => i.caseId as string));
  const openedCounts = of('event')
    .filter((e) => e.eventType === 'opened')
    .reduce((m, e) => m.set(e.pk, (m.get(e.pk) ?? 0) + 1), new Map<string, number>());
  const counted = of('metric')
    .filter((m) => m.dimension === 'combined')
    .reduce((sum, m) => sum + Number(m.responses ?? 0), 0);
  const wanted = of('outbox')
    .filter((o) => o.target === 'notify')
    .flatMap((o) => {
      const m = o.message as { noticeId: string; to: { email: string }[] };
      return m.to.map((r) => noticeKey(m.noticeId, r.email));
    });
  const ledger = new Map(of('notice').map((n) => [`${n.pk}|${n.sk}`, n.status as string]));
  const claims = wanted.map((k) => ledger.get(`${k.pk}|${k.sk}`));
  const batched = of('notice').filter((n) => n.status === 'batched');
  const listed = new Set(
    of('burstEntry').map((e) => (e.entry as { case: { noticeId: string } }).case.noticeId),
  );
  const emailsBatched = claims.filter((c) => c === 'batched').length;
  const emailsErased = claims.filter((c) => c === 'erased').length;
  const emailsExpected = wanted.length - emailsBatched - emailsErased;
  const emails = await sesEmails(stack);
  const distinct = new Set(emails.map((e) => `${e.to}|${e.subject}`));
  const depths = await queueDepths(stack);
  const unsentClaims: Record<string, number> = {};
  for (const c of claims) if (c !== 'sent') unsentClaims[String(c)] = (unsentClaims[String(c)] ?? 0) + 1;
  const counts: LoopCounts = {
    accepted: accepted.size,
    stored: feedbackIds.size,
    triaged,
    cases: caseIds.size,
    lostCases: [...accepted].filter((id) => !caseIds.has(caseIdFor(id))).length,
    doubledCases: [...openedCounts.values()].filter((n) => n > 1).length,
    counted,
    emailsExpected,
    emailsBatched,
    emailsErased,
    batchedUnlisted: batched.filter((n) => !listed.has(n.noticeId as string)).length,
    emailsSent: emails.length,
    emailsDoubled: emails.length - distinct.size,
    emailsLost: Math.max(0, emailsExpected - distinct.size),
    deadLettered: depths.triage.deadLettered + depths.notify.deadLettered,
    claimsUnsettled: claims.filter((c) => c === 'sending' || c === 'released').length,
    claimsMissing: claims.filter((c) => c === undefined).length,
    timelineNoticesMissing: Math.max(
      0,
      of('notice').filter((n) => n.caseId !== undefined && n.status !== 'sending').length -
        of('event').filter((e) => e.eventType === 'notice_sent').length,
    ),
  };
  return { counts, unsentClaims };
}

/**
 * Waits until the loop is quiet (every accepted feedback triaged, every asked-for email either
 * received or dead-lettered, both queues empty), then answers the audit.
 */
export async function settle(
  stack: LocalStack,
  accepted: Set<string>,
  timeoutMs = 120_000,
): Promise<LoopCounts> {
  try {
    await quiet(stack, accepted, timeoutMs);
    // Audited again once the queues were seen empty: every handler that claimed a notice has returned.
    return await auditLoop(stack, accepted);
  } catch (error) {
    const { counts, unsentClaims } = await audit(stack, accepted);
    const depths = await queueDepths(stack);
    throw new Error(`the loop did not settle: ${JSON.stringify({ counts, unsentClaims, depths })}`, {
      cause: error,
    });
  }
}

function quiet(stack: LocalStack, accepted: Set<string>, timeoutMs: number): Promise<LoopCounts> {
  return eventually(
    async () => {
      const counts = await auditLoop(stack, accepted);
      const depths = await queueDepths(stack);
      expect(counts.triaged).toBeGreaterThanOrEqual(counts.accepted);
      expect(counts.claimsMissing).toBe(0);
      expect(counts.emailsSent - counts.emailsDoubled).toBeGreaterThanOrEqual(
        counts.emailsExpected - counts.deadLettered,
      );
      expect(
        depths.triage.visible + depths.triage.inFlight + depths.notify.visible + depths.notify.inFlight,
      ).toBe(0);
      return counts;
    },
    timeoutMs,
    250,
  );
}

/** Waits until both queues are empty and every accepted feedback is triaged (claims may stay open). */
export async function drained(stack: LocalStack, accepted: Set<string>, timeoutMs = 120_000): Promise<void> {
  await eventually(
    async () => {
      const depths = await queueDepths(stack);
      expect((await auditLoop(stack, accepted)).triaged).toBeGreaterThanOrEqual(accepted.size);
      expect(
        depths.triage.visible + depths.triage.inFlight + depths.notify.visible + depths.notify.inFlight,
      ).toBe(0);
    },
    timeoutMs,
    250,
  );
}

/** The invariants every scenario ends with. */
export function expectLoopIntact(counts: LoopCounts): void {
  expect(counts.accepted).toBeGreaterThan(0);
  expect(counts).toMatchObject({
    stored: counts.accepted,
    triaged: counts.accepted,
    cases: counts.accepted,
    lostCases: 0,
    doubledCases: 0,
    counted: counts.accepted,
    emailsSent: counts.emailsExpected,
    emailsDoubled: 0,
    emailsLost: 0,
    batchedUnlisted: 0,
    deadLettered: 0,
    timelineNoticesMissing: 0,
  });
}
