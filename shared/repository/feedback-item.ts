import { createHash } from 'node:crypto';
import type { Feedback } from '../domain/feedback.ts';
import { itemTypes, table } from '../table.ts';

export interface FeedbackItem extends Feedback {
  pk: string;
  sk: string;
  type: typeof itemTypes.feedback;
  expiresAt: number;
  /** `CUSTOMER#<sha256 hex>` of the customer's address, when there is one (the erasure index). */
  customerHash?: string;
}

export const feedbackKey = (feedbackId: string) => ({ pk: `FEEDBACK#${feedbackId}`, sk: 'FEEDBACK' });

/**
 * The erasure index's partition value for an address: trimmed and lower-cased (as the suppression
 * list normalizes it), hashed so the index holds no address in clear.
 */
export const customerHashOf = (email: string) =>
  `CUSTOMER#${createHash('sha256').update(email.trim().toLowerCase()).digest('hex')}`;

const customerHashAttribute = table.customerIndex.partitionKey;

export function toItem(feedback: Feedback, retentionDays: number): FeedbackItem {
  const expiresAt = Math.floor(Date.parse(feedback.receivedAt) / 1000) + retentionDays * 86_400;
  const email = feedback.customer?.email;
  return {
    ...feedbackKey(feedback.feedbackId),
    type: itemTypes.feedback,
    ...feedback,
    expiresAt,
    ...(email ? { [customerHashAttribute]: customerHashOf(email) } : {}),
  };
}

export function fromItem(item: Record<string, unknown>): Feedback {
  const {
    pk: _pk,
    sk: _sk,
    type: _type,
    expiresAt: _expiresAt,
    [customerHashAttribute]: _customerHash,
    ...feedback
  } = item;
  return feedback as unknown as Feedback;
}
