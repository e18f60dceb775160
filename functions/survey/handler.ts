/**
 * The hosted survey page (docs/survey.md): `GET /s/{token}` shows the form,
 * `POST /s/{token}` answers it (a form, or JSON for a shop's own page), `GET /s/{token}/qr.svg` is the
 * QR code of the page's address. The token is a signed survey link naming one invitation, or a
 * poster's `p_…` id. Parses and maps outcomes to pages; the rules are in core/invitations/answer.ts.
 */
import {
  answerSurvey,
  checkSurveyToken,
  openSurvey,
  type SurveyDeps,
  type SurveyView,
} from '../../core/invitations/answer.ts';
import type { Config } from '../../shared/config/schema.ts';
import {
  Forbidden,
  LinkExpired,
  LinkUsed,
  NotFound,
  PayloadTooLarge,
  UnsupportedMediaType,
  ValidationFailed,
} from '../../shared/domain/errors.ts';
import { SCORE_RANGES, surveyLinksOf } from '../../shared/domain/invitation.ts';
import {
  type HttpEvent,
  type HttpResult,
  header,
  isJsonContentType,
  json,
  rawBody,
  readJsonBody,
} from '../../shared/http.ts';
import { errorResponse } from '../../shared/http-errors.ts';
import { logger } from '../../shared/observability.ts';
import { qrSvg, viaQr } from '../../shared/qr.ts';
import { type Locale, type ProblemKind, problemPage, surveyForm, thanksPage } from './page.ts';

export interface SurveyHandlerDeps extends SurveyDeps {
  config: Pick<Config, 'sites' | 'invitations' | 'categories'>;
  /** Where the page is reached from outside (`service.publicBaseUrl`, else the distribution). */
  publicBaseUrl: () => string;
}

/** A survey answer is three small fields; the rest of a body this size is an attack or a mistake. */
export const MAX_SURVEY_BODY_BYTES = 16 * 1024;

export function makeSurveyHandler(deps: SurveyHandlerDeps) {
  return async function survey(event: HttpEvent): Promise<HttpResult> {
    const token = event.pathParameters?.token ?? '';
    const query = event.queryStringParameters ?? {};
    const lang = query.lang === 'ja' || query.lang === 'en' ? (query.lang as Locale) : undefined;
    if (event.routeKey === 'GET /s/{token}/qr.svg') return qr(token, deps);
    if (event.routeKey === 'POST /s/{token}') {
      const channel = query.via === 'qr' ? 'qr' : 'email';
      const contentType = header(event, 'content-type');
      if (isJsonContentType(contentType)) return answerJson(token, event, channel, deps);
      if (isFormContentType(contentType)) return answerForm(token, event, channel, lang, deps);
      return errorResponse(
        new UnsupportedMediaType(
          'Content-Type must be application/x-www-form-urlencoded or application/json',
        ),
        () => {},
      );
    }
    try {
      const view = await openSurvey(token, deps);
      return form(withLang(view, lang), deps);
    } catch (error) {
      return pageOfError(error, token, lang);
    }
  };
}

function form(
  view: SurveyView,
  deps: SurveyHandlerDeps,
  extra: Partial<Parameters<typeof surveyForm>[0]> = {},
) {
  return surveyForm({
    view,
    siteName: deps.config.sites.find((s) => s.id === view.siteId)?.name ?? view.siteId,
    categoryOf: deps.config.categories.reasons,
    ...extra,
  });
}

const isFormContentType = (contentType: string | undefined) =>
  contentType?.split(';')[0]?.trim().toLowerCase() === 'application/x-www-form-urlencoded';

const withLang = (view: SurveyView, lang: Locale | undefined): SurveyView =>
  lang ? { ...view, locale: lang } : view;

async function answerForm(
  token: string,
  event: HttpEvent,
  channel: 'email' | 'qr',
  lang: Locale | undefined,
  deps: SurveyHandlerDeps,
): Promise<HttpResult> {
  try {
    const body = rawBody(event);
    if (body.length > MAX_SURVEY_BODY_BYTES) throw new PayloadTooLarge('body over 16 KiB');
    const params = new URLSearchParams(body.toString('utf8'));
    // Only the page's own fields: a browser extension's extra field is no reason to refuse an answer.
    const fields: Record<string, unknown> = {};
    if (params.has('score')) fields.score = params.get('score');
    if (params.has('comment')) fields.comment = params.get('comment');
    if (params.has('reasons')) fields.reasons = params.getAll('reasons');
    const result = await answerSurvey(token, fields, channel, deps);
    const view = withLang(result.view, lang);
    if (result.outcome === 'invalid') {
      logger.info('survey answer refused', { issues: result.issues.map((i) => i.path) });
      return form(view, deps, {
        issues: result.issues,
        values: {
          ...(typeof fields.score === 'string' ? { score: fields.score } : {}),
          reasons: params.getAll('reasons'),
          ...(typeof fields.comment === 'string' ? { comment: fields.comment } : {}),
        },
      });
    }
    logger.info('survey answered', { feedbackId: result.feedbackId, kind: view.kind, channel });
    const score = Number(fields.score);
    return thanksPage({
      locale: view.locale,
      siteName: deps.config.sites.find((s) => s.id === view.siteId)?.name ?? view.siteId,
      promoter: result.promoter,
      detractor: isDetractor(view, score),
      ...(result.reviewUrl ? { reviewUrl: result.reviewUrl } : {}),
    });
  } catch (error) {
    return pageOfError(error, token, lang);
  }
}

/** The low third of the scale: the page says the team will look into it (triage decides the case). */
function isDetractor(view: SurveyView, score: number): boolean {
  const { min, max } = SCORE_RANGES[view.survey.type];
  return view.survey.type === 'nps' ? score <= 6 : score <= min + Math.floor((max - min) / 3);
}

async function answerJson(
  token: string,
  event: HttpEvent,
  channel: 'email' | 'qr',
  deps: SurveyHandlerDeps,
): Promise<HttpResult> {
  try {
    const fields = readJsonBody(event, MAX_SURVEY_BODY_BYTES);
    if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) {
      throw new ValidationFailed([{ path: '', message: 'body must be a JSON object' }]);
    }
    const result = await answerSurvey(token, fields as Record<string, unknown>, channel, deps);
    if (result.outcome === 'invalid') throw new ValidationFailed(result.issues);
    return json(200, {
      feedbackId: result.feedbackId,
      status: 'received',
      promoter: result.promoter,
      ...(result.reviewUrl ? { reviewUrl: result.reviewUrl } : {}),
    });
  } catch (error) {
    return errorResponse(error, (e) => logger.error('survey answer failed', { error: e as Error }));
  }
}

async function qr(token: string, deps: SurveyHandlerDeps): Promise<HttpResult> {
  try {
    await checkSurveyToken(token, deps);
  } catch (error) {
    const kind = problemOf(error);
    if (kind === 'unavailable') logger.error('survey qr failed', { error: error as Error });
    return {
      statusCode: problemStatus[kind],
      headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
      body: kind.replace('_', ' '),
    };
  }
  return svgResult(qrSvg(viaQr(surveyLinksOf(deps.publicBaseUrl(), token).surveyUrl)));
}

/** The QR code as an image: nothing in it runs, and it may be cached (a token's code never changes). */
export function svgResult(svg: string, headers: Record<string, string> = {}): HttpResult {
  return {
    statusCode: 200,
    headers: {
      'content-type': 'image/svg+xml',
      'cache-control': 'private, max-age=86400',
      'content-security-policy': "default-src 'none'",
      'x-content-type-options': 'nosniff',
      ...headers,
    },
    body: svg,
  };
}

const problemStatus: Record<ProblemKind, number> = {
  forged: 403,
  not_found: 404,
  answered: 409,
  expired: 410,
  too_large: 413,
  unavailable: 503,
};

function problemOf(error: unknown): ProblemKind {
  if (error instanceof Forbidden) return 'forged';
  if (error instanceof NotFound) return 'not_found';
  if (error instanceof LinkUsed) return 'answered';
  if (error instanceof LinkExpired) return 'expired';
  if (error instanceof PayloadTooLarge) return 'too_large';
  return 'unavailable';
}

function pageOfError(error: unknown, token: string, lang: Locale | undefined): HttpResult {
  const kind = problemOf(error);
  if (kind === 'unavailable') logger.error('survey page failed', { error: error as Error });
  else logger.info('survey page refused', { kind });
  // Answered and closed come only after the signature held, so the token's language is its own.
  const genuine = kind === 'answered' || kind === 'expired';
  return problemPage(kind, lang ?? (genuine ? claimedLocale(token) : undefined));
}

function claimedLocale(token: string): Locale | undefined {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8'));
    return payload?.l === 'ja' || payload?.l === 'en' ? payload.l : undefined;
  } catch {
    return undefined;
  }
}
