import { describe, expect, it } from 'vitest';
import { admitStaffNotice, digestNotice, flushStaffDigests } from '../../core/notices/staff-bursts.ts';
import { windowStartOf } from '../../shared/domain/staff-bursts.ts';
import { MINUTE_MS } from '../../shared/domain/time.ts';
import type { NoticeRequested } from '../../shared/events/notice-requested.ts';
import { renderNotice } from '../../shared/notices/templates.ts';
import { memoryBursts } from '../support/contacts.ts';
import { sampleCase, staffNotice } from '../support/notices.ts';

const start = new Date('2026-11-20T01:00:00.000Z');
const at = (minutes: number) => new Date(start.getTime() + minutes * MINUTE_MS);
const publicCase = sampleCase({ contactVouched: false });

const critical = (n: number): NoticeRequested => ({
  ...staffNotice(),
  noticeId: `case_${n}:staff_new_critical:opened`,
  caseId: `case_${n}`,
  data: { ...staffNotice().data, teamId: 'orders', comment: `flood ${n}` },
});
const escalation = (n: number): NoticeRequested => ({
  ...staffNotice(),
  kind: 'staff_escalation',
  noticeId: `case_${n}:staff_escalation:ack:lead`,
  caseId: `case_${n}`,
  data: { ...staffNotice().data, teamId: 'orders', clock: 'acknowledge', level: 'lead' },
});

describe('staff flood containment', () => {
  it('sends the first five new-case alerts of a window alone and batches the rest', async () => {
    const bursts = memoryBursts();
    const outcomes = [];
    for (let n = 1; n <= 8; n++)
      outcomes.push(await admitStaffNotice(critical(n), publicCase, { bursts, now: at(n) }));

    expect(outcomes).toEqual(['send', 'send', 'send', 'send', 'send', 'batched', 'batched', 'batched']);
  });

  it('never batches alerts of cases the shop vouched for', async () => {
    const bursts = memoryBursts();
    for (let n = 1; n <= 8; n++) {
      expect(await admitStaffNotice(critical(n), sampleCase(), { bursts, now: at(0) })).toBe('send');
    }
  });

  it('mails a rung once per window and digests what else climbed', async () => {
    const bursts = memoryBursts();
    const outcomes = [];
    for (let n = 1; n <= 3; n++)
      outcomes.push(await admitStaffNotice(escalation(n), publicCase, { bursts, now: at(n) }));

    expect(outcomes).toEqual(['send', 'batched', 'batched']);
  });

  it('queues one digest per ended window, once, listing the batched cases', async () => {
    const bursts = memoryBursts();
    for (let n = 1; n <= 8; n++) await admitStaffNotice(critical(n), publicCase, { bursts, now: at(n) });

    expect(await flushStaffDigests({ bursts, now: at(9) })).toBe(0);
    expect(await flushStaffDigests({ bursts, now: at(10) })).toBe(1);
    expect(await flushStaffDigests({ bursts, now: at(11) })).toBe(0);

    const digest = bursts.flushed[0] as NoticeRequested;
    expect(digest.kind).toBe('staff_new_critical');
    expect((digest.data.batch as { cases: { caseId: string }[] }).cases.map((c) => c.caseId)).toEqual([
      'case_6',
      'case_7',
      'case_8',
    ]);
  });

  it('counts a digest in the next window, so a steady flood gets one mail per window per rung', async () => {
    const bursts = memoryBursts();
    await admitStaffNotice(escalation(1), publicCase, { bursts, now: at(1) });
    await admitStaffNotice(escalation(2), publicCase, { bursts, now: at(2) });
    await flushStaffDigests({ bursts, now: at(10) });

    expect(await admitStaffNotice(escalation(3), publicCase, { bursts, now: at(11) })).toBe('batched');
  });

  it('renders a digest with case facts only, never what the customer wrote', () => {
    const key = { teamId: 'orders', lane: 'new_critical' as const, windowStart: windowStartOf(start) };
    const notice = digestNotice(
      key,
      [6, 7].map((n) => ({
        case: {
          noticeId: `n${n}`,
          caseId: `case_${n}`,
          category: 'payment',
          touchpoint: 'checkout_abandonment',
        },
        to: [{ email: 'orders@shop.example.jp' }],
        teamName: 'Orders',
      })),
      at(10),
    );

    const mail = renderNotice({
      kind: notice.kind,
      data: notice.data,
      recipient: notice.to[0]!,
      locale: 'en',
      serviceName: 'Closeloop',
      timeZone: 'Asia/Tokyo',
      links: {},
    });

    expect(mail.subject).toBe('[Critical] 2 new cases for Orders (10-minute digest)');
    expect(mail.text).toContain('case_6');
    expect(mail.text).toContain('case_7');
    expect(mail.text).not.toContain('flood');
  });
});
