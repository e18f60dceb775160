import { timingSafeEqual } from 'node:crypto';
import type { MiddlewareObj } from '@middy/core';
import { type HttpEvent, type HttpResult, header, json, ORIGIN_VERIFY_HEADER } from '../http.ts';
import type { SecretSource } from './secrets.ts';

/**
 * Refuses any request that did not come through the CloudFront distribution, before the handler
 * runs: the WAF rate rules sit on the distribution, so a caller of the bare `execute-api` URL
 * would otherwise skip them (docs/threat-model.md). A request without the header is refused
 * without reading the secret; the comparison is constant-time.
 */
export function originVerified(secret: SecretSource): MiddlewareObj<HttpEvent, HttpResult> {
  return {
    before: async (request) => {
      const given = header(request.event, ORIGIN_VERIFY_HEADER);
      if (given !== undefined && sameText(given, await secret())) return undefined;
      return json(403, {
        error: 'forbidden',
        message: 'call the API through its public URL (the CloudFront distribution), not execute-api',
      });
    },
  };
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
