/**
 * The intake reconciler (functions/intake-reconciler, hourly; `closeloop reconcile` by hand;
 * `POST /__local/reconcile` locally): what the table stream should have carried and did not.
 * Feedback older than 10 minutes without a triage marker goes to the triage queue again, and
 * outbox items never relayed go to their targets. It reads the `arrivals` index hour by hour from
 * its checkpoint (shared/repository/arrival.ts), never the whole table.
 *
 * A second delivery is harmless downstream: triage's conditional marker opens no second case, and
 * notify's claim sends each notice at most once per recipient. So two runs at once, or a run next
 * to a live relay, send nothing twice. The checkpoint moves only past an hour that was done, so a
 * run that fails halfway leaves it where the next run picks up.
 */
import type { Clock } from '../../shared/clock.ts';
import type { ArrivalLedger, OutboxMarks, RelayTargets } from '../../shared/domain/delivery-ports.ts';
import { HOUR_MS, MINUTE_MS } from '../../shared/domain/time.ts';
import type { FeedbackReceived } from '../../shared/events/feedback-received.ts';
import { nextHour } from '../../shared/repository/arrival.ts';
import { forwardOutbox } from './forward.ts';

/** Younger items may still be on their way (the Pipe and the relay take seconds). */
export const RECONCILE_MIN_AGE_MS = 10 * MINUTE_MS;
/**
 * Without a checkpoint (the first run after the deploy that added the arrivals index), look back
 * a day: items older than that deploy carry no arrival fields, and the first hourly run comes
 * within the hour.
 */
export const FIRST_RUN_LOOKBACK_MS = 24 * HOUR_MS;
/** Sends in flight at once. */
const PARALLEL_SENDS = 16;

export interface ReconcileDeps {
  ledger: ArrivalLedger;
  /** Sends a message to the triage queue. */
  triage(message: FeedbackReceived): Promise<void>;
  targets: RelayTargets;
  marks: OutboxMarks;
  clock: Clock;
  /** Asked before each hour: true ends the run there, and the next run goes on from it. */
  shouldStop?: () => boolean;
}

export interface ReconcileResult {
  /** The checkpoint the run started from, and where it left it (ISO). */
  from: string;
  through: string;
  /** False when `shouldStop` ended the run before it caught up. */
  caughtUp: boolean;
  feedbackChecked: number;
  feedbackRequeued: number;
  outboxChecked: number;
  outboxForwarded: number;
}

export async function reconcileIntake(deps: ReconcileDeps): Promise<ReconcileResult> {
  const now = deps.clock.now();
  const horizon = new Date(now.getTime() - RECONCILE_MIN_AGE_MS);
  const from =
    (await deps.ledger.checkpoint()) ?? new Date(horizon.getTime() - FIRST_RUN_LOOKBACK_MS).toISOString();
  const result: ReconcileResult = {
    from,
    through: from,
    caughtUp: true,
    feedbackChecked: 0,
    feedbackRequeued: 0,
    outboxChecked: 0,
    outboxForwarded: 0,
  };
  let cursor = new Date(from);
  while (cursor < horizon) {
    if (deps.shouldStop?.()) {
      result.caughtUp = false;
      break;
    }
    const end = new Date(Math.min(nextHour(cursor).getTime(), horizon.getTime()));
    const [start, stop] = [cursor.toISOString(), end.toISOString()];

    // Independent reads: the outbox items of feedback re-queued now arrive past this run's horizon.
    const [feedback, outbox] = await Promise.all([
      deps.ledger.untriaged(start, stop),
      deps.ledger.unrelayed(start, stop),
    ]);
    await eachLimited(feedback.waiting, (feedbackId) =>
      deps.triage({ type: 'feedback.received', version: 1, feedbackId }),
    );
    result.feedbackChecked += feedback.checked;
    result.feedbackRequeued += feedback.waiting.length;

    await eachLimited(outbox.waiting, async (entry) => {
      await forwardOutbox(entry, deps.targets);
      await deps.marks.markRelayed(entry.id, now);
    });
    result.outboxChecked += outbox.checked;
    result.outboxForwarded += outbox.waiting.length;

    await deps.ledger.advance(stop);
    result.through = stop;
    cursor = end;
  }
  return result;
}

/** Runs `work` over `items`, at most PARALLEL_SENDS at once; the first failure fails the whole. */
async function eachLimited<T>(items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_SENDS, items.length) }, worker));
}
