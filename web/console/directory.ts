/// <reference lib="dom" />
/**
 * Team and member names for the ids the API answers with, from `GET /v1/teams`. Views show an id
 * the directory does not know (or everything, when the call fails) as the id itself: names help,
 * but no view waits on them to work.
 */
import { api } from './api.ts';
import type { TeamDirectory } from './types.ts';

export interface Names {
  /** The teams the viewer may see (admins: every configured team), by id. */
  teamIds: string[];
  team: (teamId: string) => string;
  member: (teamId: string, memberId: string) => string;
  /** A team's members, in the directory's order (none for a team the viewer may not see). */
  members: (teamId: string) => TeamDirectory[number]['members'];
}

export function namesOf(directory: TeamDirectory): Names {
  const teams = new Map(directory.map((d) => [d.teamId, d]));
  return {
    teamIds: [...teams.keys()],
    team: (teamId) => teams.get(teamId)?.name ?? teamId,
    member: (teamId, memberId) =>
      teams.get(teamId)?.members.find((m) => m.memberId === memberId)?.name ?? memberId,
    members: (teamId) => teams.get(teamId)?.members ?? [],
  };
}

export function loadNames(): Promise<Names> {
  return api<{ items: TeamDirectory }>('GET', '/v1/teams').then(
    ({ data }) => namesOf(data.items),
    () => namesOf([]),
  );
}
