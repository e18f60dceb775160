import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Context } from 'aws-lambda';
import { type HttpEvent, type HttpResult, json, SERVER_KEY_HEADER } from '../../shared/http.ts';
import type { IntakeLimit } from './intake-limits.ts';

export type HttpHandler = (event: HttpEvent, context: Context) => Promise<HttpResult>;

export interface Route {
  method: string;
  /** API Gateway style: `/v1/cases/{id}`. */
  path: string;
  handler: HttpHandler;
  /** Applied before the handler, like API Gateway's route throttling. */
  throttled?: boolean;
  /** Staff routes: a valid bearer JWT is required, as API Gateway's JWT authorizer requires it. */
  staff?: boolean;
  /**
   * Public intake: counted by the intake limit before anything else (per client address, or per
   * site on a server key), as WAF's rate-based rule counts it in front of CloudFront in AWS.
   */
  publicIntake?: boolean;
}

/** Answers the claims of a valid staff token (as the JWT authorizer hands them to Lambda), else undefined. */
export type StaffTokenVerifier = (token: string) => Record<string, string> | undefined;

/** API Gateway's payload limit; the handlers enforce the contract's own, smaller limits. */
const maxPayloadBytes = 10 * 1024 * 1024;

/** Loopback by default: the local stack hands out admin tokens (`/__local/token`) to whoever asks. */
export const defaultHost = '127.0.0.1';

interface ServerOptions {
  port: number;
  /** The address to listen on (default 127.0.0.1). */
  host?: string;
  routes: Route[];
  throttle?: TokenBucket;
  /** Applied to `publicIntake` routes first, like WAF in front of API Gateway. */
  intakeLimit?: IntakeLimit;
  verifyStaffToken?: StaffTokenVerifier;
}

/**
 * Turns HTTP requests into API Gateway HTTP API (payload v2) events for the same handlers that
 * run in Lambda, so the local stack exercises the deployed code path.
 */
export function startHttpServer(opts: ServerOptions): Promise<{ server: Server; url: string; port: number }> {
  const host = opts.host ?? defaultHost;
  const server = createServer((req, res) => {
    handle(req, res, opts).catch((error: unknown) => {
      console.error('local server error', error);
      if (!res.headersSent) send(res, { statusCode: 500, headers: {}, body: '{"error":"internal_error"}' });
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, host, () => {
      const { port } = server.address() as AddressInfo;
      resolve({ server, url: `http://${urlHost(host)}:${port}`, port });
    });
  });
}

/** `localhost` for loopback and wildcard addresses (reachable as localhost), else the address itself. */
export function urlHost(host: string): string {
  if (['127.0.0.1', '::1', 'localhost', '0.0.0.0', '::'].includes(host)) return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  { routes, throttle, intakeLimit, verifyStaffToken }: ServerOptions,
) {
  const url = new URL(req.url ?? '/', 'http://local');
  const method = req.method ?? 'GET';
  const match = findRoute(routes, method, url.pathname);
  if (!match) {
    const pathKnown = routes.some((r) => matchPath(r.path, url.pathname));
    send(res, json(pathKnown ? 405 : 404, { error: pathKnown ? 'method_not_allowed' : 'not_found' }));
    return;
  }
  // Before the body is read: a refused request costs a map lookup and stores nothing.
  const refusal = match.route.publicIntake && intakeLimit?.(intakeRequestOf(req));
  if (refusal) {
    const message =
      refusal.per === 'client'
        ? `too many requests from this client; retry after ${refusal.retryAfterSeconds} s`
        : `too many server-key requests for this site; retry after ${refusal.retryAfterSeconds} s`;
    send(
      res,
      json(429, { error: 'rate_limited', message }, { 'retry-after': String(refusal.retryAfterSeconds) }),
    );
    return;
  }
  if (match.route.throttled && throttle && !throttle.take()) {
    send(res, json(429, { error: 'rate_limited', message: 'too many requests' }, { 'retry-after': '1' }));
    return;
  }
  const body = await readBody(req);
  if (body === 'too_large') {
    send(res, json(413, { error: 'payload_too_large' }));
    return;
  }
  const event = toEvent(req, url, method, match, body);
  if (match.route.staff) {
    const bearer = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const claims = bearer && verifyStaffToken ? verifyStaffToken(bearer) : undefined;
    if (!claims) {
      send(res, json(401, { message: 'Unauthorized' }));
      return;
    }
    Object.assign(event.requestContext, { authorizer: { jwt: { claims, scopes: [] } } });
  }
  send(res, await match.route.handler(event, fakeContext(event.requestContext.requestId)));
}

function intakeRequestOf(req: IncomingMessage) {
  const serverKey = req.headers[SERVER_KEY_HEADER];
  return {
    // An IPv4 client of a dual-stack socket shows as `::ffff:a.b.c.d`: one client, one key.
    clientAddress: (req.socket.remoteAddress ?? 'unknown').replace(/^::ffff:(?=\d+\.)/, ''),
    serverKey: Array.isArray(serverKey) ? serverKey[0] : serverKey,
  };
}

function findRoute(routes: Route[], method: string, path: string) {
  for (const route of routes) {
    if (route.method !== method && route.method !== 'ANY') continue;
    const params = matchPath(route.path, path);
    if (params) return { route, params };
  }
  return undefined;
}

function matchPath(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    const g = got[i]!;
    if (w.startsWith('{') && w.endsWith('}')) params[w.slice(1, -1)] = decodeSegment(g);
    else if (w !== g) return undefined;
  }
  return params;
}

/** A malformed escape (`%ff`) is kept as sent, so the handler answers 400 naming the parameter, as API Gateway would not 500. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function readBody(req: IncomingMessage): Promise<Buffer | 'too_large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxPayloadBytes) {
        req.destroy();
        resolve('too_large');
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function toEvent(
  req: IncomingMessage,
  url: URL,
  method: string,
  match: { route: Route; params: Record<string, string> },
  body: Buffer,
): HttpEvent {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[key.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
  for (const [key, value] of url.searchParams) query[key] = query[key] ? `${query[key]},${value}` : value;
  const isText = body.length === 0 || /json|text|x-www-form-urlencoded/.test(headers['content-type'] ?? '');
  const now = new Date();
  const routeKey = `${match.route.method} ${match.route.path}`;
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    queryStringParameters: Object.keys(query).length ? query : undefined,
    pathParameters: Object.keys(match.params).length ? match.params : undefined,
    body: body.length ? body.toString(isText ? 'utf8' : 'base64') : undefined,
    isBase64Encoded: !isText,
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'localhost',
      http: {
        method,
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
  };
}

function fakeContext(requestId: string): Context {
  return {
    awsRequestId: requestId,
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'local',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:local:000000000000:function:local',
    logGroupName: 'local',
    logStreamName: 'local',
    memoryLimitInMB: '512',
    getRemainingTimeInMillis: () => 30_000,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

function send(res: ServerResponse, result: HttpResult) {
  res.writeHead(result.statusCode ?? 200, result.headers);
  res.end(result.body ?? '');
}

/** API Gateway's throttle model: a steady rate with a burst allowance. */
export class TokenBucket {
  #tokens: number;
  #last = performance.now();

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
  ) {
    this.#tokens = burst;
  }

  take(): boolean {
    const now = performance.now();
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#last) / 1000) * this.ratePerSecond);
    this.#last = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
