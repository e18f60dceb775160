/**
 * Key formats of the ask side (docs/invitations.md):
 * - `journeyEvent`: `JEVENT#<siteId>#<eventId>` / `EVENT`, one journey event as received;
 * - `invitation`: `INVITATION#<invitationId>` / `INVITATION`; while it has a next step it sits in
 *   the `timers` index under `INVITE#00`..`INVITE#15` (a stable hash of its id) at that step's time;
 * - `contactState`: `CONTACTLOG#<contactKey>` / `STATE`, what the contact limits read;
 * - `contactLog`: `CONTACTLOG#<contactKey>` / `LOG#<at>#<invitationId>#<what>`, the customer's
 *   contact log (invited, reminded, skipped and why, answered, expired).
 * Events and invitations with an address carry `customerHash`, so erasure finds them.
 */
import type {
  ContactLogEntry,
  ContactLogWhat,
  ContactState,
  Invitation,
  SkipReason,
} from '../domain/invitation.ts';
import { nextInvitationStep } from '../domain/invitation.ts';
import type { StoredEvent } from '../domain/journey.ts';
import { itemTypes, table } from '../table.ts';
import { customerHashOf } from './feedback-item.ts';
import { shardOf } from './shard.ts';

const DAY_S = 86_400;
const customerHashAttribute = table.customerIndex.partitionKey;

export const journeyEventKey = (siteId: string, eventId: string) => ({
  pk: `JEVENT#${siteId}#${eventId}`,
  sk: 'EVENT',
});
export const invitationKey = (invitationId: string) => ({
  pk: `INVITATION#${invitationId}`,
  sk: 'INVITATION',
});
export const invitationIdOfPk = (pk: string) => pk.slice('INVITATION#'.length);
export const contactStateKey = (contactKey: string) => ({ pk: `CONTACTLOG#${contactKey}`, sk: 'STATE' });
export const contactLogPk = (contactKey: string) => `CONTACTLOG#${contactKey}`;
/**
 * When a customer's first journey event arrived, for their cohort when no event names
 * `customer.since`. In the contact log's partition, so erasing the log erases it too.
 */
export const firstSeenKey = (contactKey: string) => ({ pk: contactLogPk(contactKey), sk: 'FIRSTSEEN' });

/** Sets `firstSeenAt` once (later events leave it): a plain update, so it never cancels its transaction. */
export function firstSeenUpdate(tableName: string, contactKey: string, at: string, retentionDays: number) {
  return {
    TableName: tableName,
    Key: firstSeenKey(contactKey),
    UpdateExpression: 'SET #type = :type, #first = if_not_exists(#first, :at), expiresAt = :expires',
    ExpressionAttributeNames: { '#type': 'type', '#first': 'firstSeenAt' },
    ExpressionAttributeValues: {
      ':type': itemTypes.firstSeen,
      ':at': at,
      ':expires': expiresAtOf(at, retentionDays),
    },
  };
}

export const firstSeenFromItem = (item: Record<string, unknown> | undefined) =>
  typeof item?.firstSeenAt === 'string' ? item.firstSeenAt : undefined;

/** Every invitation shard partition value, `INVITE#00`..`INVITE#15`. */
export const invitationShards: readonly string[] = Array.from(
  { length: table.timersIndex.shards },
  (_, i) => `INVITE#${String(i).padStart(2, '0')}`,
);

const expiresAtOf = (iso: string, retentionDays: number) =>
  Math.floor(Date.parse(iso) / 1000) + retentionDays * DAY_S;

export function journeyEventToItem(event: StoredEvent, retentionDays: number) {
  const email = event.customer.email;
  return {
    ...journeyEventKey(event.siteId, event.eventId),
    ...event,
    // The event's own `type` is kept as `eventType`: `type` names the item kind in this table.
    type: itemTypes.journeyEvent,
    eventType: event.type,
    expiresAt: expiresAtOf(event.receivedAt, retentionDays),
    ...(email ? { [customerHashAttribute]: customerHashOf(email) } : {}),
  };
}

export function journeyEventFromItem(item: Record<string, unknown>): StoredEvent {
  const {
    pk: _pk,
    sk: _sk,
    type: _t,
    eventType,
    expiresAt: _e,
    [customerHashAttribute]: _c,
    ...event
  } = item;
  return { ...event, type: eventType } as unknown as StoredEvent;
}

/** The invitation item, its timer fields set to its next step (none: it leaves the index). */
export function invitationToItem(inv: Invitation, retentionDays: number): Record<string, unknown> {
  const step = nextInvitationStep(inv);
  const email = inv.customer.email;
  return {
    ...invitationKey(inv.invitationId),
    type: itemTypes.invitation,
    ...inv,
    ...(step
      ? {
          [table.timersIndex.partitionKey]: invitationShardOf(inv.invitationId),
          [table.timersIndex.sortKey]: step.dueAt,
          dueStep: step.step,
        }
      : {}),
    expiresAt: expiresAtOf(inv.closesAt, retentionDays),
    ...(email ? { [customerHashAttribute]: customerHashOf(email) } : {}),
  };
}

export function invitationFromItem(item: Record<string, unknown>): Invitation {
  const {
    pk: _pk,
    sk: _sk,
    type: _t,
    expiresAt: _ttl,
    timerShard: _s,
    dueAt: _d,
    dueStep: _ds,
    [customerHashAttribute]: _c,
    ...inv
  } = item;
  return inv as unknown as Invitation;
}

export function invitationShardOf(invitationId: string): string {
  return invitationShards[shardOf(invitationId, invitationShards.length)] as string;
}

export function contactStateItem(contactKey: string, state: ContactState, now: Date, retentionDays: number) {
  return {
    ...contactStateKey(contactKey),
    type: itemTypes.contactState,
    ...state,
    expiresAt: Math.floor(now.getTime() / 1000) + retentionDays * DAY_S,
  };
}

export function contactStateFromItem(item: Record<string, unknown> | undefined): ContactState {
  if (!item) return { sentAt: [], version: 0 };
  return {
    sentAt: Array.isArray(item.sentAt) ? (item.sentAt as string[]) : [],
    ...(typeof item.lastAnsweredAt === 'string' ? { lastAnsweredAt: item.lastAnsweredAt } : {}),
    ...(typeof item.lastIgnoredAt === 'string' ? { lastIgnoredAt: item.lastIgnoredAt } : {}),
    version: typeof item.version === 'number' ? item.version : 0,
  };
}

export function contactLogItem(contactKey: string, entry: ContactLogEntry, retentionDays: number) {
  return {
    pk: contactLogPk(contactKey),
    sk: `LOG#${entry.at}#${entry.invitationId}#${entry.what}`,
    type: itemTypes.contactLog,
    ...entry,
    expiresAt: expiresAtOf(entry.at, retentionDays),
  };
}

export function contactLogFromItem(item: Record<string, unknown>): ContactLogEntry {
  return {
    at: item.at as string,
    invitationId: item.invitationId as string,
    what: item.what as ContactLogWhat,
    touchpoint: item.touchpoint as string,
    ...(typeof item.reason === 'string' ? { reason: item.reason as SkipReason } : {}),
  };
}
