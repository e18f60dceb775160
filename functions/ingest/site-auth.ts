import { createHash, timingSafeEqual } from 'node:crypto';
import { BadSiteKey, OriginNotAllowed, UnknownSite } from '../../shared/domain/errors.ts';

export interface SiteAccess {
  id: string;
  origins: string[];
  siteKeyHash: string;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest();
const unknownSiteHash = sha256('no such site');

/**
 * Checks the site key against the stored hash in constant time. Unknown sites take the same
 * path, so timing does not tell which site ids exist.
 */
export function authenticateSite(
  sites: readonly SiteAccess[],
  siteId: string,
  siteKey: string | undefined,
  origin: string | undefined,
): SiteAccess {
  const site = sites.find((s) => s.id === siteId);
  const expected = site ? Buffer.from(site.siteKeyHash, 'hex') : unknownSiteHash;
  const given = sha256(siteKey ?? '');
  const keyMatches = expected.length === given.length && timingSafeEqual(expected, given);
  if (!site) throw new UnknownSite(`unknown site "${siteId}"`);
  if (!siteKey) throw new BadSiteKey('X-Site-Key header is required');
  if (!keyMatches) throw new BadSiteKey('X-Site-Key does not match the site');
  // Browsers always send Origin on a cross-site POST; server-to-server callers send none.
  if (origin !== undefined && !site.origins.includes(origin)) {
    throw new OriginNotAllowed(`origin ${origin} is not allowed for site "${siteId}"`);
  }
  return site;
}

export function originAllowedAnywhere(sites: readonly SiteAccess[], origin: string): boolean {
  return sites.some((s) => s.origins.includes(origin));
}
