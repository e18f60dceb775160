import { itemTypes } from '../table.ts';
import { type ArrivalFields, arrivalFields } from './arrival.ts';

/**
 * Transactional outbox: a use case that must queue a notice or publish an event writes an outbox
 * item in the same DynamoDB transaction as the state change. The table's stream carries each new
 * item to the relay (functions/relay), which sends it on and stamps `relayedAt`. So a state change
 * and its messages are written together or not at all, and a queue or bus outage only delays them.
 * An item the stream lost (the relay down past the stream's 24 h) stays without `relayedAt`, and
 * the intake reconciler finds it by its arrival hour (shared/repository/arrival.ts).
 */
export type OutboxTarget = 'notify' | 'bus';

export interface OutboxItem extends ArrivalFields {
  pk: string;
  sk: 'OUTBOX';
  type: typeof itemTypes.outbox;
  target: OutboxTarget;
  /** The message body, a versioned contract from shared/events. */
  message: Record<string, unknown>;
  createdAt: string;
  /** Relayed within seconds; TTL removes the item a week later. */
  expiresAt: number;
  /** When the relay (or the reconciler) handed it on; absent while it was not. */
  relayedAt?: string;
}

const retentionSeconds = 7 * 86_400;

/** The key of the outbox item with this id. */
export const outboxKey = (id: string) => ({ pk: `OUTBOX#${id}`, sk: 'OUTBOX' as const });
/** The id in an outbox item's `pk`. */
export const outboxIdOf = (pk: string) => pk.slice('OUTBOX#'.length);

/**
 * `id` must be deterministic for the message (e.g. `notice:<caseId>:<kind>:<step>`): writing the
 * same id again replaces the item, which the stream reports as MODIFY, and the relay forwards only
 * INSERTs. A retried use case therefore cannot send a message twice through the outbox.
 */
export function outboxItem(
  id: string,
  target: OutboxTarget,
  message: Record<string, unknown>,
  now: Date,
): OutboxItem {
  const { pk, sk } = outboxKey(id);
  const createdAt = now.toISOString();
  return {
    pk,
    sk,
    type: itemTypes.outbox,
    target,
    message,
    createdAt,
    ...arrivalFields('OUTBOX', pk, createdAt),
    expiresAt: Math.floor(now.getTime() / 1000) + retentionSeconds,
  };
}
