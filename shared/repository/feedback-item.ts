import type { Feedback } from '../domain/feedback.ts';
import { itemTypes } from '../table.ts';

export interface FeedbackItem extends Feedback {
  pk: string;
  sk: string;
  type: typeof itemTypes.feedback;
  expiresAt: number;
}

export const feedbackKey = (feedbackId: string) => ({ pk: `FEEDBACK#${feedbackId}`, sk: 'FEEDBACK' });

export function toItem(feedback: Feedback, retentionDays: number): FeedbackItem {
  const expiresAt = Math.floor(Date.parse(feedback.receivedAt) / 1000) + retentionDays * 86_400;
  return { ...feedbackKey(feedback.feedbackId), type: itemTypes.feedback, ...feedback, expiresAt };
}

export function fromItem(item: Record<string, unknown>): Feedback {
  const { pk: _pk, sk: _sk, type: _type, expiresAt: _expiresAt, ...feedback } = item;
  return feedback as unknown as Feedback;
}
