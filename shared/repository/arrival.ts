/**
 * Where the intake reconciler finds what arrived in an hour: the `arrivals` index
 * (shared/table.ts). Feedback (ingest's one PutItem) and outbox items (in their change's
 * transaction) carry
 *
 * - `arrivalHour`: `ARRIVED#<kind>#<yyyy-mm-ddThh>#<shard>`, kind `FEEDBACK` or `OUTBOX`, the UTC
 *   hour of `arrivedAt`, shard `00`..`15` from a hash of the item's `pk`;
 * - `arrivedAt`: the ISO instant it was written (the sort key).
 *
 * So one hour of one kind is 16 small Queries, and nothing is ever scanned. The checkpoint item
 * `RECONCILE#intake` / `CHECKPOINT` holds `through`: everything that arrived before it was checked.
 */
import { HOUR_MS } from '../domain/time.ts';
import { type itemTypes, table } from '../table.ts';
import { shardOf } from './shard.ts';

export type ArrivalKind = 'FEEDBACK' | 'OUTBOX';

export interface ArrivalFields {
  arrivalHour: string;
  arrivedAt: string;
}

const { shards } = table.arrivalsIndex;
const shardLabel = (n: number) => String(n).padStart(2, '0');
const hourOf = (at: string) => at.slice(0, 13);

/** The index fields of an item with this `pk` written at `at`. */
export function arrivalFields(kind: ArrivalKind, pk: string, at: string): ArrivalFields {
  return { arrivalHour: `ARRIVED#${kind}#${hourOf(at)}#${shardLabel(shardOf(pk, shards))}`, arrivedAt: at };
}

/** Every partition value of the hour that `at` falls in, one per shard. */
export function arrivalPartitions(kind: ArrivalKind, at: string): string[] {
  return Array.from({ length: shards }, (_, i) => `ARRIVED#${kind}#${hourOf(at)}#${shardLabel(i)}`);
}

/** The start of the next UTC hour after `at`. */
export function nextHour(at: Date): Date {
  return new Date((Math.floor(at.getTime() / HOUR_MS) + 1) * HOUR_MS);
}

/** Attribute names of the fields, so readers can strip them. */
export const arrivalAttributes = [table.arrivalsIndex.partitionKey, table.arrivalsIndex.sortKey] as const;

export const reconcileCheckpointKey = { pk: 'RECONCILE#intake', sk: 'CHECKPOINT' } as const;

export interface ReconcileCheckpointItem {
  pk: typeof reconcileCheckpointKey.pk;
  sk: typeof reconcileCheckpointKey.sk;
  type: typeof itemTypes.checkpoint;
  /** Everything that arrived before this instant (ISO) was checked. */
  through: string;
}
