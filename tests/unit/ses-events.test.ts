import { describe, expect, it } from 'vitest';
import { makeSesEventsHandler, type SesEventBridgeEvent } from '../../functions/ses-events/handler.ts';
import { VirtualClock } from '../../shared/clock.ts';
import type {
  NoticeLedger,
  NoticeOutcome,
  OpenClaim,
  SuppressionList,
  SuppressionReason,
} from '../../shared/domain/notice-ports.ts';
import { claimTags } from '../../shared/repository/notice-item.ts';

function memoryList() {
  const added: { email: string; reason: SuppressionReason }[] = [];
  const list: SuppressionList = {
    isSuppressed: async (email) => added.some((a) => a.email === email),
    add: async (email, reason) => {
      added.push({ email, reason });
    },
  };
  return { list, added };
}

const mail = {
  timestamp: '2026-11-20T00:40:02.012Z',
  source: 'Sakura <feedback@shop.example.jp>',
  messageId: 'EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000',
  destination: ['hanako@example.jp'],
  tags: { 'ses:configuration-set': ['closeloop-dev'] },
};

/** As SES publishes them to EventBridge (source aws.ses), detail = the SES event record. */
const bounce = (bounceType: string): SesEventBridgeEvent => ({
  source: 'aws.ses',
  'detail-type': 'Email Bounced',
  detail: {
    eventType: 'Bounce',
    bounce: {
      bounceType,
      bounceSubType: 'General',
      bouncedRecipients: [
        { emailAddress: 'hanako@example.jp', status: '5.1.1' },
        { emailAddress: '"Other" <other@example.jp>', status: '5.1.1' },
      ],
      feedbackId: '01000157c44f053b-61b59c11-9236-11e6-8f96-7be8aexample-000000',
    },
    mail,
  },
});

const complaint: SesEventBridgeEvent = {
  source: 'aws.ses',
  'detail-type': 'Email Complaint Received',
  detail: {
    eventType: 'Complaint',
    complaint: {
      complainedRecipients: [{ emailAddress: 'taro@example.jp' }],
      complaintFeedbackType: 'abuse',
      feedbackId: '01000157c44f053b-61b59c11-9236-11e6-8f96-7be8aexample-000001',
    },
    mail,
  },
};

const clock = new VirtualClock(new Date('2026-11-20T01:00:00Z'));

/** A ledger holding one open claim; bounce and complaint events must not touch it. */
function ledgerWith(open: OpenClaim | undefined) {
  const confirmed: NoticeOutcome[] = [];
  const asked: string[] = [];
  const unused = async () => {
    throw new Error('not used by SES events');
  };
  const ledger: NoticeLedger = {
    claim: unused,
    release: unused,
    complete: unused,
    settle: unused,
    dueClaims: unused,
    expire: unused,
    openClaim: async (noticeId, hash) => {
      asked.push(`${noticeId}|${hash}`);
      return open;
    },
    confirmSent: async (_key, outcome) => {
      confirmed.push(outcome);
      return 'recorded';
    },
  };
  return { ledger, confirmed, asked };
}

const handler = (list: SuppressionList, ledger = ledgerWith(undefined).ledger) =>
  makeSesEventsHandler({ suppression: list, ledger, clock });

describe('SES bounce and complaint events', () => {
  it('suppress every recipient of a permanent bounce', async () => {
    const { list, added } = memoryList();

    const result = await handler(list)(bounce('Permanent'));

    expect(result).toEqual({ suppressed: 2, confirmed: 0 });
    expect(added).toEqual([
      { email: 'hanako@example.jp', reason: 'bounce' },
      { email: 'other@example.jp', reason: 'bounce' },
    ]);
  });

  it('leave addresses of a transient bounce alone', async () => {
    const { list, added } = memoryList();

    await handler(list)(bounce('Transient'));

    expect(added).toEqual([]);
  });

  it('suppress the recipient of a complaint', async () => {
    const { list, added } = memoryList();

    await handler(list)(complaint);

    expect(added).toEqual([{ email: 'taro@example.jp', reason: 'complaint' }]);
  });

  it('ignore other sending events', async () => {
    const { list, added } = memoryList();

    const result = await handler(list)({
      source: 'aws.ses',
      'detail-type': 'Email Delivery Delayed',
      detail: { eventType: 'DeliveryDelay', mail },
    });

    expect(result).toEqual({ suppressed: 0, confirmed: 0 });
    expect(added).toEqual([]);
  });
});

describe('SES send and delivery events', () => {
  const notice = {
    type: 'notice.requested',
    version: 1,
    noticeId: 'case_1:staff_new_critical:open',
    kind: 'staff_new_critical',
    caseId: 'case_1',
    audience: 'staff',
    step: 'open',
    requestedAt: '2026-11-20T00:40:00.000Z',
    to: [{ email: 'lead@shop.example.jp', memberId: 'm-lead' }],
    data: { siteId: 'shop-jp' },
  };
  const key = { noticeId: notice.noticeId, email: 'lead@shop.example.jp' };
  const open: OpenClaim = {
    key,
    status: 'sending',
    claimToken: 'token-1',
    leases: 1,
    dueAt: '2026-11-20T00:55:00.000Z',
    body: JSON.stringify(notice),
  };
  const tagsOf = (pairs: { name: string; value: string }[]) =>
    Object.fromEntries([
      ...pairs.map((t) => [t.name, [t.value]]),
      ['ses:configuration-set', ['closeloop-dev']],
    ]);

  it('settle the open claim the message tags name as sent, with its SES message id', async () => {
    const { list } = memoryList();
    const { ledger, confirmed, asked } = ledgerWith(open);

    const result = await handler(
      list,
      ledger,
    )({
      source: 'aws.ses',
      'detail-type': 'Email Sent',
      detail: { eventType: 'Send', mail: { ...mail, tags: tagsOf(claimTags(key)) } },
    });

    expect(result).toEqual({ suppressed: 0, confirmed: 1 });
    expect(asked).toEqual([`${notice.noticeId}|${claimTags(key)[1]?.value}`]);
    expect(confirmed).toMatchObject([
      { status: 'sent', messageId: mail.messageId, caseId: 'case_1', event: { type: 'notice_sent' } },
    ]);
  });

  it('leave mail without Closeloop tags alone', async () => {
    const { list } = memoryList();
    const { ledger, confirmed, asked } = ledgerWith(open);

    const result = await handler(
      list,
      ledger,
    )({
      source: 'aws.ses',
      'detail-type': 'Email Delivered',
      detail: { eventType: 'Delivery', mail },
    });

    expect(result).toEqual({ suppressed: 0, confirmed: 0 });
    expect(asked).toEqual([]);
    expect(confirmed).toEqual([]);
  });

  it('change nothing when the claim was settled already', async () => {
    const { list } = memoryList();
    const { ledger, confirmed } = ledgerWith(undefined);

    const result = await handler(
      list,
      ledger,
    )({
      source: 'aws.ses',
      'detail-type': 'Email Delivered',
      detail: { eventType: 'Delivery', mail: { ...mail, tags: tagsOf(claimTags(key)) } },
    });

    expect(result).toEqual({ suppressed: 0, confirmed: 0 });
    expect(confirmed).toEqual([]);
  });
});
