import type { SQSRecord } from 'aws-lambda';
import type { Case } from '../../shared/domain/case.ts';
import { type NoticeKind, type NoticeRequested, noticeIdOf } from '../../shared/events/notice-requested.ts';

export const linkSecret = 'test-link-secret-0123456789abcdef-0123456789';

/** A case as triage writes it (orders team, assigned to tanaka). */
export function sampleCase(over: Partial<Case> = {}): Case {
  return {
    caseId: 'case_abc123',
    feedbackId: 'fb_abc123',
    status: 'open',
    severity: 'critical',
    sentiment: 'negative',
    category: 'payment',
    touchpoint: 'checkout_abandonment',
    channel: 'web',
    teamId: 'orders',
    assigneeId: 'tanaka',
    routedBy: 'checkout-abandonment-to-orders',
    acknowledgeBy: '2026-11-20T03:00:00.000Z',
    resolveBy: '2026-11-21T03:00:00.000Z',
    escalationLevel: 0,
    version: 1,
    createdAt: '2026-11-20T01:00:00.000Z',
    updatedAt: '2026-11-20T01:00:00.000Z',
    siteId: 'shop-jp',
    customerLocale: 'ja',
    contactConsent: true,
    // The shop sent the address with its server key: customer notices need no double opt-in.
    contactVouched: true,
    ...over,
  };
}

export const staffTanaka = {
  email: 'makoto.tanaka@shop.example.jp',
  name: '田中 誠',
  locale: 'ja',
  memberId: 'tanaka',
};

export function staffNotice(over: Partial<NoticeRequested> = {}, caseId = 'case_abc123'): NoticeRequested {
  const kind: NoticeKind = over.kind ?? 'staff_new_critical';
  const step = over.step ?? 'opened';
  return {
    type: 'notice.requested',
    version: 1,
    noticeId: noticeIdOf(caseId, kind, step),
    kind,
    audience: 'staff',
    caseId,
    step,
    to: [staffTanaka],
    data: {
      caseId,
      siteId: 'shop-jp',
      severity: 'critical',
      category: 'payment',
      touchpoint: 'checkout_abandonment',
      channel: 'web',
      teamId: 'orders',
      teamName: 'Orders & Payments',
      assigneeId: 'tanaka',
      assigneeName: '田中 誠',
      acknowledgeBy: '2026-11-20T03:00:00.000Z',
      resolveBy: '2026-11-21T03:00:00.000Z',
      comment: '二重請求されました',
      reasons: ['payment_method_unavailable'],
      rating: { type: 'nps', score: 2 },
    },
    requestedAt: '2026-11-20T01:00:00.000Z',
    ...over,
  };
}

export function customerNotice(over: Partial<NoticeRequested> = {}, caseId = 'case_abc123'): NoticeRequested {
  const kind: NoticeKind = over.kind ?? 'customer_received';
  const step = over.step ?? 'received';
  return {
    type: 'notice.requested',
    version: 1,
    noticeId: noticeIdOf(caseId, kind, step),
    kind,
    audience: 'customer',
    caseId,
    step,
    to: [{ email: 'hanako@example.jp', name: '山田 花子', locale: 'ja' }],
    data: {
      caseId,
      siteId: 'shop-jp',
      siteName: 'Sakura Market オンラインストア',
      touchpoint: 'checkout_abandonment',
      receivedAt: '2026-11-20T01:00:00.000Z',
    },
    requestedAt: '2026-11-20T01:00:00.000Z',
    ...over,
  };
}

export function sqsRecord(body: unknown, messageId = 'm-1'): SQSRecord {
  return {
    messageId,
    receiptHandle: `rh-${messageId}`,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '0',
      SenderId: 'test',
      ApproximateFirstReceiveTimestamp: '0',
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:local:000000000000:notify',
    awsRegion: 'local',
  };
}

/** The signed-link tokens in a text or HTML body, in order. */
export function actionTokens(body: string): string[] {
  return [...body.matchAll(/\/v1\/actions\/([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)/g)].map((m) => m[1]!);
}
