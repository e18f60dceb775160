/**
 * The "we know about this" hint (docs/known-issues.md, "Widget hint"): the site's open public
 * problems from `GET <endpoint>/known-issues/<siteId>?format=json`, fetched once per page load on
 * the first prompt and kept. Any failure (network, status, shape) means no hint: it never holds up
 * or breaks the feedback. DOM-free: fetch is passed in.
 */
import type { Locale } from './i18n.ts';

export interface KnownIssueHint {
  publicTitle: string;
  /** The site's known-issues page in the prompt's language. */
  href: string;
}

type GetJson = (url: string) => Promise<{ ok: boolean; json(): Promise<unknown> }>;
interface Listed {
  publicTitle?: unknown;
  touchpoints?: unknown;
}

export function knownIssues(endpoint: string, siteId: string, get: GetJson) {
  const base = `${endpoint}/known-issues/${encodeURIComponent(siteId)}`;
  let listed: Promise<Listed[]> | undefined;
  /** The first open public problem listing this touchpoint, if any. */
  return (touchpoint: string, locale: Locale): Promise<KnownIssueHint | undefined> => {
    listed ??= Promise.resolve(`${base}?format=json`)
      .then(get)
      .then((r) => (r.ok ? r.json() : undefined))
      .then((body) => {
        const issues = (body as { issues?: unknown } | null)?.issues;
        return Array.isArray(issues) ? (issues as Listed[]) : [];
      })
      .catch(() => []);
    return listed.then((issues) => {
      const hit = issues.find(
        (i) =>
          typeof i?.publicTitle === 'string' &&
          i.publicTitle.trim() !== '' &&
          Array.isArray(i.touchpoints) &&
          i.touchpoints.includes(touchpoint),
      );
      return hit ? { publicTitle: hit.publicTitle as string, href: `${base}?lang=${locale}` } : undefined;
    });
  };
}
