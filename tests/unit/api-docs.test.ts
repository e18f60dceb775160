import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const openapi = JSON.parse(readFileSync('docs/openapi.json', 'utf8')) as {
  paths: Record<string, Record<string, unknown>>;
};
const prose = readFileSync('docs/api.md', 'utf8');

describe('docs/api.md', () => {
  it('explains every operation of docs/openapi.json, as METHOD path', () => {
    const operations = Object.entries(openapi.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );

    const missing = operations.filter((op) => !prose.includes(op));

    expect(operations.length).toBeGreaterThan(20);
    expect(missing, `docs/api.md does not mention: ${missing.join(', ')}`).toEqual([]);
  });

  it('names docs/openapi.json as the source of truth', () => {
    expect(prose).toContain('The source of truth is [`openapi.json`](openapi.json)');
  });
});
