import { describe, expect, it } from 'vitest';
import { makeSesEventsHandler, type SesEventBridgeEvent } from '../../functions/ses-events/handler.ts';
import { VirtualClock } from '../../shared/clock.ts';
import type { SuppressionList, SuppressionReason } from '../../shared/domain/notice-ports.ts';

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

describe('SES bounce and complaint events', () => {
  it('suppress every recipient of a permanent bounce', async () => {
    const { list, added } = memoryList();

    const result = await makeSesEventsHandler({ suppression: list, clock })(bounce('Permanent'));

    expect(result).toEqual({ suppressed: 2 });
    expect(added).toEqual([
      { email: 'hanako@example.jp', reason: 'bounce' },
      { email: 'other@example.jp', reason: 'bounce' },
    ]);
  });

  it('leave addresses of a transient bounce alone', async () => {
    const { list, added } = memoryList();

    await makeSesEventsHandler({ suppression: list, clock })(bounce('Transient'));

    expect(added).toEqual([]);
  });

  it('suppress the recipient of a complaint', async () => {
    const { list, added } = memoryList();

    await makeSesEventsHandler({ suppression: list, clock })(complaint);

    expect(added).toEqual([{ email: 'taro@example.jp', reason: 'complaint' }]);
  });

  it('ignore other sending events', async () => {
    const { list, added } = memoryList();

    const result = await makeSesEventsHandler({ suppression: list, clock })({
      source: 'aws.ses',
      'detail-type': 'Email Delivered',
      detail: { eventType: 'Delivery', mail },
    });

    expect(result).toEqual({ suppressed: 0 });
    expect(added).toEqual([]);
  });
});
