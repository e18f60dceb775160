/**
 * The staff directory the console shows names from and reassigns with: the teams the caller may
 * see (admins: every configured team, including those with no cases yet), each with its members'
 * names. Addresses stay out: the console never needs them, and a member's inbox is config's.
 */
import { canAccessTeam, type Principal } from '../../shared/auth/principal.ts';
import type { Config } from '../../shared/config/schema.ts';

export interface TeamDirectoryEntry {
  teamId: string;
  name: string;
  leadId: string;
  managerId: string;
  members: { memberId: string; name: string; locale: string; available: boolean }[];
}

export function listTeams(principal: Principal, deps: { config: Config }): { items: TeamDirectoryEntry[] } {
  const items = deps.config.teams
    .filter((team) => canAccessTeam(principal, team.id))
    .map((team) => ({
      teamId: team.id,
      name: team.name,
      leadId: team.leadId,
      managerId: team.managerId,
      members: team.members.map((m) => ({
        memberId: m.id,
        name: m.name,
        locale: m.locale,
        available: m.available,
      })),
    }));
  return { items };
}
