/**
 * A touchpoint's reusable survey code, for staff to print (`GET /v1/sites/{siteId}/touchpoints/
 * {touchpoint}/qr.svg`). The staff who may are those whose team can get the touchpoint's cases, and
 * admins: the answers land in their queue.
 */

import type { Principal } from '../../shared/auth/principal.ts';
import type { Clock } from '../../shared/clock.ts';
import type { Config } from '../../shared/config/schema.ts';
import { Forbidden, NotFound } from '../../shared/domain/errors.ts';
import { type Poster, type PosterStore, posterIdFrom, posterSurveyOf } from '../../shared/domain/poster.ts';

export interface PosterDeps {
  posters: PosterStore;
  config: Pick<Config, 'sites' | 'invitations' | 'routing'>;
  clock: Clock;
  /** 16 random bytes (node:crypto's randomBytes in the functions). */
  randomBytes: (n: number) => Uint8Array;
}

/** The teams that can get a touchpoint's cases: rules that may match it, and the fallback. */
export function teamsOfTouchpoint(config: Pick<Config, 'routing'>, touchpoint: string): string[] {
  const teams = config.routing.rules
    .filter((r) => r.match.touchpoints === undefined || r.match.touchpoints.includes(touchpoint))
    .map((r) => r.teamId);
  return [...new Set([...teams, config.routing.fallbackTeamId])];
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
    throw new Forbidden(`not a member of a team that gets ${touchpoint} cases (${teams.join(', ')})`);
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
