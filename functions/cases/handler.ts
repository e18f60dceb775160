/**
 * The staff API (`/v1/cases…`, `/v1/problems…`, `/v1/metrics`, `/v1/trends`, `DELETE /v1/customers`) and the
 * OpenAPI document: parse and validate (zod, one issue per problem), read the caller from the
 * JWT claims API Gateway's authorizer put on the event, call the use case, and map errors to
 * answers in one place (`toResponse`).
 */

import { type ChangeInput, changeCase } from '../../core/cases/case-changes.ts';
import { getCaseDetail, listCases, publicCase } from '../../core/cases/case-queries.ts';
import { type ErasureDeps, eraseCustomer } from '../../core/cases/erasure.ts';
import { listTeams } from '../../core/cases/teams.ts';
import { type MetricsDeps, readMetrics } from '../../core/insights/metrics.ts';
import { readTrends, type TrendsDeps } from '../../core/insights/trends.ts';
import { type PosterDeps, touchpointPoster } from '../../core/invitations/posters.ts';
import { problemImpact } from '../../core/problems/impact.ts';
import { updatePublicFields } from '../../core/problems/known-issues.ts';
import {
  createProblem,
  getProblem,
  linkCases,
  listProblems,
  type ProblemDeps,
  reopenProblem,
  resolveProblem,
  visibleCaseIds,
} from '../../core/problems/problems.ts';
import { type Principal, principalFromClaims, requireAdmin } from '../../shared/auth/principal.ts';
import {
  type Issue,
  PayloadTooLarge,
  PreconditionRequired,
  UnsupportedMediaType,
  ValidationFailed,
} from '../../shared/domain/errors.ts';
import { surveyLinksOf } from '../../shared/domain/invitation.ts';
import { posterTokenOf } from '../../shared/domain/poster.ts';
import {
  type HttpEvent,
  type HttpResult,
  header,
  isJsonContentType,
  json,
  rawBody,
} from '../../shared/http.ts';
import { errorResponse, etagOf } from '../../shared/http-errors.ts';
import { correlate, logger } from '../../shared/observability.ts';
import { qrSvg, viaQr } from '../../shared/qr.ts';
import { parseIfMatch } from './if-match.ts';
import { openApiDocument } from './openapi.ts';
import { type RouteSpec, routeKeyOf, routeSpecs } from './routes.ts';
import type * as s from './schemas.ts';
import { parseWith } from './validation.ts';

export type CasesDeps = ProblemDeps &
  MetricsDeps &
  TrendsDeps &
  ErasureDeps &
  PosterDeps & {
    /** Where the survey page is reached from outside: the posters' QR codes carry it. */
    publicBaseUrl: () => string;
  };

/** Staff bodies are small JSON documents. */
export const maxBodyBytes = 32 * 1024;

interface Request {
  spec: RouteSpec;
  principal: Principal;
  id: string;
  params: Record<string, string>;
  body: unknown;
  query: unknown;
  ifMatch: number | undefined;
}

type Impl = (req: Request, deps: CasesDeps) => Promise<HttpResult>;

const staff = (principal: Principal) => ({ kind: 'staff', principal }) as const;

const caseAction: Impl = async (req, deps) => {
  const action = req.spec.path.split('/').at(-1) as ChangeInput['action'];
  const outcome = await changeCase(
    {
      caseId: req.id,
      input: { action, ...(req.body as object) } as ChangeInput,
      expectedVersion: req.ifMatch,
      requester: staff(req.principal),
    },
    deps,
  );
  const event = outcome.changed ? (outcome.events.at(-1) ?? null) : null;
  return json(200, { case: publicCase(outcome.case), event }, { etag: etagOf(outcome.case.version) });
};

const impls: Record<string, Impl> = {
  'GET /v1/cases': async (req, deps) => json(200, await listCases(req.query as never, req.principal, deps)),
  'GET /v1/cases/{id}': async (req, deps) => {
    const detail = await getCaseDetail(req.id, req.principal, deps);
    return json(200, detail, { etag: etagOf(detail.case.version) });
  },
  'POST /v1/problems': async (req, deps) => {
    const problem = await createProblem(req.body as s.CreateProblem, req.principal, deps);
    return json(201, { problem, caseIds: [] }, { location: `/v1/problems/${problem.problemId}` });
  },
  'GET /v1/problems': async (req, deps) =>
    json(200, await listProblems(req.query as s.ListProblemsQuery, deps)),
  'GET /v1/problems/{id}/impact': async (req, deps) => json(200, await problemImpact(req.id, deps)),
  'GET /v1/problems/{id}': async (req, deps) => json(200, await getProblem(req.id, req.principal, deps)),
  'PATCH /v1/problems/{id}': async (req, deps) => {
    await updatePublicFields(req.id, req.body as s.PatchProblem, req.principal, deps);
    return json(200, await getProblem(req.id, req.principal, deps));
  },
  'POST /v1/problems/{id}/cases': async (req, deps) =>
    json(200, await linkCases(req.id, (req.body as s.LinkCases).caseIds, req.principal, deps)),
  'POST /v1/problems/{id}/resolve': async (req, deps) =>
    json(200, await resolveProblem(req.id, req.body as s.ResolveProblem, req.principal, deps)),
  'POST /v1/problems/{id}/reopen': async (req, deps) => {
    const problem = await reopenProblem(req.id, req.principal, deps);
    return json(200, { problem, caseIds: await visibleCaseIds(req.id, req.principal, deps) });
  },
  'GET /v1/metrics': async (req, deps) =>
    json(200, await readMetrics(req.query as never, req.principal, deps)),
  'GET /v1/trends': async (req, deps) => json(200, await readTrends(req.query as never, req.principal, deps)),
  'GET /v1/teams': async (req, deps) => json(200, listTeams(req.principal, deps)),
  'DELETE /v1/customers': async (req, deps) =>
    json(200, await eraseCustomer((req.query as s.EraseCustomer).email, req.principal, deps)),
  'GET /v1/sites/{siteId}/touchpoints/{touchpoint}/qr.svg': async (req, deps) => {
    const { siteId = '', touchpoint = '' } = req.params;
    const poster = await touchpointPoster(siteId, touchpoint, req.principal, deps);
    const { surveyUrl } = surveyLinksOf(deps.publicBaseUrl(), posterTokenOf(poster.posterId));
    return {
      statusCode: 200,
      headers: {
        'content-type': 'image/svg+xml',
        'cache-control': 'private, no-cache',
        'content-security-policy': "default-src 'none'",
        'x-content-type-options': 'nosniff',
        'content-disposition': `inline; filename="survey-${siteId}-${touchpoint}.svg"`,
        // The page the code opens, for a poster's small print.
        link: `<${surveyUrl}>; rel="related"`,
      },
      body: qrSvg(viaQr(surveyUrl)),
    };
  },
};
for (const spec of routeSpecs) if (spec.ifMatch) impls[routeKeyOf(spec)] = caseAction;

const specs = new Map(routeSpecs.map((r) => [routeKeyOf(r), r]));
let openApiBody: string | undefined;

export function makeCasesHandler(deps: CasesDeps) {
  return async function cases(event: HttpEvent): Promise<HttpResult> {
    const spec = specs.get(event.routeKey);
    if (spec === undefined) return json(404, { error: 'not_found', message: `no route ${event.routeKey}` });
    if (spec.access === 'public') {
      openApiBody ??= JSON.stringify(openApiDocument());
      return {
        statusCode: 200,
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'cache-control': 'public, max-age=300',
        },
        body: openApiBody,
      };
    }
    try {
      const req = parseRequest(spec, event);
      return await (impls[routeKeyOf(spec)] as Impl)(req, deps);
    } catch (error) {
      return toResponse(error, event);
    }
  };
}

function claimsOf(event: HttpEvent) {
  const ctx = event.requestContext as { authorizer?: { jwt?: { claims?: Record<string, string> } } };
  return ctx.authorizer?.jwt?.claims;
}

/**
 * Who (401 without a staff identity; 403 for a non-admin on an admin route), then every
 * validation problem at once (path id, query, body, If-Match) as one 400; a change without
 * If-Match is 428 once the rest is valid.
 */
function parseRequest(spec: RouteSpec, event: HttpEvent): Request {
  const principal = principalFromClaims(claimsOf(event));
  if (spec.access === 'admin') requireAdmin(principal);
  const issues: Issue[] = [];
  const collect = <T>(parse: () => T): T | undefined => {
    try {
      return parse();
    } catch (error) {
      if (!(error instanceof ValidationFailed)) throw error;
      issues.push(...error.issues);
      return undefined;
    }
  };
  const id = event.pathParameters?.id ?? '';
  if (id.startsWith('case_')) correlate({ caseId: id });
  if (spec.id) collect(() => parseWith(spec.id!, id, 'path:id'));
  const params: Record<string, string> = {};
  for (const [name, schema] of Object.entries(spec.params ?? {})) {
    const value = event.pathParameters?.[name] ?? '';
    if (collect(() => parseWith(schema, value, `path:${name}`)) !== undefined) params[name] = value;
  }
  const query = spec.query
    ? collect(() => parseWith(spec.query!, event.queryStringParameters ?? {}, 'query:'))
    : {};
  if (!spec.query && event.queryStringParameters && Object.keys(event.queryStringParameters).length) {
    issues.push({ path: 'query:', message: 'this route takes no query parameters' });
  }
  const body = spec.body ? collect(() => parseWith(spec.body!, readJson(event))) : undefined;
  let ifMatch: number | undefined;
  let missingIfMatch = false;
  if (spec.ifMatch) {
    try {
      ifMatch = parseIfMatch(header(event, 'if-match'));
    } catch (error) {
      if (error instanceof PreconditionRequired) missingIfMatch = true;
      else if (error instanceof ValidationFailed) issues.push(...error.issues);
      else throw error;
    }
  }
  if (issues.length > 0) throw new ValidationFailed(issues);
  if (missingIfMatch) throw new PreconditionRequired();
  return { spec, principal, id, params, body, query, ifMatch };
}

/** The JSON body, `{}` when empty. */
function readJson(event: HttpEvent): unknown {
  const bytes = rawBody(event);
  if (bytes.length === 0) return {};
  if (bytes.length > maxBodyBytes) throw new PayloadTooLarge(`body must be at most ${maxBodyBytes} bytes`);
  if (!isJsonContentType(header(event, 'content-type'))) {
    throw new UnsupportedMediaType('Content-Type must be application/json');
  }
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new ValidationFailed([{ path: '', message: 'body is not valid UTF-8 JSON' }]);
  }
}

/** Errors become answers in shared/http-errors.ts; an unexpected one is logged with its route. */
export function toResponse(error: unknown, event?: HttpEvent): HttpResult {
  return errorResponse(error, (e) =>
    logger.error('staff api failed', { error: e as Error, routeKey: event?.routeKey }),
  );
}
