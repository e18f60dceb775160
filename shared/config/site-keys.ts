/**
 * The key hashes of a site, one or two (during a rotation). Kept apart from the schema so the
 * ingest function, which checks keys, does not bundle zod and the config schema.
 */
import type { Site } from './schema-parts.ts';

/** Every configured key hash of a site (one, or two during a rotation). */
export const siteKeyHashesOf = (site: Pick<Site, 'siteKeyHash'>): string[] => hashesOf(site.siteKeyHash);

/** Every configured server key hash of a site (none when it has no server key). */
export const serverKeyHashesOf = (site: Pick<Site, 'serverKeyHash'>): string[] =>
  hashesOf(site.serverKeyHash);

const hashesOf = (hashes: string | string[] | undefined): string[] =>
  hashes === undefined ? [] : typeof hashes === 'string' ? [hashes] : hashes;
