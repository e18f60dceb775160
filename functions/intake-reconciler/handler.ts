import type { Context } from 'aws-lambda';
import { type ReconcileDeps, type ReconcileResult, reconcileIntake } from '../../core/delivery/reconcile.ts';
import { logger } from '../../shared/observability.ts';

export interface ReconcilerHandlerDeps extends Omit<ReconcileDeps, 'shouldStop'> {
  /** Stop starting hours when less than this much of the invocation is left (default 60 s). */
  reserveMs?: number;
}

/**
 * Handler of the hourly EventBridge rule, and of a hand invocation (any event): one reconciler
 * run at the function's clock. What it found is logged and answered; a failure fails the
 * invocation (the errors alarm) and the next run resumes from the checkpoint.
 */
export function makeReconcilerHandler(deps: ReconcilerHandlerDeps) {
  return async function intakeReconciler(_event?: unknown, context?: Context): Promise<ReconcileResult> {
    const reserveMs = deps.reserveMs ?? 60_000;
    const shouldStop = context ? () => context.getRemainingTimeInMillis() < reserveMs : undefined;
    const result = await reconcileIntake({ ...deps, ...(shouldStop ? { shouldStop } : {}) });
    // Anything sent again means the stream lost it: a warning an operator can search for.
    if (result.feedbackRequeued + result.outboxForwarded > 0) logger.warn('intake reconciled', { ...result });
    else logger.info('intake reconciled', { ...result });
    return result;
  };
}
