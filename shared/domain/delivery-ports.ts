/**
 * Ports of delivery after a commit: the relay's targets (functions/relay), the outbox marks, and
 * what the intake reconciler reads (core/delivery/reconcile.ts). DynamoDB, SQS and EventBridge
 * adapters in shared/adapters.
 */
import type { OutboxEntry } from './outbox.ts';

/** Where outbox items go. */
export interface RelayTargets {
  /** Sends a notice for staff to the staff notify queue. */
  notifyStaff(message: Record<string, unknown>): Promise<void>;
  /** Sends a notice for a customer to the customer notify queue. */
  notifyCustomer(message: Record<string, unknown>): Promise<void>;
  /** Publishes a versioned event (its `type` names it) to the event bus. */
  publish(event: Record<string, unknown>): Promise<void>;
}

export interface OutboxMarks {
  /** Stamps the outbox item as handed on (once; an item erased or expired since stays gone). */
  markRelayed(id: string, at: Date): Promise<void>;
}

/** One page of what arrived: how many items were looked at, and those still waiting. */
export interface Unfinished<T> {
  checked: number;
  waiting: T[];
}

export interface ArrivalLedger {
  /** Everything that arrived before this instant (ISO) was checked; undefined before the first run. */
  checkpoint(): Promise<string | undefined>;
  /** Moves the checkpoint to `through`, never back (a concurrent run may be ahead). */
  advance(through: string): Promise<void>;
  /** Feedback that arrived in [from, to) (within one UTC hour) and has no triage marker. */
  untriaged(from: string, to: string): Promise<Unfinished<string>>;
  /** Outbox items that arrived in [from, to) (within one UTC hour) and were never relayed. */
  unrelayed(from: string, to: string): Promise<Unfinished<OutboxEntry>>;
}
