import { authenticateSite, originAllowedAnywhere, type SiteAccess } from '../../shared/auth/site-auth.ts';
import { BotCheckFailed, ValidationFailed } from '../../shared/domain/errors.ts';
import { parseFeedbackInput } from '../../shared/domain/feedback.ts';
import { type ImpressionCounter, parseImpressions } from '../../shared/domain/impressions.ts';
import type { BotCheck } from '../../shared/domain/ports.ts';
import { isoWeekOf } from '../../shared/domain/time.ts';
import {
  BOT_TOKEN_HEADER,
  CORS_ALLOW_HEADERS,
  type HttpEvent,
  type HttpResult,
  header,
  json,
  readJsonBody,
  SERVER_KEY_HEADER,
  SITE_KEY_HEADER,
} from '../../shared/http.ts';
import { errorResponse } from '../../shared/http-errors.ts';
import { correlate, countLoop, logger, loopMetric } from '../../shared/observability.ts';
import { type AcceptDeps, acceptFeedback } from './accept.ts';

export const maxBodyBytes = 16 * 1024;
const idempotencyKeyPattern = /^[\x21-\x7e]{1,255}$/;

export interface IngestDeps extends AcceptDeps {
  /** `touchpoints`: where the site may ask (config; absent: any touchpoint slug). */
  sites: readonly (SiteAccess & { botCheck?: unknown; touchpoints?: readonly string[] })[];
  /** `POST /v1/impressions`: shown prompts, counted per touchpoint and week. */
  impressions?: { counter: ImpressionCounter; timeZoneOf: (siteId: string) => string };
  /** Runs for site-key requests to sites whose config has a `botCheck`. */
  botCheck?: BotCheck;
}

export function makeIngestHandler(deps: IngestDeps) {
  return async function ingest(event: HttpEvent): Promise<HttpResult> {
    // A blank Origin names no page: the same as none.
    const origin = header(event, 'origin') || undefined;
    const cors = corsHeaders(deps.sites, origin);
    if (event.requestContext.http.method === 'OPTIONS') return preflight(cors);
    try {
      const result = event.rawPath?.endsWith('/v1/impressions')
        ? await receiveImpressions(event, origin, deps)
        : await receive(event, origin, deps);
      return withHeaders(result, cors);
    } catch (error) {
      return withHeaders(toResponse(error), cors);
    }
  };
}

async function receive(event: HttpEvent, origin: string | undefined, deps: IngestDeps): Promise<HttpResult> {
  const body = readJsonBody(event, maxBodyBytes);
  const idempotencyKey = header(event, 'idempotency-key');
  if (idempotencyKey !== undefined && !idempotencyKeyPattern.test(idempotencyKey)) {
    throw new ValidationFailed([
      { path: 'header:Idempotency-Key', message: 'must be 1–255 visible ASCII characters' },
    ]);
  }
  // Authenticate before validating, so strangers learn nothing about the schema from a site they do not own.
  const siteId =
    typeof body === 'object' && body !== null ? (body as { siteId?: unknown }).siteId : undefined;
  const credentials = {
    siteKey: header(event, SITE_KEY_HEADER),
    serverKey: header(event, SERVER_KEY_HEADER),
    origin,
  };
  const access = typeof siteId === 'string' ? authenticateSite(deps.sites, siteId, credentials) : undefined;
  const input = parseFeedbackInput(body, deps.sites.find((s) => s.id === siteId)?.touchpoints);
  if (access?.keyKind === 'site') await checkBot(event, input.siteId, deps);
  const accepted = await acceptFeedback({ input, idempotencyKey, origin, keyKind: access?.keyKind }, deps);
  correlate({ feedbackId: accepted.feedbackId });
  if (!accepted.replayed) countLoop(loopMetric.feedbackAccepted);
  logger.info('feedback accepted', {
    feedbackId: accepted.feedbackId,
    replayed: accepted.replayed,
    keyKind: access?.keyKind,
  });
  return json(202, { feedbackId: accepted.feedbackId, status: 'received' });
}

/**
 * Counted only: nothing about the visitor is stored. The site key's origin check applies as to
 * feedback, and WAF's per-client rule limits how fast one client can inflate the figure.
 */
async function receiveImpressions(
  event: HttpEvent,
  origin: string | undefined,
  deps: IngestDeps,
): Promise<HttpResult> {
  if (!deps.impressions) return json(404, { error: 'not_found', message: 'no such route' });
  const body = readJsonBody(event, maxBodyBytes);
  const siteId =
    typeof body === 'object' && body !== null ? (body as { siteId?: unknown }).siteId : undefined;
  // Without a site id there is no site to authenticate against: the body's problems come first.
  if (typeof siteId !== 'string') parseImpressions(body);
  authenticateSite(deps.sites, siteId as string, {
    siteKey: header(event, SITE_KEY_HEADER),
    serverKey: header(event, SERVER_KEY_HEADER),
    origin,
  });
  const input = parseImpressions(body);
  const week = isoWeekOf(deps.clock.now(), deps.impressions.timeZoneOf(input.siteId));
  let counted = 0;
  for (const { touchpoint, count } of input.impressions) {
    await deps.impressions.counter.add(touchpoint, week, count);
    counted += count;
  }
  return json(202, { status: 'counted', counted });
}

/** The site's bot check, when its config names one; a missing or refused token stores nothing. */
async function checkBot(event: HttpEvent, siteId: string, deps: IngestDeps): Promise<void> {
  const site = deps.sites.find((s) => s.id === siteId);
  if (!site?.botCheck || !deps.botCheck) return;
  const token = header(event, BOT_TOKEN_HEADER);
  if (!token)
    throw new BotCheckFailed("this site requires a bot check: send the widget's token as X-Bot-Token");
  const verdict = await deps.botCheck({ siteId, token, remoteIp: event.requestContext.http.sourceIp });
  if (!verdict.passed) throw new BotCheckFailed(verdict.reason);
}

/** The one place where errors become answers. */
function toResponse(error: unknown): HttpResult {
  // An unexpected error stored nothing: the client may retry safely with the same Idempotency-Key.
  return errorResponse(error, (e) => logger.error('ingest failed', { error: e as Error }));
}

function corsHeaders(sites: readonly SiteAccess[], origin: string | undefined): Record<string, string> {
  if (!origin || !originAllowedAnywhere(sites, origin)) return {};
  return {
    'access-control-allow-origin': origin,
    'access-control-allow-methods': 'POST, OPTIONS',
    'access-control-allow-headers': CORS_ALLOW_HEADERS.join(', '),
    'access-control-max-age': '600',
    vary: 'Origin',
  };
}

function preflight(cors: Record<string, string>): HttpResult {
  if (!cors['access-control-allow-origin'])
    return json(403, { error: 'forbidden', message: 'origin not allowed' });
  return { statusCode: 204, headers: cors, body: '' };
}

function withHeaders(result: HttpResult, extra: Record<string, string>): HttpResult {
  return { ...result, headers: { ...result.headers, ...extra } };
}
