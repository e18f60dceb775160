import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { makeCasesHandler } from '../../functions/cases/handler.ts';
import { openApiDocument, openApiJson } from '../../functions/cases/openapi.ts';
import { routeSpecs } from '../../functions/cases/routes.ts';
import { feedbackInputSchema } from '../../shared/domain/feedback.ts';
import { httpEvent } from '../support/http-events.ts';

// biome-ignore lint/suspicious/noExplicitAny: an OpenAPI document is untyped JSON
type Json = any;
const doc = openApiDocument() as Json;

describe('OpenAPI 3.1 document', () => {
  it('is committed as docs/openapi.json exactly as the schemas generate it (else run npm run openapi)', () => {
    const committed = readFileSync('docs/openapi.json', 'utf8');

    expect(committed).toBe(openApiJson());
  });

  it('describes both contracts: POST /v1/feedback with its site key and every staff route with the bearer JWT', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.paths['/v1/feedback'].post.security).toEqual([{ siteKey: [] }]);
    for (const route of routeSpecs) {
      const op = doc.paths[route.path][route.method.toLowerCase()];
      expect(op, `${route.method} ${route.path}`).toBeDefined();
      expect(op.security).toEqual(route.access === 'public' ? [] : [{ staffJwt: [] }]);
      if (route.access !== 'public') expect(Object.keys(op.responses)).toContain('401');
      if (route.ifMatch) {
        expect(op.parameters).toContainEqual(
          expect.objectContaining({ name: 'If-Match', in: 'header', required: true }),
        );
        expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['409', '428']));
      }
    }
    expect(doc.components.securitySchemes.staffJwt).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('uses the very zod schema that validates POST /v1/feedback', () => {
    const { $schema: _, ...fromZod } = z.toJSONSchema(feedbackInputSchema, {
      io: 'input',
      unrepresentable: 'any',
    });

    expect(doc.components.schemas.FeedbackInput).toEqual(fromZod);
  });

  it('resolves every $ref to a component', () => {
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map(
      (m) => m[1],
    );

    expect(refs.length).toBeGreaterThan(20);
    for (const name of refs) expect(doc.components.schemas, name).toHaveProperty(name as string);
  });

  it('is served at GET /v1/openapi.json without a token', async () => {
    const handler = makeCasesHandler({} as never);
    const event = httpEvent({ method: 'GET', path: '/v1/openapi.json' });

    const response = await handler({ ...event, routeKey: 'GET /v1/openapi.json' });

    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body as string)).toEqual(doc);
  });
});
