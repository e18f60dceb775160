import type { HttpEvent } from '../../shared/http.ts';

/** A minimal API Gateway HTTP API (v2) event, as the local server and API Gateway build them. */
export function httpEvent(opts: {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string | object;
}): HttpEvent {
  const method = opts.method ?? 'POST';
  const path = opts.path ?? '/v1/feedback';
  return {
    version: '2.0',
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: '',
    headers: opts.headers ?? {},
    body: typeof opts.body === 'object' ? JSON.stringify(opts.body) : opts.body,
    isBase64Encoded: false,
    requestContext: {
      accountId: 'test',
      apiId: 'test',
      domainName: 'test',
      domainPrefix: 'test',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'vitest' },
      requestId: 'req-1',
      routeKey: `${method} ${path}`,
      stage: '$default',
      time: '',
      timeEpoch: 0,
    },
  };
}
