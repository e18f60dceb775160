import { AdminOnly, Forbidden, NotInTeam, Unauthenticated } from '../domain/errors.ts';

export { Forbidden, Unauthenticated };
/**
 * Who is calling the staff API, read from the JWT claims that API Gateway's JWT authorizer (Cognito
 * in AWS) or the local stack's verifier put on the event. Groups are team ids, plus `admin`.
 */
export interface Principal {
  memberId: string;
  teamIds: string[];
  admin: boolean;
}

export const adminGroup = 'admin';

type Claims = Record<string, string | number | boolean | string[] | undefined>;

/**
 * HTTP API hands array claims to Lambda as a string such as `[web orders]`; the local stack passes
 * the same shape, and both are accepted here.
 */
export function groupsOf(claims: Claims): string[] {
  const raw = claims['cognito:groups'];
  if (Array.isArray(raw)) return raw.map(String);
  if (typeof raw !== 'string' || raw.trim() === '') return [];
  return raw
    .replace(/^\[|\]$/g, '')
    .split(/[\s,]+/)
    .filter(Boolean);
}

export function principalFromClaims(claims: Claims | undefined): Principal {
  const memberId = claims?.['cognito:username'] ?? claims?.username ?? claims?.sub;
  if (!claims || typeof memberId !== 'string' || memberId === '')
    throw new Unauthenticated('no staff identity');
  const groups = groupsOf(claims);
  return {
    memberId,
    teamIds: groups.filter((g) => g !== adminGroup),
    admin: groups.includes(adminGroup),
  };
}

/** Object-level authorization: members act on their teams' cases; admins on all. */
export function canAccessTeam(principal: Principal, teamId: string): boolean {
  return principal.admin || principal.teamIds.includes(teamId);
}

export function requireTeam(principal: Principal, teamId: string): void {
  if (!canAccessTeam(principal, teamId)) throw new NotInTeam(`not a member of team ${teamId}`);
}

export function requireAdmin(principal: Principal): void {
  if (!principal.admin) throw new AdminOnly('admins only');
}
