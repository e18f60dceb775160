import { describe, expect, it } from 'vitest';
import { triageFeedback } from '../../core/cases/triage.ts';
import { VirtualClock } from '../../shared/clock.ts';
import { loadConfigFile } from '../../shared/config/load.ts';
import { caseOpened } from '../../shared/events/case-opened.ts';
import { InMemoryTriage } from '../support/triage-fakes.ts';

async function emitted() {
  const store = new InMemoryTriage().add({
    feedbackId: 'fb_contract',
    receivedAt: '2026-11-18T01:00:00.000Z',
    bodyHash: 'h',
    siteId: 'shop-jp',
    touchpoint: 'delivery',
    channel: 'app',
    rating: { type: 'csat', score: 1 },
    comment: '荷物が届かない',
  });
  await triageFeedback('fb_contract', {
    feedback: store,
    assignments: store,
    store,
    clock: new VirtualClock(new Date('2026-11-18T02:00:00Z')),
    config: loadConfigFile('closeloop.config.example.json'),
  });
  const item = [...store.outbox.values()].find((o) => o.target === 'bus');
  if (!item) throw new Error('no case.opened in the outbox');
  return item.message;
}

describe('case.opened v1 contract', () => {
  it('is named case.opened, version 1', () => {
    expect([caseOpened.name, caseOpened.version]).toEqual(['case.opened', 1]);
  });

  it('accepts exactly what triage emits', async () => {
    const message = await emitted();

    expect(caseOpened.schema.parse(message)).toEqual(message);
    expect(message).toMatchObject({
      type: 'case.opened',
      version: 1,
      caseId: 'case_contract',
      feedbackId: 'fb_contract',
      teamId: 'logistics',
      assigneeId: 'yoshida',
      severity: 'routine',
      acknowledgeBy: '2026-11-18T09:00:00.000Z',
    });
  });

  it('rejects another version, another type and a missing field', async () => {
    const message = await emitted();

    expect(caseOpened.schema.safeParse({ ...message, version: 2 }).success).toBe(false);
    expect(caseOpened.schema.safeParse({ ...message, type: 'case.closed' }).success).toBe(false);
    const { teamId: _teamId, ...withoutTeam } = message;
    expect(caseOpened.schema.safeParse(withoutTeam).success).toBe(false);
    expect(caseOpened.schema.safeParse({ ...message, acknowledgeBy: 'tomorrow' }).success).toBe(false);
  });

  it('carries no customer text or address', async () => {
    const text = JSON.stringify(await emitted());
    expect(text).not.toContain('荷物');
    expect(text).not.toContain('@');
  });
});
