/**
 * A touchpoint's reusable survey code, for staff to print (`GET /v1/sites/{siteId}/touchpoints/
 * {touchpoint}/qr.svg`). The staff who may are the members of the teams that own the touchpoint's
 * cases, and admins: the answers land in those teams' queues.
 */

import type { Principal } from '../../shared/auth/principal.ts';
import type { Clock } from '../../shared/clock.ts';
import type { Config } from '../../shared/config/schema.ts';
import { NotFound, NotInTeam } from '../../shared/domain/errors.ts';
import { type Poster, type PosterStore, posterIdFrom, posterSurveyOf } from '../../shared/domain/poster.ts';

export interface PosterDeps {
  posters: PosterStore;
  config: Pick<Config, 'sites' | 'invitations' | 'routing'>;
  clock: Clock;
  /** 16 random bytes (node:crypto's randomBytes in the functions). */
  randomBytes: (n: number) => Uint8Array;
}

/**
 * The teams whose routing rules name the touchpoint, else the fallback team: those that own its
 * cases. (Rules on categories or keywords could route any touchpoint; they do not make it theirs.)
 */
export function teamsOfTouchpoint(config: Pick<Config, 'routing'>, touchpoint: string): string[] {
  const teams = config.routing.rules
    .filter((r) => r.match.touchpoints?.includes(touchpoint))
    .map((r) => r.teamId);
  return teams.length > 0 ? [...new Set(teams)] : [config.routing.fallbackTeamId];
}

export async function touchpointPoster(
  siteId: string,
  touchpoint: string,
  principal: Principal,
  deps: PosterDeps,
): Promise<Poster> {
  if (!deps.config.sites.some((s) => s.id === siteId)) throw new NotFound('site', siteId);
  const teams = teamsOfTouchpoint(deps.config, touchpoint);
  if (!principal.admin && !teams.some((t) => principal.teamIds.includes(t))) {
    throw new NotInTeam(`not a member of a team that gets ${touchpoint} cases (${teams.join(', ')})`);
  }
  return deps.posters.getOrCreate({
    posterId: posterIdFrom(deps.randomBytes(16)),
    siteId,
    touchpoint,
    survey: posterSurveyOf(deps.config.invitations.rules, touchpoint),
    createdAt: deps.clock.now().toISOString(),
    createdBy: principal.memberId,
  });
}
