/**
 * The public known-issues page (docs/known-issues.md): `GET /known-issues/{siteId}` shows a site's
 * public problems (`?format=json`: the open ones by touchpoint, for the widget), `POST
 * /known-issues/{siteId}/{problemId}/subscribe` takes the "notify me when fixed" form (`email`,
 * form-encoded). Parses and maps outcomes to pages; the rules are in core/problems/known-issues.ts.
 */
import { type KnownIssueDeps, knownIssuesOf, subscribe } from '../../core/problems/known-issues.ts';
import { NotFound, PayloadTooLarge, StateConflict, ValidationFailed } from '../../shared/domain/errors.ts';
import { type HttpEvent, type HttpResult, header, json, rawBody } from '../../shared/http.ts';
import { logger } from '../../shared/observability.ts';
import { knownIssuesPage, type Locale, problemPage } from './page.ts';

export interface KnownIssuesHandlerDeps extends KnownIssueDeps {
  /** The zone the page shows fixed times in (the first calendar's). */
  timeZone: string;
}

/** One email field; anything this size is an attack or a mistake. */
export const MAX_SUBSCRIBE_BODY_BYTES = 4 * 1024;

export function makeKnownIssuesHandler(deps: KnownIssuesHandlerDeps) {
  return async function knownIssues(event: HttpEvent): Promise<HttpResult> {
    const siteId = event.pathParameters?.siteId ?? '';
    const query = event.queryStringParameters ?? {};
    const site = deps.config.sites.find((s) => s.id === siteId);
    const locale = localeOf(query.lang, header(event, 'accept-language'), site?.defaultLocale);
    try {
      if (event.routeKey === 'POST /known-issues/{siteId}/{problemId}/subscribe') {
        return await subscribeForm(event, siteId, locale, deps);
      }
      if (query.format === 'json') return await hint(siteId, deps);
      return await page(siteId, locale, deps);
    } catch (error) {
      return pageOfError(error, locale);
    }
  };
}

async function page(
  siteId: string,
  locale: Locale,
  deps: KnownIssuesHandlerDeps,
  answer?: Parameters<typeof knownIssuesPage>[0]['answer'],
): Promise<HttpResult> {
  const { site, issues } = await knownIssuesOf(siteId, deps);
  return knownIssuesPage({
    siteId: site.id,
    siteName: site.name,
    locale,
    timeZone: deps.timeZone,
    issues,
    ...(answer ? { answer } : {}),
  });
}

/** The widget's hint: open public problems and their touchpoints, nothing else. */
async function hint(siteId: string, deps: KnownIssuesHandlerDeps): Promise<HttpResult> {
  const { issues } = await knownIssuesOf(siteId, deps);
  const open = issues
    .filter((i) => i.status === 'open')
    .map((i) => ({ problemId: i.problemId, publicTitle: i.publicTitle, touchpoints: i.touchpoints }));
  return json(
    200,
    { siteId, issues: open },
    {
      'cache-control': 'public, max-age=60',
      // Public data without credentials: any page may read it (the widget runs on the shop's origin).
      'access-control-allow-origin': '*',
      'x-content-type-options': 'nosniff',
    },
  );
}

async function subscribeForm(
  event: HttpEvent,
  siteId: string,
  locale: Locale,
  deps: KnownIssuesHandlerDeps,
): Promise<HttpResult> {
  const problemId = event.pathParameters?.problemId ?? '';
  const contentType = header(event, 'content-type')?.split(';')[0]?.trim().toLowerCase();
  if (contentType !== 'application/x-www-form-urlencoded') return problemPage('wrong_type', locale);
  const body = rawBody(event);
  if (body.length > MAX_SUBSCRIBE_BODY_BYTES) throw new PayloadTooLarge('body over 4 KiB');
  const email = new URLSearchParams(body.toString('utf8')).get('email') ?? undefined;
  try {
    const outcome = await subscribe({ siteId, problemId, email, locale }, deps);
    logger.info('known issue subscription', { siteId, problemId, outcome });
    return await page(siteId, locale, deps, { problemId, outcome: 'sent' });
  } catch (error) {
    if (error instanceof ValidationFailed) {
      logger.info('known issue subscription refused', { siteId, problemId });
      return await page(siteId, locale, deps, {
        problemId,
        outcome: 'bad_email',
        ...(email !== undefined ? { email: email.slice(0, 254) } : {}),
      });
    }
    if (error instanceof StateConflict) {
      // Fixed meanwhile: the page shows it fixed, without a form.
      const fixed = await page(siteId, locale, deps);
      return { ...fixed, statusCode: 409, headers: { ...fixed.headers, 'cache-control': 'no-store' } };
    }
    throw error;
  }
}

function pageOfError(error: unknown, locale: Locale): HttpResult {
  if (error instanceof NotFound) return problemPage('not_found', locale);
  if (error instanceof PayloadTooLarge) return problemPage('too_large', locale);
  logger.error('known issues page failed', { error: error as Error });
  return problemPage('unavailable', locale);
}

/** `?lang=` first, then the browser's first ja / en preference, then the site's language. */
export function localeOf(
  lang: string | undefined,
  acceptLanguage: string | undefined,
  siteDefault?: string,
): Locale {
  if (lang === 'ja' || lang === 'en') return lang;
  for (const part of (acceptLanguage ?? '').split(',')) {
    const tag = part.split(';')[0]?.trim().toLowerCase().split('-')[0];
    if (tag === 'ja' || tag === 'en') return tag;
  }
  return siteDefault?.toLowerCase().startsWith('en') ? 'en' : 'ja';
}
