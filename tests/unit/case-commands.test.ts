import { describe, expect, it } from 'vitest';
import type { Case, CaseStatus } from '../../shared/domain/case.ts';
import {
  applyAction,
  type CaseAction,
  InvalidTransition,
  StaleVersion,
} from '../../shared/domain/case-commands.ts';

const at = new Date('2026-11-24T02:00:00Z');
const aCase = (status: CaseStatus, version = 3): Case => ({
  caseId: 'case_1',
  feedbackId: 'fb_1',
  status,
  severity: 'critical',
  sentiment: 'negative',
  category: 'payment',
  touchpoint: 'checkout_abandonment',
  channel: 'web',
  teamId: 'orders',
  assigneeId: 'tanaka',
  routedBy: 'payment-to-orders',
  acknowledgeBy: '2026-11-24T03:00:00.000Z',
  resolveBy: '2026-11-26T03:00:00.000Z',
  escalationLevel: 0,
  version,
  createdAt: '2026-11-24T01:00:00.000Z',
  updatedAt: '2026-11-24T01:00:00.000Z',
  siteId: 'shop-jp',
  customerLocale: 'ja',
  contactConsent: true,
});
const act = (status: CaseStatus, action: CaseAction, data?: Record<string, unknown>) =>
  applyAction(aCase(status), action, { expectedVersion: 3, actor: 'staff:tanaka', via: 'api', at, data });

describe('case actions', () => {
  it.each([
    ['open', 'acknowledge', 'acknowledged', 'acknowledged'],
    ['reopened', 'acknowledge', 'acknowledged', 'acknowledged'],
    ['acknowledged', 'pause', 'waiting_on_customer', 'paused'],
    ['waiting_on_customer', 'resume', 'acknowledged', 'resumed'],
    ['acknowledged', 'resolve', 'resolved', 'resolved'],
    ['waiting_on_customer', 'resolve', 'resolved', 'resolved'],
    ['resolved', 'reopen', 'reopened', 'reopened'],
    ['closed', 'reopen', 'reopened', 'reopened'],
    ['resolved', 'close', 'closed', 'closed'],
    ['acknowledged', 'notes', 'acknowledged', 'note'],
    ['acknowledged', 'updates', 'acknowledged', 'update_sent'],
  ] as const)('moves a %s case by %s to %s with a %s event', (from, action, to, eventType) => {
    const change = act(from, action);

    expect(change.next.status).toBe(to);
    expect(change.next.version).toBe(4);
    expect(change.next.updatedAt).toBe(at.toISOString());
    expect(change.event).toMatchObject({
      type: eventType,
      actor: 'staff:tanaka',
      via: 'api',
      data: { from, to },
    });
  });

  it.each([
    ['acknowledged', 'acknowledge'],
    ['open', 'pause'],
    ['acknowledged', 'resume'],
    ['closed', 'resolve'],
    ['open', 'close'],
    ['acknowledged', 'reopen'],
    ['closed', 'notes'],
  ] as const)('refuses to let a %s case take the action %s', (from, action) => {
    expect(() => act(from, action)).toThrow(InvalidTransition);
  });

  it('refuses a stale version, naming the current one', () => {
    const attempt = () =>
      applyAction(aCase('open', 5), 'acknowledge', { expectedVersion: 4, actor: 'x', via: 'api', at });

    expect(attempt).toThrow(StaleVersion);
    expect(attempt).toThrow('version 5');
  });

  it('applies an assignment patch and records it', () => {
    const change = applyAction(aCase('acknowledged'), 'assign', {
      expectedVersion: 3,
      actor: 'staff:lead',
      via: 'api',
      at,
      data: { assigneeId: 'yamada' },
      patch: { assigneeId: 'yamada' },
    });

    expect(change.next.assigneeId).toBe('yamada');
    expect(change.event.data).toMatchObject({ assigneeId: 'yamada' });
  });
});
