/**
 * Every route of functions/cases, in one table read by the handler (dispatch, validation), the
 * OpenAPI generator, the CDK stack (API Gateway routes, JWT authorizer on every staff route) and
 * the local stack (`staff: true` routes get the bearer token verified), so they cannot disagree.
 */
import type * as z from 'zod/mini';
import { caseActions } from '../../shared/domain/case-commands.ts';
import * as s from './schemas.ts';

/** `public`: no token; `staff`: a valid staff JWT (object-level checks in the use cases); `admin`: the admin group. */
export type Access = 'public' | 'staff' | 'admin';

export interface RouteSpec {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** API Gateway style: `/v1/cases/{id}`. */
  path: string;
  operationId: string;
  summary: string;
  access: Access;
  /** Changes a case: `If-Match: <version>` is required. */
  ifMatch?: boolean;
  body?: z.ZodMiniType;
  query?: z.ZodMiniType;
  /** Path parameter `{id}` schema. */
  id?: z.ZodMiniType;
  /** Other path parameters, by name (`{siteId}`, `{touchpoint}`). */
  params?: Readonly<Record<string, z.ZodMiniType>>;
  response?: z.ZodMiniType;
  /** The success body is not JSON but this media type (a QR code's SVG). */
  produces?: 'image/svg+xml';
  status: number;
  /** Error statuses the route may answer (besides 401 for staff routes and 503). */
  errors: number[];
}

const actionSummary: Record<(typeof caseActions)[number], string> = {
  acknowledge: 'Acknowledge the case (open or reopened → acknowledged)',
  assign: 'Assign the case to a member of its team',
  notes: 'Add an internal note',
  updates: 'Send the customer a progress update (with contact consent)',
  pause: 'Wait on the customer (acknowledged → waiting_on_customer); the resolve clock stops',
  resume: 'Resume work (waiting_on_customer → acknowledged)',
  resolve: 'Resolve: customer-facing message, internal root cause and actions; the customer is told',
  reopen: 'Reopen a resolved or closed case',
  close: 'Close a resolved case',
};

export const routeSpecs: readonly RouteSpec[] = [
  {
    method: 'GET',
    path: '/v1/cases',
    operationId: 'listCases',
    summary:
      "List the cases of your teams (admins: every team's), newest first, paginated; ?ref= finds the case a customer's reference names",
    access: 'staff',
    query: s.listCasesQuery,
    response: s.caseListResponse,
    status: 200,
    errors: [400, 403],
  },
  {
    method: 'GET',
    path: '/v1/cases/{id}',
    operationId: 'getCase',
    summary: 'One case with its feedback and timeline (ETag: its version)',
    access: 'staff',
    id: s.caseIdSchema,
    response: s.caseDetailResponse,
    status: 200,
    errors: [400, 403, 404],
  },
  ...caseActions.map(
    (action): RouteSpec => ({
      method: 'POST',
      path: `/v1/cases/{id}/${action}`,
      operationId: `${action}Case`,
      summary: actionSummary[action],
      access: 'staff',
      ifMatch: true,
      id: s.caseIdSchema,
      body: s.actionBodies[action],
      response: s.caseChangeResponse,
      status: 200,
      errors: [400, 403, 404, 409, 413, 415, 428],
    }),
  ),
  {
    method: 'POST',
    path: '/v1/problems',
    operationId: 'createProblem',
    summary: 'Create a problem (cases with one root cause)',
    access: 'staff',
    body: s.createProblemBody,
    response: s.problemResponse,
    status: 201,
    errors: [400, 413, 415],
  },
  {
    method: 'GET',
    path: '/v1/problems',
    operationId: 'listProblems',
    summary: 'List problems, newest first, with their teams, touchpoints and linked case and customer counts',
    access: 'staff',
    query: s.listProblemsQuery,
    response: s.problemListResponse,
    status: 200,
    errors: [400],
  },
  {
    method: 'GET',
    path: '/v1/problems/{id}/impact',
    operationId: 'problemImpact',
    summary: "Did the fix work: the problem's touchpoints in equal windows before and after its resolution",
    access: 'staff',
    id: s.problemIdSchema,
    response: s.impactResponse,
    status: 200,
    errors: [400, 404],
  },
  {
    method: 'GET',
    path: '/v1/problems/{id}',
    operationId: 'getProblem',
    summary: "A problem and its linked case ids (of the caller's teams; an admin's: all)",
    access: 'staff',
    id: s.problemIdSchema,
    response: s.problemResponse,
    status: 200,
    errors: [400, 404],
  },
  {
    method: 'PATCH',
    path: '/v1/problems/{id}',
    operationId: 'updateProblem',
    summary:
      "Set a problem's public face on the known-issues page: public, publicTitle, publicMessage, publicSiteIds",
    access: 'staff',
    id: s.problemIdSchema,
    body: s.patchProblemBody,
    response: s.problemResponse,
    status: 200,
    errors: [400, 404, 409, 413, 415],
  },
  {
    method: 'POST',
    path: '/v1/problems/{id}/cases',
    operationId: 'linkProblemCases',
    summary: 'Link cases to an open problem (each gets problemId and a timeline event)',
    access: 'staff',
    id: s.problemIdSchema,
    body: s.linkCasesBody,
    response: s.linkCasesResponse,
    status: 200,
    errors: [400, 403, 404, 409, 413, 415],
  },
  {
    method: 'POST',
    path: '/v1/problems/{id}/resolve',
    operationId: 'resolveProblem',
    summary: "Resolve the problem and every linked open case; each customer is told the problem's message",
    access: 'staff',
    id: s.problemIdSchema,
    body: s.resolveProblemBody,
    response: s.resolveProblemResponse,
    status: 200,
    errors: [400, 403, 404, 409, 413, 415],
  },
  {
    method: 'POST',
    path: '/v1/problems/{id}/reopen',
    operationId: 'reopenProblem',
    summary: 'Reopen a resolved problem (its creator, a member of every linked team, or an admin)',
    access: 'staff',
    id: s.problemIdSchema,
    body: s.reopenProblemBody,
    response: s.problemResponse,
    status: 200,
    errors: [400, 403, 404, 409, 413, 415],
  },
  {
    method: 'GET',
    path: '/v1/metrics',
    operationId: 'getMetrics',
    summary: 'NPS, CSAT, CES, negative share, SLA attainment and time to acknowledge / resolve, by dimension',
    access: 'staff',
    query: s.metricsQuery,
    response: s.metricsResponse,
    status: 200,
    errors: [400],
  },
  {
    method: 'GET',
    path: '/v1/trends',
    operationId: 'getTrends',
    summary:
      'One metric as a weekly series per touchpoint, team, channel, reason or cohort (up to 106 weeks)',
    access: 'staff',
    query: s.trendsQuery,
    response: s.trendsResponse,
    status: 200,
    errors: [400],
  },
  {
    method: 'GET',
    path: '/v1/teams',
    operationId: 'listTeams',
    summary:
      "The teams you may see (admins: every configured team) with their members' names, for names and reassigning",
    access: 'staff',
    response: s.teamsResponse,
    status: 200,
    errors: [400],
  },
  {
    method: 'DELETE',
    path: '/v1/customers',
    operationId: 'eraseCustomer',
    summary: "Erase a customer's personal data from feedback and cases (admins only)",
    access: 'admin',
    query: s.eraseCustomerQuery,
    response: s.erasureResponse,
    status: 200,
    errors: [400, 403],
  },
  {
    method: 'GET',
    path: '/v1/sites/{siteId}/touchpoints/{touchpoint}/qr.svg',
    operationId: 'getTouchpointQr',
    summary:
      "A touchpoint's reusable survey QR code for a counter or a poster (the same code every time; anonymous answers)",
    access: 'staff',
    params: { siteId: s.siteIdParam, touchpoint: s.touchpointParam },
    produces: 'image/svg+xml',
    status: 200,
    errors: [400, 403, 404],
  },
  {
    method: 'GET',
    path: '/v1/openapi.json',
    operationId: 'getOpenApi',
    summary: 'This document (OpenAPI 3.1)',
    access: 'public',
    status: 200,
    errors: [429],
  },
];

export const routeKeyOf = (r: Pick<RouteSpec, 'method' | 'path'>) => `${r.method} ${r.path}`;
