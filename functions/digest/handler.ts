import type { ScheduledEvent } from 'aws-lambda';
import { type DigestDeps, sendWeeklyDigests, type TeamDigestResult } from '../../core/insights/digest.ts';
import type { Clock } from '../../shared/clock.ts';
import { logger } from '../../shared/observability.ts';

export interface DigestHandlerDeps extends DigestDeps {
  clock: Clock;
}

/**
 * Handler of the weekly EventBridge rule (`cron(0 0 ? * MON *)`, Monday 09:00 JST): one digest per
 * team for the week that just ended on its calendar. A rerun (retry, overlap) queues nothing new.
 */
export function makeDigestHandler(deps: DigestHandlerDeps) {
  return async function digest(_event?: ScheduledEvent): Promise<{ teams: TeamDigestResult[] }> {
    const teams = await sendWeeklyDigests(deps.clock.now(), deps);
    logger.info('weekly digest', {
      queued: teams.filter((t) => t.outcome === 'queued').map((t) => t.noticeId),
      alreadyQueued: teams.filter((t) => t.outcome === 'exists').map((t) => t.noticeId),
    });
    return { teams };
  };
}
