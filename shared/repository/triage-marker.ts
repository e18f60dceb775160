import type { TriageMarker } from '../domain/triage-ports.ts';
import { itemTypes } from '../table.ts';
import { feedbackKey } from './feedback-item.ts';

/**
 * One per triaged feedback, next to the feedback (`pk = FEEDBACK#<id>`, `sk = TRIAGED`), written
 * conditionally in the triage transaction: a redelivered message finds it and changes nothing,
 * so a feedback is counted once whether or not it opened a case. It expires with the feedback.
 */
export const triageMarkerKey = (feedbackId: string) => ({ pk: feedbackKey(feedbackId).pk, sk: 'TRIAGED' });

export interface TriageMarkerItem extends TriageMarker {
  pk: string;
  sk: 'TRIAGED';
  type: typeof itemTypes.triaged;
  expiresAt: number;
}

export function toTriageMarkerItem(marker: TriageMarker, retentionDays: number): TriageMarkerItem {
  return {
    ...triageMarkerKey(marker.feedbackId),
    sk: 'TRIAGED',
    type: itemTypes.triaged,
    ...marker,
    expiresAt: Math.floor(Date.parse(marker.receivedAt) / 1000) + retentionDays * 86_400,
  };
}
