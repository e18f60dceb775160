/**
 * The one way Closeloop's server-rendered pages (links from email, the survey, the known-issues
 * page) are locked down: no script at all, only their own stylesheet (allowed by its hash, so it
 * can be inline), forms that post back to the page's origin, and no framing.
 */
import { createHash } from 'node:crypto';

/** The Content-Security-Policy of a page styled by `css` alone; `images` lets it load its own. */
export function styledPageCsp(css: string, opts: { images?: boolean } = {}): string {
  const styleHash = `'sha256-${createHash('sha256').update(css).digest('base64')}'`;
  return [
    "default-src 'none'",
    `style-src ${styleHash}`,
    ...(opts.images ? ["img-src 'self'"] : []),
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * The headers of such a page. A page that carries a token or a person's answer is `no-store` and
 * kept out of search engines; a public page may be cached for `maxAgeSeconds`.
 */
export function htmlPageHeaders(
  csp: string,
  cache: { private: true } | { maxAgeSeconds: number },
): Record<string, string> {
  return {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'private' in cache ? 'no-store' : `public, max-age=${cache.maxAgeSeconds}`,
    'content-security-policy': csp,
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    ...('private' in cache ? { 'x-robots-tag': 'noindex, nofollow' } : {}),
  };
}
