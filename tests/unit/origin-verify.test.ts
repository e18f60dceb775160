import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { originVerified } from '../../shared/adapters/origin-verify.ts';
import { type HttpEvent, json } from '../../shared/http.ts';

const secret = 'origin-secret-0123456789';
const context = {} as Context;
const event = (headers: Record<string, string>) =>
  ({
    headers,
    rawPath: '/v1/feedback',
    requestContext: { http: { method: 'POST' } },
  }) as unknown as HttpEvent;

function guarded() {
  const seen = { handled: 0, secretReads: 0 };
  const handler = middy(async () => {
    seen.handled += 1;
    return json(202, { ok: true });
  }).use(
    originVerified(async () => {
      seen.secretReads += 1;
      return secret;
    }),
  );
  return { handler, seen };
}

describe('the origin check in front of every HTTP function', () => {
  it('lets a request through that carries the header CloudFront adds', async () => {
    const { handler, seen } = guarded();

    const result = await handler(event({ 'x-origin-verify': secret }), context);

    expect(result.statusCode).toBe(202);
    expect(seen.handled).toBe(1);
  });

  it('answers 403 to a request on the bare execute-api URL, without running the handler or reading the secret', async () => {
    const { handler, seen } = guarded();

    const result = await handler(event({ 'content-type': 'application/json' }), context);

    expect(result.statusCode).toBe(403);
    expect(JSON.parse(result.body as string)).toMatchObject({ error: 'forbidden' });
    expect(seen).toEqual({ handled: 0, secretReads: 0 });
  });

  it('answers 403 to a wrong or truncated header value', async () => {
    const { handler, seen } = guarded();

    const wrong = await handler(event({ 'X-Origin-Verify': 'guess' }), context);
    const truncated = await handler(event({ 'x-origin-verify': secret.slice(0, -1) }), context);

    expect([wrong.statusCode, truncated.statusCode]).toEqual([403, 403]);
    expect(seen.handled).toBe(0);
  });
});
