import { createHash, timingSafeEqual } from 'node:crypto';
import type { Site } from '../config/schema.ts';
import { serverKeyHashesOf, siteKeyHashesOf } from '../config/site-keys.ts';
import {
  BadSiteKey,
  OriginNotAllowed,
  OriginRequired,
  UnknownSite,
  ValidationFailed,
  WrongKeyKind,
} from '../domain/errors.ts';

export type SiteAccess = Pick<Site, 'id' | 'origins' | 'siteKeyHash' | 'serverKeyHash'>;

/** Which credential a request carried: the public site key (browsers) or the secret server key (shop backends). */
export type KeyKind = 'site' | 'server';

export interface Credentials {
  siteKey: string | undefined;
  serverKey: string | undefined;
  origin: string | undefined;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest();
const unknownSiteHash = sha256('no such site').toString('hex');

/**
 * Checks the request's key against the site's stored hashes (two during a rotation) in constant
 * time. Unknown sites take the same path, so timing does not tell which site ids exist. A site key
 * must come from a browser on the site's list (Origin); a server key from a backend (no Origin),
 * so a server key pasted into a page is refused rather than working from it.
 */
export function authenticateSite(
  sites: readonly SiteAccess[],
  siteId: string,
  { siteKey, serverKey, origin }: Credentials,
  accepts: readonly KeyKind[] = ['site', 'server'],
): { site: SiteAccess; keyKind: KeyKind } {
  if (siteKey !== undefined && serverKey !== undefined) {
    throw new ValidationFailed([
      { path: 'header:X-Server-Key', message: 'send either X-Site-Key or X-Server-Key, not both' },
    ]);
  }
  const site = sites.find((s) => s.id === siteId);
  const keyKind: KeyKind = serverKey !== undefined ? 'server' : 'site';
  const given = keyKind === 'server' ? serverKey : siteKey;
  const hashes = site ? (keyKind === 'server' ? serverKeyHashesOf(site) : siteKeyHashesOf(site)) : [];
  const keyMatches = matchesAny(hashes.length > 0 ? hashes : [unknownSiteHash], given ?? '');
  if (!site) throw new UnknownSite(`unknown site "${siteId}"`);
  if (given === undefined)
    throw new BadSiteKey('an X-Site-Key (browsers) or X-Server-Key (backends) header is required');
  if (!keyMatches || hashes.length === 0) {
    throw new BadSiteKey(
      keyKind === 'server' ? 'X-Server-Key does not match the site' : 'X-Site-Key does not match the site',
    );
  }
  if (!accepts.includes(keyKind)) {
    throw new WrongKeyKind(
      keyKind === 'site'
        ? 'this route takes the server key (X-Server-Key) from the shop backend, not the public site key'
        : 'this route takes the public site key (X-Site-Key), not the server key',
    );
  }
  if (keyKind === 'server') {
    if (origin !== undefined) {
      throw new WrongKeyKind(
        'the server key is for shop backends and must never reach a browser; pages use the site key (X-Site-Key)',
      );
    }
    return { site, keyKind };
  }
  // Browsers always send Origin on a cross-site POST; a site key without one is not a browser.
  if (origin === undefined) {
    throw new OriginRequired("the site key is for browsers on the site's origins; backends use X-Server-Key");
  }
  if (!site.origins.includes(origin)) {
    throw new OriginNotAllowed(`origin ${origin} is not allowed for site "${siteId}"`);
  }
  return { site, keyKind };
}

/** Compares against every hash (no early exit), so timing does not tell which one matched. */
function matchesAny(hashes: readonly string[], key: string): boolean {
  const given = sha256(key);
  let matched = false;
  for (const hash of hashes) {
    const expected = Buffer.from(hash, 'hex');
    if (expected.length === given.length && timingSafeEqual(expected, given)) matched = true;
  }
  return matched;
}

export function originAllowedAnywhere(sites: readonly SiteAccess[], origin: string): boolean {
  return sites.some((s) => s.origins.includes(origin));
}
