import type { Case, TimelineEvent } from '../domain/case.ts';
import { itemTypes, table } from '../table.ts';

/**
 * Case items: the case itself and its timeline share one partition, so `GET /v1/cases/{id}` is one
 * Query (`pk = CASE#<caseId>`): `sk = CASE` is the case, `sk = EVENT#<at>#<seq>` its events in
 * time order (the two-digit `seq` orders events written in the same millisecond).
 */
export const casePk = (caseId: string) => `CASE#${caseId}`;
export const caseKey = (caseId: string) => ({ pk: casePk(caseId), sk: 'CASE' });
export const eventSkPrefix = 'EVENT#';
export const eventSk = (at: string, seq: number) => `${eventSkPrefix}${at}#${String(seq).padStart(2, '0')}`;

/** The cases-by-team index keys (shared/table.ts): immutable, set once when the case is created. */
export const caseTeamKey = (teamId: string) => `TEAM#${teamId}`;
export const caseCreatedKey = (createdAt: string, caseId: string) => `${createdAt}#${caseId}`;
const { partitionKey: teamIndexPk, sortKey: teamIndexSk } = table.casesByTeamIndex;

/**
 * A case reference's claim (`REF#<ref>` / `REF`): put with the case in triage's transaction, on
 * the condition that it is new, so two cases never share a reference; never deleted, not even with
 * its case, so a reference is never given out twice. Holds no personal data.
 */
export const caseRefKey = (ref: string) => ({ pk: `REF#${ref}`, sk: 'REF' });

export interface CaseRefItem {
  pk: string;
  sk: 'REF';
  type: typeof itemTypes.caseRef;
  ref: string;
  caseId: string;
  createdAt: string;
}

export const toCaseRefItem = (c: Pick<Case, 'caseId' | 'createdAt'> & { ref: string }): CaseRefItem => ({
  ...caseRefKey(c.ref),
  sk: 'REF',
  type: itemTypes.caseRef,
  ref: c.ref,
  caseId: c.caseId,
  createdAt: c.createdAt,
});

export const caseIdOfRefItem = (item: Record<string, unknown>) =>
  String((item as unknown as CaseRefItem).caseId);

export interface CaseItem extends Case {
  pk: string;
  sk: 'CASE';
  type: typeof itemTypes.case;
  caseTeam: string;
  caseCreated: string;
}

/** The event's own `type` is stored as `eventType`: the item attribute `type` names the item kind. */
export interface EventItem extends Omit<TimelineEvent, 'type'> {
  pk: string;
  sk: string;
  type: typeof itemTypes.event;
  caseId: string;
  eventType: TimelineEvent['type'];
}

export function toCaseItem(c: Case): CaseItem {
  return {
    ...caseKey(c.caseId),
    sk: 'CASE',
    type: itemTypes.case,
    ...c,
    [teamIndexPk]: caseTeamKey(c.teamId),
    [teamIndexSk]: caseCreatedKey(c.createdAt, c.caseId),
  };
}

export function caseFromItem(item: Record<string, unknown>): Case {
  const { pk: _pk, sk: _sk, type: _type, [teamIndexPk]: _team, [teamIndexSk]: _created, ...rest } = item;
  return rest as unknown as Case;
}

export function toEventItem(caseId: string, event: TimelineEvent, seq: number): EventItem {
  const { type, ...rest } = event;
  return {
    pk: casePk(caseId),
    sk: eventSk(event.at, seq),
    type: itemTypes.event,
    caseId,
    eventType: type,
    ...rest,
  };
}

export function eventFromItem(item: Record<string, unknown>): TimelineEvent {
  const { at, eventType, actor, data, via } = item as unknown as EventItem;
  return { at, type: eventType, actor, data, via };
}
