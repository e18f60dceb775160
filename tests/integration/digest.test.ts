import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { VirtualClock } from '../../shared/clock.ts';
import {
  answerSurvey,
  countItems,
  eventually,
  postFeedback,
  postImpressions,
  signUpInvited,
  startTestStack,
} from '../support/local-stack.ts';

/**
 * The weekly digest on the local stack: feedback arrives on Thursday 2026-11-19 (ISO week 47 in
 * Tokyo), the virtual clock moves past Monday 2026-11-23 09:00 JST, and the minute job queues one
 * digest per team; notify sends it through SES local. The orders team's week: three responses on
 * checkout abandonment (NPS 2 with a reason, NPS 10, CSAT 5), one critical case, unacknowledged
 * and overdue by Monday. The same Thursday two sign-ups get a survey invitation (one opens and
 * answers it) and the checkout page's widget shows its prompt 12 times.
 */
const start = new Date('2026-11-19T01:00:00.000Z'); // Thursday 10:00 JST
const jst = (local: string) => new Date(`${local.replace(' ', 'T')}:00+09:00`).toISOString();

interface Email {
  to: string[];
  subject: string;
  text: string;
  html: string;
}

let stack: LocalStack;
beforeAll(async () => {
  stack = await startTestStack({ clock: new VirtualClock(start), schedule: false });
});
afterAll(async () => {
  await stack?.stop();
});

async function outbox(): Promise<Email[]> {
  const response = await fetch(`${stack.url}/__local/outbox`);
  return (await response.json()) as Email[];
}
const digests = async () =>
  (await outbox()).filter((e) => /^\[(週次レポート|Weekly digest)\]/.test(e.subject));

async function advance(minutes: number): Promise<void> {
  const response = await fetch(`${stack.url}/__local/clock`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ advanceMinutes: minutes }),
  });
  expect(response.status).toBe(200);
}

const base = { siteId: 'shop-jp', touchpoint: 'checkout_abandonment', channel: 'web' };

/** A sign-up reported by the shop's backend: the welcome rule invites at once (a CES survey). */
const signUp = (n: number) => signUpInvited(stack, `digest-signup-${n}`, `signup-${n}@example.jp`);

/** Thursday's feedback, invitations and prompts; then the clock passes Monday 09:00 JST once. */
let week47: Promise<Email[]> | undefined;
const digestsOfWeek47 = () => {
  week47 ??= (async () => {
    for (const body of [
      { ...base, rating: { type: 'nps', score: 2 }, reasons: ['payment_method_unavailable'] },
      { ...base, rating: { type: 'nps', score: 10 } },
      { ...base, rating: { type: 'csat', score: 5 } },
    ]) {
      expect((await postFeedback(stack, body)).status).toBe(202);
    }
    const answeredLink = await signUp(1);
    await signUp(2);
    const prompts = await postImpressions(stack, 'shop-jp', [
      { touchpoint: 'checkout_abandonment', count: 12 },
    ]);
    expect(prompts.status).toBe(202);
    await advance(1); // the minute sweep emails both invitations
    await answerSurvey(answeredLink, 7);
    await eventually(async () => expect(await countItems(stack, 'triaged')).toBe(4), 20_000);

    // Nothing is due before Monday but SLA steps, which the jump skips and the next sweep fires.
    stack.clock.advance(Date.parse(jst('2026-11-23 08:58')) - stack.clock.now().getTime());
    await advance(1);
    expect(await digests()).toEqual([]);
    await advance(2); // 09:00 and 09:01 JST
    expect(stack.clock.now().toISOString()).toBe(jst('2026-11-23 09:01'));
    return eventually(async () => {
      const found = await digests();
      // Lead, manager and inbox of each of the five teams.
      expect(found).toHaveLength(stack.config.teams.length * 3);
      return found;
    }, 20_000);
  })();
  return week47;
};

describe('weekly digest on the local stack', () => {
  it('emails each team its week once the virtual clock passes Monday 09:00 JST, and only once', async () => {
    const all = await digestsOfWeek47();

    const orders = stack.config.teams.find((t) => t.id === 'orders')!;
    const lead = orders.members.find((m) => m.id === orders.leadId)!;
    const manager = orders.members.find((m) => m.id === orders.managerId)!;
    for (const team of stack.config.teams) {
      expect(
        all.filter((e) => e.to.includes(team.inboxEmail)),
        team.id,
      ).toHaveLength(1);
    }
    const toLead = all.filter((e) => e.to.includes(lead.email));
    expect(toLead).toHaveLength(1);
    expect(all.filter((e) => e.to.includes(manager.email))).toHaveLength(1);
    const email = toLead[0]!;
    expect(lead.locale).toBe('ja');
    expect(email.subject).toBe(`[週次レポート] ${orders.name} 2026-W47`);
    const text = email.text;
    // New / open / overdue: one critical case, unacknowledged since Thursday 12:00 JST.
    expect(text).toContain('新規 | 未完了 | 期限超過\n1 | 1 | 1');
    // The team's own responses: NPS (1 promoter − 1 detractor) / 2 = 0, CSAT 1 of 1 satisfied.
    expect(text).toContain('回答数 | NPS | CSAT\n3 | 0 | 100%');
    expect(text).toContain('タッチポイント別 NPS / CSAT（全チーム）');
    expect(text).toContain('checkout_abandonment | 3 | 0 | 100%');
    expect(text).toContain('主な理由（全チーム）');
    expect(text).toContain('payment_method_unavailable | 1');
    expect(text).toContain('2時間以内に初回対応');
    expect(email.html).toContain('2026-W47');

    // A rerun of the week (the job again, or a retried Lambda) queues nothing and sends nothing.
    const again = await stack.sendDigests(stack.clock.now());
    expect(again.every((r) => r.outcome === 'exists' && r.week === '2026-W47')).toBe(true);
    await advance(1);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await digests()).toHaveLength(stack.config.teams.length * 3);
  }, 90_000);

  it('shows the response rate per touchpoint in the digest, in Japanese and English', async () => {
    const all = await digestsOfWeek47();

    const orders = stack.config.teams.find((t) => t.id === 'orders')!;
    const lead = orders.members.find((m) => m.id === orders.leadId)!;
    const ja = all.find((e) => e.to.includes(lead.email))!;
    // The team inbox has no locale: staff mail without one is in English.
    const en = all.find((e) => e.to.includes(orders.inboxEmail))!;
    // Sign-ups: two invited, one opened and answered; checkout: 3 widget answers to 12 prompts.
    expect(ja.text).toContain(
      [
        'タッチポイント別 アンケート依頼とウィジェット表示（全チーム）',
        'タッチポイント | 依頼数 | 開封数 | 依頼への回答 | 回答率 | ウィジェット表示数 | 表示あたりの回答率',
        'account_creation | 2 | 1 | 1 | 50% | 0 | -',
        'checkout_abandonment | 0 | 0 | 0 | - | 12 | 25%',
      ].join('\n'),
    );
    expect(en.subject).toBe(`[Weekly digest] ${orders.name} 2026-W47`);
    expect(en.text).toContain(
      [
        'Survey invitations and widget prompts by touchpoint (all teams)',
        'Touchpoint | Invited | Opened | Answered | Response rate | Prompts shown | Prompt response rate',
        'account_creation | 2 | 1 | 1 | 50% | 0 | -',
        'checkout_abandonment | 0 | 0 | 0 | - | 12 | 25%',
      ].join('\n'),
    );
    expect(en.html).toContain('>Response rate</th>');
    expect(en.html).toContain('>50%</td>');
  }, 90_000);
});
