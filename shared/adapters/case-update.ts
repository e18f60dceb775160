import type { TimerFields } from '../domain/sla.ts';
import { timerAttributes } from '../repository/case-timer.ts';
import { type UpdateParts, updateExpression } from './dynamo.ts';

/**
 * The update of a case item: `SET` its changed fields and the timer, or `REMOVE` the timer when
 * the case has no next step (it then leaves the sparse timers index). Callers add the condition.
 */
export function caseFieldsUpdate(set: Record<string, unknown>, timer: TimerFields | undefined): UpdateParts {
  if (!timer) return updateExpression(set, timerAttributes);
  const timerSet = Object.fromEntries(timerAttributes.map((field) => [field, timer[field]]));
  return updateExpression({ ...set, ...timerSet });
}
