import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { type SweepDeps, type SweepResult, sweepDue } from '../../core/cases/sla-sweep.ts';
import { lapseUnconfirmed } from '../../core/contacts/index.ts';
import {
  type InvitationSweepResult,
  type SweepInvitationDeps,
  sweepInvitations,
} from '../../core/invitations/index.ts';
import { flushStaffDigests } from '../../core/notices/staff-bursts.ts';
import { type ImpactDeps, verifyDueProblems } from '../../core/problems/impact.ts';
import type { Clock } from '../../shared/clock.ts';
import type { ContactStore } from '../../shared/domain/contact-ports.ts';
import type { StaffBurstStore } from '../../shared/domain/staff-bursts.ts';
import { logger } from '../../shared/observability.ts';

export interface SlaHandlerDeps extends Omit<SweepDeps, 'shouldStop'> {
  clock: Clock;
  /** Double opt-in: consent of cases whose address stayed unconfirmed lapses in the same minute job. */
  contacts?: ContactStore;
  /** Flood containment: the digests of staff alert windows that ended go out in the same job. */
  bursts?: StaffBurstStore;
  /** Survey invitations: sent, reminded and closed in the same minute job (core/invitations). */
  invitations?: Omit<SweepInvitationDeps, 'shouldStop'>;
  /** Problems: the before/after fix checks that fell due run in the same minute job (core/problems/impact.ts). */
  problems?: ImpactDeps;
  /** Powertools Metrics (EMF): breaches, escalations, sweep size and time. Optional in tests. */
  metrics?: Metrics;
  /**
   * Stop starting due cases when less than this much of the invocation is left (default 8 s),
   * so the run ends cleanly before its timeout and never overlaps the next minute's run for long;
   * whatever is left stays due and the next run takes it.
   */
  reserveMs?: number;
}

export type SlaRunSummary = Omit<SweepResult, 'fired'> & {
  fired: number;
  durationMs: number;
  /** Largest delay between a step's due time and its firing (ms), invariant 6. */
  maxLagMs: number;
};

/**
 * Handler of the `rate(1 minute)` EventBridge rule: one sweep at the function's clock. Errors on
 * single cases are logged and counted (the case stays due, the next run tries again); the run
 * itself only fails when the index cannot be read.
 */
export function makeSlaHandler(deps: SlaHandlerDeps) {
  return async function sla(_event?: ScheduledEvent, context?: Context): Promise<SlaRunSummary> {
    const started = performance.now();
    const reserveMs = deps.reserveMs ?? 8_000;
    const shouldStop = context ? () => context.getRemainingTimeInMillis() < reserveMs : undefined;
    const result = await sweepDue(deps.clock.now(), { ...deps, ...(shouldStop ? { shouldStop } : {}) });
    const summary: SlaRunSummary = {
      ...result,
      fired: result.fired.length,
      durationMs: Math.round(performance.now() - started),
      maxLagMs: result.fired.reduce((max, f) => Math.max(max, f.lagMs), 0),
    };
    if (deps.invitations) {
      // Its own try: a failed invitation run does not fail the sweep; what is due stays due.
      try {
        const invited = await sweepInvitations(deps.clock.now(), {
          ...deps.invitations,
          ...(shouldStop ? { shouldStop } : {}),
        });
        if (invited.due > 0) logger.info('invitation sweep', { ...invited });
        if (deps.metrics) recordInvitationMetrics(deps.metrics, invited);
      } catch (error) {
        logger.error('invitation sweep failed', { error: error as Error });
      }
    }
    if (deps.problems) {
      // Its own try: a failed check run does not fail the sweep; the checks stay due.
      try {
        const checks = await verifyDueProblems(deps.problems);
        if (checks.verified.length + checks.dropped > 0) logger.info('problem fix checks', { ...checks });
      } catch (error) {
        logger.error('problem fix checks failed', { error: error as Error });
      }
    }
    if (deps.contacts) {
      // Its own try: a failed lapse run does not fail the sweep; the lapses stay due.
      try {
        const lapses = await lapseUnconfirmed({ contacts: deps.contacts, clock: deps.clock });
        if (lapses.lapsed > 0) logger.info('contact consent lapsed', lapses);
      } catch (error) {
        logger.error('consent lapse run failed', { error: error as Error });
      }
    }
    if (deps.bursts) {
      try {
        const digests = await flushStaffDigests({ bursts: deps.bursts, now: deps.clock.now() });
        if (digests > 0) logger.info('staff digests queued', { digests });
      } catch (error) {
        logger.error('staff digest run failed', { error: error as Error });
      }
    }
    if (deps.metrics) recordMetrics(deps.metrics, result, summary);
    const log = result.errors > 0 ? logger.error.bind(logger) : logger.info.bind(logger);
    log('sla sweep', { ...summary, steps: result.fired.slice(0, 50).map((f) => `${f.caseId}:${f.stepId}`) });
    return summary;
  };
}

/** EMF metrics of one run; breaches by clock (the first rung of a ladder is the breach). */
export function recordMetrics(metrics: Metrics, result: SweepResult, summary: SlaRunSummary): void {
  const count = (pred: (f: SweepResult['fired'][number]) => boolean) => result.fired.filter(pred).length;
  metrics.addMetric('SlaDueCases', MetricUnit.Count, result.due);
  metrics.addMetric('SlaStepsFired', MetricUnit.Count, summary.fired);
  metrics.addMetric(
    'SlaWarnings',
    MetricUnit.Count,
    count((f) => f.kind === 'warn'),
  );
  metrics.addMetric(
    'SlaEscalations',
    MetricUnit.Count,
    count((f) => f.kind === 'escalate'),
  );
  metrics.addMetric(
    'SlaFollowUps',
    MetricUnit.Count,
    count((f) => f.kind === 'follow_up'),
  );
  metrics.addMetric(
    'SlaAutoClosed',
    MetricUnit.Count,
    count((f) => f.kind === 'auto_close'),
  );
  metrics.addMetric('SlaCasesPurged', MetricUnit.Count, result.purged);
  metrics.addMetric('SlaSweepErrors', MetricUnit.Count, result.errors);
  metrics.addMetric('SlaSweepDeferred', MetricUnit.Count, result.deferred);
  metrics.addMetric('SlaSweepDuration', MetricUnit.Milliseconds, summary.durationMs);
  metrics.addMetric('SlaStepMaxLag', MetricUnit.Milliseconds, summary.maxLagMs);
  metrics.publishStoredMetrics();
  for (const clock of ['acknowledge', 'resolve'] as const) {
    const breaches = count((f) => f.kind === 'escalate' && f.clock === clock && f.rung === 0);
    if (breaches === 0) continue;
    const single = metrics.singleMetric();
    single.addDimension('clock', clock);
    single.addMetric('SlaBreaches', MetricUnit.Count, breaches);
  }
}

/** EMF metrics of the invitation part: what went out, and each skip by its reason. */
export function recordInvitationMetrics(metrics: Metrics, result: InvitationSweepResult): void {
  metrics.addMetric('InvitationsSent', MetricUnit.Count, result.sent);
  metrics.addMetric('InvitationsReminded', MetricUnit.Count, result.reminded);
  metrics.addMetric('InvitationsExpired', MetricUnit.Count, result.expired);
  metrics.addMetric('InvitationSweepErrors', MetricUnit.Count, result.errors);
  metrics.publishStoredMetrics();
  for (const [reason, count] of Object.entries(result.skipped)) {
    const single = metrics.singleMetric();
    single.addDimension('reason', reason);
    single.addMetric('InvitationsSkipped', MetricUnit.Count, count ?? 0);
  }
}
