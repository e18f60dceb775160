import type { RoundRobinCursor } from '../domain/assignment.ts';
import type { itemTypes } from '../table.ts';

/**
 * A team's assignment state, one partition per team so triage reads it with one Query:
 * `sk = CURSOR` is the round-robin cursor, `sk = OPEN#<memberId>` a member's open-case count.
 */
export const teamPk = (teamId: string) => `TEAM#${teamId}`;
export const cursorKey = (teamId: string) => ({ pk: teamPk(teamId), sk: 'CURSOR' });
export const openCounterSkPrefix = 'OPEN#';
export const openCounterKey = (teamId: string, memberId: string) => ({
  pk: teamPk(teamId),
  sk: `${openCounterSkPrefix}${memberId}`,
});

export interface CursorItem extends RoundRobinCursor {
  pk: string;
  sk: 'CURSOR';
  type: typeof itemTypes.cursor;
  teamId: string;
  updatedAt: string;
}

export interface OpenCounterItem {
  pk: string;
  sk: string;
  type: typeof itemTypes.counter;
  teamId: string;
  memberId: string;
  /** Open cases assigned to the member: +1 when triage assigns, -1 when a case resolves or closes. */
  open: number;
}
