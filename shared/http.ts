import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { PayloadTooLarge, UnsupportedMediaType, ValidationFailed } from './domain/errors.ts';

/** The public site key (browsers, with an Origin on the site's list). */
export const SITE_KEY_HEADER = 'x-site-key';
/** The secret server key (shop backends, no Origin). */
export const SERVER_KEY_HEADER = 'x-server-key';
/** The bot check's token (Turnstile), when the site has one. */
export const BOT_TOKEN_HEADER = 'x-bot-token';
/** The secret header CloudFront adds to every request it forwards to the API (infra/web-hosting.ts). */
export const ORIGIN_VERIFY_HEADER = 'x-origin-verify';
/** Request headers a browser on a client site may send to the public intake (CORS). */
export const CORS_ALLOW_HEADERS = ['content-type', SITE_KEY_HEADER, BOT_TOKEN_HEADER, 'idempotency-key'];

export type HttpEvent = APIGatewayProxyEventV2;
export type HttpResult = APIGatewayProxyStructuredResultV2 & { headers: Record<string, string> };

export function header(event: HttpEvent, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}

export function rawBody(event: HttpEvent): Buffer {
  if (!event.body) return Buffer.alloc(0);
  return Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
}

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResult {
  return {
    statusCode,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    body: JSON.stringify(body),
  };
}

export function isJsonContentType(contentType: string | undefined): boolean {
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase();
  return mediaType === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(mediaType ?? '');
}

/** The body of a JSON route: 415 if it is not JSON, 413 over `maxBytes`, 400 if it does not parse. */
export function readJsonBody(event: HttpEvent, maxBytes: number): unknown {
  if (!isJsonContentType(header(event, 'content-type'))) {
    throw new UnsupportedMediaType('Content-Type must be application/json');
  }
  const bytes = rawBody(event);
  if (bytes.length > maxBytes) throw new PayloadTooLarge(`body must be at most ${maxBytes} bytes`);
  return parseJsonBytes(bytes);
}

export function parseJsonBytes(bytes: Buffer): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new ValidationFailed([{ path: '', message: 'body is not valid UTF-8 JSON' }]);
  }
}
