import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../shared/config/load.ts';
import type { Config } from '../../shared/config/schema.ts';
import type { Case, CaseStatus, TimelineEvent, TimelineEventType } from '../../shared/domain/case.ts';
import { purgeStepOf } from '../../shared/domain/retention.ts';
import {
  firedStepIds,
  nextStep,
  plannedSteps,
  type SlaStep,
  slaContextOf,
  slaDeadlines,
  stepRecipients,
} from '../../shared/domain/sla.ts';
import {
  timerFields,
  timerFieldsFor,
  timerShardOf,
  timerShards,
} from '../../shared/repository/case-timer.ts';
import { aCase as caseFixture } from '../support/case-fixture.ts';

const config: Config = loadConfigFile('closeloop.config.example.json');
/** Asia/Tokyo, Mon–Fri 09:00–18:00, Japanese public holidays (2026-11-23 is a Monday holiday). */
const tokyo = config.calendars.find((c) => c.id === 'tokyo-office')!;
const critical = config.sla.policies.critical; // ack 120, resolve 960, warn 0.75, lead 0 / manager 60 / executive 120
const routine = config.sla.policies.routine;
const followUp = config.sla.followUp; // 7 / 7

/** `2026-11-24 09:30` in Tokyo (UTC+9, no DST) → ISO instant. */
const jst = (local: string) => new Date(`${local.replace(' ', 'T')}:00+09:00`).toISOString();

const ev = (type: TimelineEventType, at: string, data: Record<string, unknown> = {}): TimelineEvent => ({
  type,
  at,
  actor: 'test',
  via: 'test',
  data,
});

function aCase(over: Partial<Case> = {}): Case {
  const at = over.createdAt ?? jst('2026-11-24 09:30');
  return caseFixture({ createdAt: at, ...over });
}

const opened = (at: string, receivedAt = at) => [ev('opened', at, { receivedAt }), ev('assigned', at)];

/** Fires every step in order, as the sweep would, and returns them. */
function fireAll(c: Case, timeline: TimelineEvent[], policy = critical, limit = 20): SlaStep[] {
  const fired: SlaStep[] = [];
  const tl = [...timeline];
  for (let i = 0; i < limit; i++) {
    const step = nextStep(c, tl, tokyo, policy, followUp);
    if (!step) break;
    fired.push(step);
    const type = {
      warn: 'warned',
      escalate: 'escalated',
      follow_up: 'follow_up_sent',
      auto_close: 'closed',
    } as const;
    tl.push(ev(type[step.kind], step.dueAt, { stepId: step.stepId }));
  }
  return fired;
}

const summary = (steps: SlaStep[]) => steps.map((s) => [s.stepId, s.dueAt]);
const withStatus = (status: CaseStatus, over: Partial<Case> = {}) => aCase({ status, ...over });

describe('deadlines', () => {
  it('counts the acknowledge and resolve windows in business minutes from when the customer wrote in', () => {
    const c = aCase();
    const d = slaDeadlines(c, opened(jst('2026-11-24 09:30')), tokyo, critical);
    expect(d.acknowledgeBy).toBe(jst('2026-11-24 11:30'));
    // Tue 09:30–18:00 = 510 min, then 450 min on Wed from 09:00.
    expect(d.resolveBy).toBe(jst('2026-11-25 16:30'));
    expect(d).toMatchObject({ cycle: 0, paused: false, resolveRemainingMinutes: 960 });
  });

  it('starts the clocks at the opened event receivedAt (as triage does), not at a late triage', () => {
    const c = aCase({ createdAt: jst('2026-11-24 10:00') });
    const d = slaDeadlines(c, opened(jst('2026-11-24 10:00'), jst('2026-11-24 09:30')), tokyo, critical);
    expect(d.clockStart).toBe(jst('2026-11-24 09:30'));
    expect(d.acknowledgeBy).toBe(jst('2026-11-24 11:30'));
    // Without an opened event the case's createdAt is the start.
    expect(slaDeadlines(c, [], tokyo, critical).acknowledgeBy).toBe(jst('2026-11-24 12:00'));
  });

  it('starts counting at the next opening when the feedback came at night, over a weekend and a holiday', () => {
    // Friday 2026-11-20 20:00: Sat, Sun closed, Mon 11-23 is 勤労感謝の日 → Tue 09:00 + 120.
    const at = jst('2026-11-20 20:00');
    const d = slaDeadlines(aCase({ createdAt: at }), opened(at), tokyo, critical);
    expect(d.acknowledgeBy).toBe(jst('2026-11-24 11:00'));
  });
});

describe('the acknowledge ladder', () => {
  it('warns at 75 % of the window, then climbs lead → manager → executive at the configured business minutes', () => {
    const c = aCase();
    const steps = fireAll(c, opened(jst('2026-11-24 09:30')));
    expect(summary(steps)).toEqual([
      ['ack:warn', jst('2026-11-24 11:00')],
      ['ack:lead', jst('2026-11-24 11:30')],
      ['ack:manager', jst('2026-11-24 12:30')],
      ['ack:executive', jst('2026-11-24 13:30')],
    ]);
    expect(steps.map((s) => [s.kind, s.clock, s.level, s.rung])).toEqual([
      ['warn', 'acknowledge', undefined, undefined],
      ['escalate', 'acknowledge', 'lead', 0],
      ['escalate', 'acknowledge', 'manager', 1],
      ['escalate', 'acknowledge', 'executive', 2],
    ]);
    for (const s of steps) expect(s.deadline).toBe(jst('2026-11-24 11:30'));
  });

  it('fires a 0-minute rung at the breach itself when the deadline is a closing time; later rungs skip the weekend and the holiday', () => {
    const at = jst('2026-11-20 16:00'); // Friday
    const steps = fireAll(aCase({ createdAt: at }), opened(at));
    expect(summary(steps)).toEqual([
      ['ack:warn', jst('2026-11-20 17:30')],
      ['ack:lead', jst('2026-11-20 18:00')],
      ['ack:manager', jst('2026-11-24 10:00')], // Sat, Sun, Mon holiday skipped
      ['ack:executive', jst('2026-11-24 11:00')],
    ]);
  });

  it('uses the routine policy with its own ladder delays', () => {
    const steps = fireAll(aCase({ severity: 'routine' }), opened(jst('2026-11-24 09:30')), routine);
    // 480 min: Tue 09:30 → 17:30. warn at 360 → 15:30. manager +480 → Wed 16:30 (30 Tue + 450 Wed).
    // executive +1440 → 30 Tue + 540 Wed + 540 Thu + 330 Fri → Fri 14:30.
    expect(summary(steps)).toEqual([
      ['ack:warn', jst('2026-11-24 15:30')],
      ['ack:lead', jst('2026-11-24 17:30')],
      ['ack:manager', jst('2026-11-25 16:30')],
      ['ack:executive', jst('2026-11-27 14:30')],
    ]);
  });

  it('skips steps that already fired (data.stepId), whatever event order the timeline comes in', () => {
    const c = aCase();
    const tl = [
      ...opened(jst('2026-11-24 09:30')),
      ev('warned', jst('2026-11-24 11:00'), { stepId: 'ack:warn' }),
    ];
    expect(nextStep(c, tl, tokyo, critical, followUp)?.stepId).toBe('ack:lead');
    expect(nextStep(c, [...tl].reverse(), tokyo, critical, followUp)?.stepId).toBe('ack:lead');
    // An event without a stepId (e.g. a manual note) fires nothing.
    expect(
      nextStep(
        c,
        [...opened(jst('2026-11-24 09:30')), ev('note', jst('2026-11-24 10:00'), { stepId: 'ack:warn' })],
        tokyo,
        critical,
        followUp,
      )?.stepId,
    ).toBe('ack:warn');
    expect([...firedStepIds(tl)]).toEqual(['ack:warn']);
  });

  it('has nothing more to do on the acknowledge clock once every rung fired (no resolve steps while unacknowledged)', () => {
    const c = aCase();
    const tl = opened(jst('2026-11-24 09:30'));
    for (const id of ['ack:warn', 'ack:lead', 'ack:manager', 'ack:executive'])
      tl.push(ev('escalated', jst('2026-11-24 14:00'), { stepId: id }));
    expect(nextStep(c, tl, tokyo, critical, followUp)).toBeUndefined();
    expect(timerFields(c, tl, tokyo, critical, followUp)).toBeUndefined();
  });
});

describe('acknowledging and resolving', () => {
  const start = jst('2026-11-24 09:30');

  it('an early acknowledgment means no acknowledge rung: the resolve clock takes over', () => {
    const c = withStatus('acknowledged');
    const tl = [...opened(start), ev('acknowledged', jst('2026-11-24 10:00'))];
    const steps = fireAll(c, tl);
    expect(steps.every((s) => s.clock === 'resolve')).toBe(true);
    expect(summary(steps)).toEqual([
      ['res:warn', jst('2026-11-25 12:30')], // 720 = 510 Tue + 210 Wed
      ['res:lead', jst('2026-11-25 16:30')], // 960
      ['res:manager', jst('2026-11-25 17:30')], // 1020
      ['res:executive', jst('2026-11-26 09:30')], // 1080 = 510 + 540 + 30
    ]);
  });

  it('an acknowledgment after the warning but before the breach still stops the acknowledge rungs', () => {
    const c = withStatus('acknowledged');
    const tl = [
      ...opened(start),
      ev('warned', jst('2026-11-24 11:00'), { stepId: 'ack:warn' }),
      ev('acknowledged', jst('2026-11-24 11:29')),
    ];
    expect(nextStep(c, tl, tokyo, critical, followUp)?.stepId).toBe('res:warn');
  });

  it('an acknowledgment after the resolve deadline skips the pre-breach warning and climbs at once', () => {
    const c = withStatus('acknowledged');
    const tl = [...opened(start), ev('acknowledged', jst('2026-11-25 17:00'))];
    expect(summary(fireAll(c, tl)).map(([id]) => id)).toEqual(['res:lead', 'res:manager', 'res:executive']);
  });

  it('resolving stops every rung: next comes the follow-up', () => {
    const c = withStatus('resolved');
    const tl = [
      ...opened(start),
      ev('acknowledged', jst('2026-11-24 10:00')),
      ev('escalated', jst('2026-11-25 16:30'), { stepId: 'res:lead' }),
      ev('resolved', jst('2026-11-25 17:00')),
    ];
    const steps = plannedSteps(c, tl, tokyo, critical, followUp);
    expect(steps.map((s) => s.kind)).toEqual(['follow_up', 'auto_close']);
    expect(nextStep(c, tl, tokyo, critical, followUp)).toMatchObject({
      stepId: 'follow_up',
      dueAt: jst('2026-12-02 17:00'),
    });
  });
});

describe('pause and resume (waiting on the customer)', () => {
  // Thursday 2026-11-19 10:00: Thu 10:00–18:00 = 480, so unpaused resolveBy is Fri 17:00.
  const start = jst('2026-11-19 10:00');
  const base = () => [...opened(start), ev('acknowledged', jst('2026-11-19 10:05'))];
  const c = aCase({ createdAt: start, status: 'acknowledged' });

  it('stops the resolve clock: no step at all while waiting, resolveBy undefined, the remaining time kept', () => {
    const tl = [...base(), ev('paused', jst('2026-11-19 15:00'))];
    expect(
      nextStep(withStatus('waiting_on_customer', { createdAt: start }), tl, tokyo, critical, followUp),
    ).toBeUndefined();
    const d = slaDeadlines(c, tl, tokyo, critical);
    expect(d).toMatchObject({ paused: true, resolveRemainingMinutes: 660 });
    expect(d.resolveBy).toBeUndefined();
  });

  it('resumes with the remaining business time, across a weekend and a Japanese public holiday', () => {
    expect(slaDeadlines(c, base(), tokyo, critical).resolveBy).toBe(jst('2026-11-20 17:00'));
    // Paused Thu 15:00 (300 used, 660 left); resumed Saturday: counting restarts Tue 09:00
    // (Sun closed, Mon 11-23 勤労感謝の日) → 540 Tue + 120 Wed → Wed 11:00.
    const tl = [...base(), ev('paused', jst('2026-11-19 15:00')), ev('resumed', jst('2026-11-21 12:00'))];
    expect(slaDeadlines(c, tl, tokyo, critical).resolveBy).toBe(jst('2026-11-25 11:00'));
    // Resuming on Sunday, on the holiday or at Tuesday's opening changes nothing: no business time passed.
    for (const resumedAt of ['2026-11-22 09:00', '2026-11-23 13:00', '2026-11-24 09:00']) {
      const other = [...base(), ev('paused', jst('2026-11-19 15:00')), ev('resumed', jst(resumedAt))];
      expect(slaDeadlines(c, other, tokyo, critical).resolveBy).toBe(jst('2026-11-25 11:00'));
    }
    // The ladder moves with it: warn at 720 consumed = 300 + 420 → Tue 16:00; lead at Wed 11:00.
    const steps = plannedSteps(c, tl, tokyo, critical, followUp);
    expect(summary(steps)).toEqual([
      ['res:warn', jst('2026-11-24 16:00')],
      ['res:lead', jst('2026-11-25 11:00')],
      ['res:manager', jst('2026-11-25 12:00')],
      ['res:executive', jst('2026-11-25 13:00')],
    ]);
  });

  it('pausing after the breach holds the next rung; resuming continues where the ladder was', () => {
    // Breach Fri 17:00; the lead rung fired; paused Fri 17:30 (30 past), resumed Tue 10:00.
    const tl = [
      ...base(),
      ev('warned', jst('2026-11-20 14:00'), { stepId: 'res:warn' }),
      ev('escalated', jst('2026-11-20 17:00'), { stepId: 'res:lead' }),
      ev('paused', jst('2026-11-20 17:30')),
      ev('resumed', jst('2026-11-24 10:00')),
    ];
    expect(nextStep(c, tl, tokyo, critical, followUp)).toMatchObject({
      stepId: 'res:manager',
      dueAt: jst('2026-11-24 10:30'),
    });
  });

  it('has no drift: ten 1-minute pauses equal one 10-minute pause; night-time and zero-length pauses change nothing', () => {
    const ten = [...base()];
    for (let i = 0; i < 10; i++) {
      ten.push(ev('paused', jst(`2026-11-19 11:${String(i * 2).padStart(2, '0')}`)));
      ten.push(ev('resumed', jst(`2026-11-19 11:${String(i * 2 + 1).padStart(2, '0')}`)));
    }
    const once = [...base(), ev('paused', jst('2026-11-19 11:00')), ev('resumed', jst('2026-11-19 11:10'))];
    // Fri 17:00 + 10 business minutes → Fri 17:10, both ways.
    expect(slaDeadlines(c, once, tokyo, critical).resolveBy).toBe(jst('2026-11-20 17:10'));
    expect(slaDeadlines(c, ten, tokyo, critical).resolveBy).toBe(jst('2026-11-20 17:10'));

    const noisy = [...base()];
    for (let i = 0; i < 50; i++) {
      // Zero-length pauses at odd milliseconds during business hours, and night pauses.
      const t = new Date(Date.parse(jst('2026-11-19 12:00')) + i * 61_003).toISOString();
      noisy.push(ev('paused', t), ev('resumed', t));
      noisy.push(ev('paused', jst('2026-11-19 19:00')), ev('resumed', jst('2026-11-20 08:59')));
    }
    expect(slaDeadlines(c, noisy, tokyo, critical).resolveBy).toBe(jst('2026-11-20 17:00'));
  });

  it('is deterministic: the same timeline gives the same deadlines and steps, in any input order', () => {
    const tl = [...base(), ev('paused', jst('2026-11-19 15:00')), ev('resumed', jst('2026-11-24 13:17'))];
    const a = JSON.stringify([
      slaDeadlines(c, tl, tokyo, critical),
      plannedSteps(c, tl, tokyo, critical, followUp),
    ]);
    for (let i = 0; i < 5; i++) {
      const b = JSON.stringify([
        slaDeadlines(c, [...tl].reverse(), tokyo, critical),
        plannedSteps(c, [...tl], tokyo, critical, followUp),
      ]);
      expect(b).toBe(a);
    }
  });
});

describe('reopen', () => {
  const start = jst('2026-11-24 09:30');
  const resolvedCycle0 = () => [
    ...opened(start),
    ev('warned', jst('2026-11-24 11:00'), { stepId: 'ack:warn' }),
    ev('escalated', jst('2026-11-24 11:30'), { stepId: 'ack:lead' }),
    ev('acknowledged', jst('2026-11-24 11:45')),
    ev('resolved', jst('2026-11-24 15:00')),
  ];

  it('restarts with a fresh, full acknowledge window from the reopen, with step ids of cycle r1', () => {
    const tl = [...resolvedCycle0(), ev('reopened', jst('2026-11-26 17:00'))];
    const c = withStatus('reopened');
    const d = slaDeadlines(c, tl, tokyo, critical);
    expect(d).toMatchObject({
      cycle: 1,
      clockStart: jst('2026-11-26 17:00'),
      acknowledgeBy: jst('2026-11-27 10:00'),
    });
    expect(d.acknowledgedAt).toBeUndefined();
    expect(summary(fireAll(c, tl))).toEqual([
      ['r1:ack:warn', jst('2026-11-27 09:30')],
      ['r1:ack:lead', jst('2026-11-27 10:00')], // ack:lead of cycle 0 fired, r1's fires again
      ['r1:ack:manager', jst('2026-11-27 11:00')],
      ['r1:ack:executive', jst('2026-11-27 12:00')],
    ]);
  });

  it('restarts the resolve clock with the full window from the reopen', () => {
    const tl = [
      ...resolvedCycle0(),
      ev('reopened', jst('2026-11-26 17:00')),
      ev('acknowledged', jst('2026-11-26 17:10')),
    ];
    const c = withStatus('acknowledged');
    // 960 from Thu 17:00: 60 Thu + 540 Fri + 360 Mon 11-30 → Mon 15:00.
    expect(slaDeadlines(c, tl, tokyo, critical).resolveBy).toBe(jst('2026-11-30 15:00'));
    expect(nextStep(c, tl, tokyo, critical, followUp)?.stepId).toBe('r1:res:warn');
  });

  it('gives a second resolution its own follow-up (r1:follow_up)', () => {
    const tl = [
      ...resolvedCycle0(),
      ev('follow_up_sent', jst('2026-12-01 15:00'), { stepId: 'follow_up' }),
      ev('reopened', jst('2026-12-02 10:00')),
      ev('acknowledged', jst('2026-12-02 10:10')),
      ev('resolved', jst('2026-12-02 12:00')),
    ];
    expect(nextStep(withStatus('resolved'), tl, tokyo, critical, followUp)).toMatchObject({
      stepId: 'r1:follow_up',
      dueAt: jst('2026-12-09 12:00'),
    });
  });
});

describe('follow-up and auto-close', () => {
  const start = jst('2026-11-24 09:30');
  const resolved = () => [
    ...opened(start),
    ev('acknowledged', jst('2026-11-24 10:00')),
    ev('resolved', jst('2026-11-24 16:45')),
  ];

  it('sends the follow-up after delayDays plain calendar days (weekends and holidays count)', () => {
    expect(nextStep(withStatus('resolved'), resolved(), tokyo, critical, followUp)).toMatchObject({
      stepId: 'follow_up',
      kind: 'follow_up',
      dueAt: jst('2026-12-01 16:45'),
    });
  });

  it('closes unanswered cases closeUnansweredAfterDays after the follow-up actually went out', () => {
    const tl = [...resolved(), ev('follow_up_sent', jst('2026-12-01 19:02'), { stepId: 'follow_up' })];
    expect(nextStep(withStatus('resolved'), tl, tokyo, critical, followUp)).toMatchObject({
      stepId: 'auto_close',
      kind: 'auto_close',
      dueAt: jst('2026-12-08 19:02'),
    });
    const done = [
      ...tl,
      ev('closed', jst('2026-12-08 19:02'), { stepId: 'auto_close', reason: 'unverified' }),
    ];
    expect(nextStep(withStatus('closed'), done, tokyo, critical, followUp)).toBeUndefined();
  });

  it('without contact consent sends no survey and closes after delayDays + closeUnansweredAfterDays', () => {
    const steps = plannedSteps(
      withStatus('resolved', { contactConsent: false }),
      resolved(),
      tokyo,
      critical,
      followUp,
    );
    expect(summary(steps)).toEqual([['auto_close', jst('2026-12-08 16:45')]]);
  });

  it('does nothing after a verified answer, nor for a closed case', () => {
    const tl = [
      ...resolved(),
      ev('follow_up_sent', jst('2026-12-01 16:45'), { stepId: 'follow_up' }),
      ev('verified', jst('2026-12-02 08:00'), { rating: 5 }),
    ];
    expect(nextStep(withStatus('resolved'), tl, tokyo, critical, followUp)).toBeUndefined();
    expect(nextStep(withStatus('closed'), resolved(), tokyo, critical, followUp)).toBeUndefined();
  });
});

describe('timer fields', () => {
  it('carries the next step while there is one and nothing once closed', () => {
    const c = aCase();
    const tl = opened(jst('2026-11-24 09:30'));
    expect(timerFields(c, tl, tokyo, critical, followUp)).toEqual({
      timerShard: timerShardOf('case_1'),
      dueAt: jst('2026-11-24 11:00'),
      dueStep: 'ack:warn',
    });
    expect(timerFieldsFor(c, tl, config)).toEqual(timerFields(c, tl, tokyo, critical, followUp));
    expect(timerFields(withStatus('closed'), tl, tokyo, critical, followUp)).toBeUndefined();
    expect(timerFields(withStatus('waiting_on_customer'), tl, tokyo, critical, followUp)).toBeUndefined();
  });

  it('keeps a closed case in the index only for its purge, closedCaseRetentionDays after it last closed', () => {
    const closed = withStatus('closed', { updatedAt: jst('2026-12-09 12:00') });
    const tl = [
      ...opened(jst('2026-11-24 09:30')),
      ev('closed', jst('2026-12-01 10:00')),
      ev('reopened', jst('2026-12-02 10:00')),
      ev('closed', jst('2026-12-09 12:00')),
    ];
    expect(config.service.closedCaseRetentionDays).toBe(400);

    expect(timerFieldsFor(closed, tl, config)).toEqual({
      timerShard: timerShardOf('case_1'),
      dueAt: jst('2028-01-13 12:00'),
      dueStep: 'purge',
    });
    expect(
      timerFieldsFor(closed, tl, { ...config, service: { ...config.service, closedCaseRetentionDays: 30 } })
        ?.dueAt,
    ).toBe(jst('2027-01-08 12:00'));
  });

  it('gives a reopened case its SLA steps again instead of the purge', () => {
    const tl = [
      ...opened(jst('2026-11-24 09:30')),
      ev('closed', jst('2026-12-01 10:00')),
      ev('reopened', jst('2026-12-02 10:00'), { reason: 'not_fixed' }),
    ];

    expect(timerFieldsFor(withStatus('reopened'), tl, config)?.dueStep).not.toBe('purge');
    expect(purgeStepOf(withStatus('reopened'), tl, 400)).toBeUndefined();
  });

  it('spreads case ids over 16 stable shards T#00..T#15', () => {
    expect(timerShards).toHaveLength(16);
    expect(timerShards[0]).toBe('T#00');
    expect(timerShards[15]).toBe('T#15');
    const counts = new Map<string, number>();
    for (let i = 0; i < 16_000; i++) {
      const shard = timerShardOf(`case_${i.toString(36)}-${i}`);
      counts.set(shard, (counts.get(shard) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual([...timerShards]);
    for (const n of counts.values()) expect(n).toBeGreaterThan(800); // ~1000 each
    expect(timerShardOf('case_abc')).toBe(timerShardOf('case_abc'));
  });
});

describe('recipients and config lookup', () => {
  const orders = config.teams.find((t) => t.id === 'orders')!;
  const c = aCase({ assigneeId: 'ito' });
  const emailOf = (id: string) => orders.members.find((m) => m.id === id)!.email;

  it('warn → assignee, lead → team lead, manager → manager, executive → config.executives', () => {
    expect(stepRecipients({ kind: 'warn' }, c, orders, config.executives).map((r) => r.email)).toEqual([
      emailOf('ito'),
    ]);
    expect(stepRecipients({ kind: 'escalate', level: 'lead' }, c, orders, config.executives)).toEqual([
      expect.objectContaining({ email: emailOf(orders.leadId), memberId: orders.leadId }),
    ]);
    expect(
      stepRecipients({ kind: 'escalate', level: 'manager' }, c, orders, config.executives).map(
        (r) => r.memberId,
      ),
    ).toEqual([orders.managerId]);
    expect(
      stepRecipients({ kind: 'escalate', level: 'executive' }, c, orders, config.executives).map(
        (r) => r.email,
      ),
    ).toEqual(config.executives.map((e) => e.email));
  });

  it('falls back to the manager without executives and to the team inbox for a member who left', () => {
    expect(
      stepRecipients({ kind: 'escalate', level: 'executive' }, c, orders, []).map((r) => r.memberId),
    ).toEqual([orders.managerId]);
    expect(
      stepRecipients({ kind: 'warn' }, aCase({ assigneeId: 'gone' }), orders, []).map((r) => r.email),
    ).toEqual([orders.inboxEmail]);
    expect(stepRecipients({ kind: 'follow_up' }, c, orders, config.executives)).toEqual([]);
  });

  it('finds the team calendar and the severity policy; an unknown team falls back to the fallback team', () => {
    expect(slaContextOf(c, config)).toMatchObject({
      team: { id: 'orders' },
      calendar: { id: 'tokyo-office' },
      policy: critical,
    });
    expect(slaContextOf(aCase({ teamId: 'gone', severity: 'routine' }), config)).toMatchObject({
      team: { id: config.routing.fallbackTeamId },
      policy: routine,
    });
  });
});

describe('a bad follow-up answer', () => {
  it('reopens with an immediate escalation to the first rung, then the fresh acknowledge clock', () => {
    const start = jst('2026-11-24 09:30');
    const tl = [
      ...opened(start),
      ev('acknowledged', jst('2026-11-24 10:00')),
      ev('resolved', jst('2026-11-24 15:00')),
      ev('follow_up_sent', jst('2026-12-01 15:00'), { stepId: 'follow_up' }),
      ev('verified', jst('2026-12-02 10:00'), { verdict: 'bad' }),
      ev('reopened', jst('2026-12-02 10:00'), { reason: 'follow_up_bad' }),
    ];
    const steps = fireAll(withStatus('reopened'), tl);
    expect(summary(steps)).toEqual([
      ['r1:reopen:lead', jst('2026-12-02 10:00')],
      ['r1:ack:warn', jst('2026-12-02 11:30')],
      ['r1:ack:lead', jst('2026-12-02 12:00')],
      ['r1:ack:manager', jst('2026-12-02 13:00')],
      ['r1:ack:executive', jst('2026-12-02 14:00')],
    ]);
    expect(steps[0]).toMatchObject({
      kind: 'escalate',
      level: 'lead',
      clock: 'acknowledge',
    });
    expect(steps[0]?.rung).toBeUndefined(); // not a breach
    // A staff reopen (any other reason) does not escalate by itself.
    const staff = [
      ...tl.slice(0, -1),
      ev('reopened', jst('2026-12-02 10:00'), { reason: 'customer_called' }),
    ];
    expect(nextStep(withStatus('reopened'), staff, tokyo, critical, followUp)?.stepId).toBe('r1:ack:warn');
  });
});
