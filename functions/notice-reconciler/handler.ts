import type { ScheduledEvent } from 'aws-lambda';
import { type LeaseReconcileResult, type ReconcileDeps, reconcileLeases } from '../../core/notices/leases.ts';

/**
 * Handler of the `rate(5 minutes)` rule: one pass over the notice claims whose lease ran out
 * (core/notices/leases.ts). A claim that fails stays due; the run fails only when the index
 * cannot be read.
 */
export function makeNoticeReconcilerHandler(deps: ReconcileDeps) {
  return async function noticeReconciler(_event?: ScheduledEvent): Promise<LeaseReconcileResult> {
    return reconcileLeases(deps);
  };
}
