import type { Case } from '../../shared/domain/case.ts';

/** A critical payment case of the example config's orders team, opened Tuesday 2026-11-24 09:30 JST. */
export function aCase(over: Partial<Case> = {}): Case {
  const at = over.createdAt ?? '2026-11-24T00:30:00.000Z';
  const caseId = over.caseId ?? 'case_1';
  return {
    caseId,
    feedbackId: `fb_${caseId.replace(/^case_/, '')}`,
    status: 'open',
    severity: 'critical',
    sentiment: 'negative',
    category: 'payment',
    touchpoint: 'checkout_abandonment',
    channel: 'web',
    teamId: 'orders',
    assigneeId: 'ito',
    routedBy: 'checkout-abandonment-to-orders',
    acknowledgeBy: at,
    resolveBy: at,
    escalationLevel: 0,
    version: 1,
    createdAt: at,
    updatedAt: at,
    siteId: 'shop-jp',
    customerLocale: 'ja',
    contactConsent: true,
    ...over,
  };
}
