import { createHash } from 'node:crypto';
import type { Feedback } from '../domain/feedback.ts';
import { itemTypes, table } from '../table.ts';
import { type ArrivalFields, arrivalFields } from './arrival.ts';

/** Carries the `arrivals` index fields (shared/repository/arrival.ts), so the reconciler finds it by hour. */
export interface FeedbackItem extends Feedback, ArrivalFields {
  pk: string;
  sk: string;
  type: typeof itemTypes.feedback;
  expiresAt: number;
  /** `CUSTOMER#<sha256 hex>` of the customer's address, when there is one (the erasure index). */
  customerHash?: string;
}

export const feedbackKey = (feedbackId: string) => ({ pk: `FEEDBACK#${feedbackId}`, sk: 'FEEDBACK' });
/** The feedback id in a `pk` of its partition. */
export const feedbackIdOf = (pk: string) => pk.slice('FEEDBACK#'.length);

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
  const key = feedbackKey(feedback.feedbackId);
  return {
    ...key,
    type: itemTypes.feedback,
    ...feedback,
    ...arrivalFields('FEEDBACK', key.pk, feedback.receivedAt),
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
    arrivalHour: _arrivalHour,
    arrivedAt: _arrivedAt,
    ...feedback
  } = item;
  return feedback as unknown as Feedback;
}
