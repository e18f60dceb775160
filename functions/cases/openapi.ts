/**
 * OpenAPI 3.1 of both contracts (docs/intake.md, docs/api.md), generated from
 * the zod schemas that validate the requests (`z.toJSONSchema`, JSON Schema 2020-12, which is
 * OpenAPI 3.1's schema dialect) and from the route table (functions/cases/routes.ts). Served at
 * `GET /v1/openapi.json`; `npm run openapi` writes docs/openapi.json, and a test fails when the
 * committed file differs from what this generates. Deterministic: no dates, no hosts.
 */
import * as z from 'zod/mini';
import { feedbackInputSchema } from '../../shared/domain/feedback.ts';
import { impressionsSchema } from '../../shared/domain/impressions.ts';
import { journeyEventSchema } from '../../shared/domain/journey.ts';
import { type RouteSpec, routeSpecs } from './routes.ts';
import * as s from './schemas.ts';

type Json = Record<string, unknown>;

const requestComponents: Record<string, z.ZodMiniType> = {
  FeedbackInput: feedbackInputSchema,
  JourneyEvent: journeyEventSchema,
  Impressions: impressionsSchema,
  AcknowledgeBody: s.acknowledgeBody,
  AssignBody: s.assignBody,
  NotesBody: s.notesBody,
  UpdatesBody: s.updatesBody,
  PauseBody: s.pauseBody,
  ResumeBody: s.resumeBody,
  ResolveBody: s.resolveBody,
  ReopenBody: s.reopenBody,
  CloseBody: s.closeBody,
  CreateProblemBody: s.createProblemBody,
  LinkCasesBody: s.linkCasesBody,
  ResolveProblemBody: s.resolveProblemBody,
  ReopenProblemBody: s.reopenProblemBody,
};

const responseComponents: Record<string, z.ZodMiniType> = {
  Case: s.caseResource,
  TimelineEvent: s.timelineEventResource,
  Feedback: s.feedbackResource,
  CaseDetail: s.caseDetailResponse,
  CaseList: s.caseListResponse,
  CaseChange: s.caseChangeResponse,
  Problem: s.problemResource,
  ProblemWithCases: s.problemResponse,
  LinkCasesResult: s.linkCasesResponse,
  ResolveProblemResult: s.resolveProblemResponse,
  ProblemList: s.problemListResponse,
  ProblemImpact: s.impactResponse,
  MetricsGroup: s.metricsGroup,
  Metrics: s.metricsResponse,
  TrendPoint: s.trendPoint,
  Trends: s.trendsResponse,
  Teams: s.teamsResponse,
  ErasureResult: s.erasureResponse,
  ValidationError: s.validationError,
  Error: s.errorResponse,
  Conflict: s.conflictError,
  FeedbackAccepted: z
    .object({ feedbackId: z.string(), status: z.literal('received') })
    .check(
      z.describe('202: stored; a repeat with the same Idempotency-Key and body answers the same feedbackId'),
    ),
};

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

const errorAnswer = (description: string, schema = 'Error') => ({
  description,
  content: { 'application/json': { schema: ref(schema) } },
});

/** `POST /v1/events` (docs/invitations.md): the shop backend's journey events, server key only. */
const eventsOperation: Json = {
  operationId: 'postEvent',
  summary: 'Report a journey event from the shop backend (may schedule a survey invitation)',
  tags: ['public'],
  security: [{ serverKey: [] }],
  requestBody: { required: true, content: { 'application/json': { schema: ref('JourneyEvent') } } },
  responses: {
    '202': {
      description: 'Recorded: { eventId, status: "recorded", invitation? } (a repeat answers the same)',
      content: { 'application/json': { schema: { type: 'object' } } },
    },
    '400': errorAnswer('Each problem named, nothing stored', 'ValidationError'),
    '401': errorAnswer('Unknown site or wrong X-Server-Key'),
    '403': errorAnswer('The public site key, or a server key from a browser'),
    '409': errorAnswer('eventId used with another body'),
    '413': errorAnswer('Body over 16 KiB'),
    '415': errorAnswer('Not JSON'),
    '429': errorAnswer('Over the rate limit'),
    '503': errorAnswer('Nothing stored; retry'),
  },
};

/** `POST /v1/impressions`: the widget's prompts shown, counted only. */
const impressionsOperation: Json = {
  operationId: 'postImpressions',
  summary: "Count the widget's prompts shown per touchpoint",
  tags: ['public'],
  security: [{ siteKey: [] }],
  requestBody: { required: true, content: { 'application/json': { schema: ref('Impressions') } } },
  responses: {
    '202': {
      description: 'Counted: { status: "counted", counted }',
      content: { 'application/json': { schema: { type: 'object' } } },
    },
    '400': errorAnswer('Each bad entry named, nothing counted', 'ValidationError'),
    '401': errorAnswer('Unknown site or wrong key'),
    '403': errorAnswer('Origin not allowed for the site'),
    '413': errorAnswer('Body over 16 KiB'),
    '415': errorAnswer('Not JSON'),
    '429': errorAnswer('Over the rate limit'),
    '503': errorAnswer('Nothing counted; retry'),
  },
};

function components(schemas: Record<string, z.ZodMiniType>, io: 'input' | 'output'): Record<string, Json> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(schemas)) registry.add(schema, { id });
  const { schemas: out } = z.toJSONSchema(registry, {
    io,
    unrepresentable: 'any',
    uri: (id) => `#/components/schemas/${id}`,
  }) as { schemas: Record<string, Json> };
  return Object.fromEntries(
    Object.entries(out).map(([id, schema]) => {
      const { $schema: _schema, $id: _id, ...rest } = schema;
      return [id, rest];
    }),
  );
}

const nameOf = (schemas: Record<string, z.ZodMiniType>, schema: z.ZodMiniType | undefined) =>
  schema === undefined ? undefined : Object.entries(schemas).find(([, v]) => v === schema)?.[0];

function queryParameters(query: z.ZodMiniType | undefined): Json[] {
  if (!query) return [];
  const schema = z.toJSONSchema(query, { io: 'input', unrepresentable: 'any' }) as {
    properties?: Record<string, Json>;
    required?: string[];
  };
  return Object.entries(schema.properties ?? {}).map(([name, prop]) => {
    const { description, ...rest } = prop as Json & { description?: string };
    return {
      name,
      in: 'query',
      required: schema.required?.includes(name) ?? false,
      ...(description ? { description } : {}),
      schema: rest,
    };
  });
}

const errorText: Record<number, string> = {
  400: 'Invalid input: one issue per problem',
  401: 'No valid staff token (answered by the JWT authorizer)',
  403: "Not yours, and why in `error`: not_in_team (another team's case, problem or touchpoint) or admin_only (an admin route)",
  404: 'No such case, problem or site',
  409: 'Conflict: stale If-Match version, transition not allowed, or problem state',
  413: 'Body over 32 KiB',
  415: 'Not JSON',
  428: 'If-Match missing',
  429: 'Over the route throttle (answered by API Gateway, before the function)',
  503: 'Storage unavailable; retry',
};

const errorSchemaOf = (status: number) =>
  status === 400 ? 'ValidationError' : status === 409 ? 'Conflict' : 'Error';

/** API Gateway's own body when a route's throttle refuses a request. */
const throttledSchema: Json = {
  type: 'object',
  properties: { message: { type: 'string', const: 'Too Many Requests' } },
};

const errorContent = (status: number): Json => ({
  'application/json': { schema: status === 429 ? throttledSchema : ref(errorSchemaOf(status)) },
});

function operation(route: RouteSpec): Json {
  const parameters: Json[] = [];
  if (route.id) {
    parameters.push({
      name: 'id',
      in: 'path',
      required: true,
      schema: z.toJSONSchema(route.id, { io: 'input' }),
    });
  }
  for (const [name, schema] of Object.entries(route.params ?? {})) {
    parameters.push({ name, in: 'path', required: true, schema: z.toJSONSchema(schema, { io: 'input' }) });
  }
  if (route.ifMatch) {
    parameters.push({
      name: 'If-Match',
      in: 'header',
      required: true,
      description: 'The case version you saw (its ETag), e.g. "3"; stale → 409, missing → 428',
      schema: { type: 'string', pattern: '^("[1-9][0-9]{0,8}"|[1-9][0-9]{0,8})$' },
    });
  }
  parameters.push(...queryParameters(route.query));
  const bodyName = nameOf(requestComponents, route.body);
  const responseName = nameOf(responseComponents, route.response);
  const errors =
    route.access === 'public'
      ? route.errors
      : [401, ...route.errors, ...(route.access === 'admin' ? [403] : [])];
  const responses: Json = {
    [String(route.status)]: {
      description: route.summary,
      content: route.produces
        ? { [route.produces]: { schema: { type: 'string' } } }
        : {
            'application/json': {
              schema:
                route.access === 'public'
                  ? { type: 'object', description: 'OpenAPI 3.1 document' }
                  : ref(responseName as string),
            },
          },
    },
  };
  for (const status of [...new Set(errors)].sort()) {
    responses[String(status)] = { description: errorText[status], content: errorContent(status) };
  }
  if (route.access !== 'public') {
    responses['503'] = {
      description: errorText[503],
      content: { 'application/json': { schema: ref('Error') } },
    };
  }
  return {
    operationId: route.operationId,
    summary: route.summary,
    tags: [route.access === 'public' ? 'public' : route.path.split('/')[2]],
    ...(route.access === 'public' ? { security: [] } : { security: [{ staffJwt: [] }] }),
    ...(route.access === 'admin' ? { 'x-closeloop-access': 'admin group only' } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(bodyName
      ? { requestBody: { required: false, content: { 'application/json': { schema: ref(bodyName) } } } }
      : {}),
    responses,
  };
}

const feedbackOperation: Json = {
  operationId: 'postFeedback',
  summary: 'Send feedback from a client site',
  tags: ['public'],
  security: [{ siteKey: [] }],
  parameters: [
    {
      name: 'Idempotency-Key',
      in: 'header',
      required: false,
      description: 'Same key and body → same feedbackId; same key, other body → 409',
      schema: { type: 'string', pattern: '^[\\x21-\\x7e]{1,255}$' },
    },
  ],
  requestBody: { required: true, content: { 'application/json': { schema: ref('FeedbackInput') } } },
  responses: {
    '202': { description: 'Stored', content: { 'application/json': { schema: ref('FeedbackAccepted') } } },
    '400': {
      description: errorText[400],
      content: { 'application/json': { schema: ref('ValidationError') } },
    },
    '401': {
      description: 'Unknown site or wrong X-Site-Key',
      content: { 'application/json': { schema: ref('Error') } },
    },
    '403': {
      description: 'Origin not allowed for the site',
      content: { 'application/json': { schema: ref('Error') } },
    },
    '409': {
      description: 'Idempotency-Key used with another body',
      content: { 'application/json': { schema: ref('Error') } },
    },
    '413': { description: 'Body over 16 KiB', content: { 'application/json': { schema: ref('Error') } } },
    '415': { description: errorText[415], content: { 'application/json': { schema: ref('Error') } } },
    '429': { description: 'Over the throttle', content: { 'application/json': { schema: ref('Error') } } },
    '503': {
      description: 'Nothing stored; retry with the same key',
      content: { 'application/json': { schema: ref('Error') } },
    },
  },
};

const actionsOperation = (method: 'get' | 'post'): Json => ({
  operationId: method === 'get' ? 'showSignedLink' : 'performSignedLink',
  summary:
    method === 'get'
      ? 'Signed link from an email: a confirm page (changes nothing, so link scanners are harmless)'
      : 'Signed link from an email: perform it, once (single-use links are spent with the action)',
  tags: ['public'],
  security: [],
  parameters: [
    {
      name: 'token',
      in: 'path',
      required: true,
      description: 'Signed, expiring token (HMAC-SHA256)',
      schema: { type: 'string' },
    },
  ],
  responses: {
    '200': { description: 'HTML page', content: { 'text/html': { schema: { type: 'string' } } } },
    '400': {
      description: 'Malformed link (HTML page)',
      content: { 'text/html': { schema: { type: 'string' } } },
    },
    '403': {
      description: 'Forged link (HTML page)',
      content: { 'text/html': { schema: { type: 'string' } } },
    },
    '409': {
      description: 'Used before, or the case moved on (HTML page)',
      content: { 'text/html': { schema: { type: 'string' } } },
    },
    '410': { description: 'Expired (HTML page)', content: { 'text/html': { schema: { type: 'string' } } } },
  },
});

const html = (description: string): Json => ({
  description,
  content: { 'text/html': { schema: { type: 'string' } } },
});

const surveyToken: Json = {
  name: 'token',
  in: 'path',
  required: true,
  description:
    "An invitation's signed survey token (HMAC-SHA256, ends when the survey closes) or a poster's p_<id>",
  schema: { type: 'string' },
};

const surveyPageErrors: Json = {
  '403': html('Forged link'),
  '404': html('Malformed link, or no such invitation or poster'),
  '409': html('Already answered (a personal survey is answered once)'),
  '410': html('The survey has closed'),
  '429': { description: 'Over the per-client rate limit (answered by WAF, before the function)' },
};

/** The hosted survey page (docs/survey.md): HTML for people, JSON for a shop's page. */
const surveyOperations: Record<string, Json> = {
  '/s/{token}': {
    get: {
      operationId: 'showSurvey',
      summary: 'The survey page: a form in the invitation language (a poster: the site language)',
      tags: ['public'],
      security: [],
      parameters: [
        surveyToken,
        { name: 'lang', in: 'query', required: false, schema: { type: 'string', enum: ['ja', 'en'] } },
      ],
      responses: { '200': html('The form'), ...surveyPageErrors },
    },
    post: {
      operationId: 'answerSurvey',
      summary:
        'Answer the survey: the answer becomes feedback (channel email, or qr with ?via=qr) and is triaged',
      tags: ['public'],
      security: [],
      parameters: [
        surveyToken,
        { name: 'via', in: 'query', required: false, schema: { type: 'string', enum: ['qr'] } },
      ],
      requestBody: {
        required: true,
        content: {
          'application/x-www-form-urlencoded': {
            schema: {
              type: 'object',
              required: ['score'],
              properties: {
                score: { type: 'integer', description: 'NPS 0–10, CSAT 1–5, CES 1–7' },
                reasons: {
                  type: 'array',
                  items: { type: 'string' },
                  description: "Repeated; only the survey's own reasons",
                },
                comment: { type: 'string', maxLength: 4000 },
              },
            },
          },
          'application/json': {
            schema: {
              type: 'object',
              required: ['score'],
              additionalProperties: false,
              properties: {
                score: { type: 'integer' },
                reasons: { type: 'array', items: { type: 'string' } },
                comment: { type: 'string', maxLength: 4000 },
              },
            },
          },
        },
      },
      responses: {
        '200': {
          description: 'Thanks page (a promoter sees the site review link); JSON for a JSON body',
          content: {
            'text/html': { schema: { type: 'string' } },
            'application/json': {
              schema: {
                type: 'object',
                properties: {
                  feedbackId: { type: 'string' },
                  status: { const: 'received' },
                  promoter: { type: 'boolean' },
                  reviewUrl: { type: 'string' },
                },
              },
            },
          },
        },
        '400': {
          description: 'The form again, naming each problem (JSON: the issues); nothing stored',
          content: {
            'text/html': { schema: { type: 'string' } },
            'application/json': { schema: ref('ValidationError') },
          },
        },
        ...surveyPageErrors,
        '413': html('Body over 16 KiB'),
        '415': { description: errorText[415], content: { 'application/json': { schema: ref('Error') } } },
      },
    },
  },
  '/s/{token}/qr.svg': {
    get: {
      operationId: 'getSurveyQr',
      summary: 'The QR code of the survey page (its URL with ?via=qr), for a receipt or a packing slip',
      tags: ['public'],
      security: [],
      parameters: [surveyToken],
      responses: {
        '200': {
          description: 'SVG, error correction M',
          content: { 'image/svg+xml': { schema: { type: 'string' } } },
        },
        '403': { description: 'Forged link' },
        '404': { description: 'Malformed link or no such poster' },
        '410': { description: 'The survey has closed' },
      },
    },
  },
};

/** The whole document. */
export function openApiDocument(): Json {
  const paths: Record<string, Json> = {
    '/v1/feedback': { post: feedbackOperation },
    '/v1/events': { post: eventsOperation },
    '/v1/impressions': { post: impressionsOperation },
    '/v1/actions/{token}': { get: actionsOperation('get'), post: actionsOperation('post') },
    ...surveyOperations,
  };
  for (const route of routeSpecs) {
    paths[route.path] = { ...(paths[route.path] ?? {}), [route.method.toLowerCase()]: operation(route) };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Closeloop',
      version: '1',
      description:
        'Closed-loop customer feedback. Public contract: client sites POST /v1/feedback with their site key. ' +
        'Staff contract: a bearer JWT (Cognito in AWS, GET /__local/token locally); groups are team ids ' +
        'plus admin. Members see and change the cases of their teams, admins all: another team case answers ' +
        '403, a case that does not exist 404. Changes take If-Match: <version>.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    servers: [
      {
        url: '/',
        description:
          'The origin this document is served from: in AWS the CloudFront distribution the stateless stack ' +
          'prints as its ApiUrl output, locally http://localhost:3000 (npm start)',
      },
    ],
    tags: [
      { name: 'public', description: 'Client sites and email links' },
      { name: 'cases', description: 'Cases of your teams' },
      { name: 'problems', description: 'Problems: cases with one root cause' },
      { name: 'metrics', description: 'Loop metrics from the weekly counters' },
      { name: 'teams', description: "Your teams and their members' names" },
      { name: 'customers', description: 'Erasure (admins)' },
      { name: 'sites', description: "Survey codes of a site's touchpoints" },
      { name: 'openapi.json', description: 'This document' },
    ],
    paths,
    components: {
      securitySchemes: {
        staffJwt: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'Cognito user pool token (cognito:groups = team ids, plus admin)',
        },
        siteKey: { type: 'apiKey', in: 'header', name: 'X-Site-Key' },
        serverKey: {
          type: 'apiKey',
          in: 'header',
          name: 'X-Server-Key',
          description: "The site's secret server key, for the shop backend (never from a browser)",
        },
      },
      schemas: { ...components(requestComponents, 'input'), ...components(responseComponents, 'output') },
    },
  };
}

/** The document as committed in docs/openapi.json. */
export const openApiJson = () => `${JSON.stringify(openApiDocument(), null, 2)}\n`;
