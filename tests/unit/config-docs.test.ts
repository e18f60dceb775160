import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { renderConfigDocs } from '../../infra/config-docs.ts';
import { configSchema } from '../../shared/config/schema.ts';

describe('docs/config.md', () => {
  it('docs/config.md is what the schema generates', () => {
    const committed = readFileSync('docs/config.md', 'utf8');

    expect(
      committed,
      'docs/config.md differs from what shared/config/schema.ts generates: run npm run config-docs',
    ).toBe(renderConfigDocs());
  });

  it('describes every field of the schema', () => {
    const undescribed: string[] = [];
    const walk = (node: Record<string, unknown>, path: string) => {
      const properties = (node.properties ?? {}) as Record<string, Record<string, unknown>>;
      for (const [key, child] of Object.entries(properties)) {
        const at = path ? `${path}.${key}` : key;
        if (typeof child.description !== 'string' || child.description === '') undescribed.push(at);
        walk(child, at);
      }
      if (node.items) walk(node.items as Record<string, unknown>, `${path}[]`);
    };
    walk(z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as never, '');

    expect(undescribed).toEqual([]);
  });

  it('names every top-level section of the example config', () => {
    const example = JSON.parse(readFileSync('closeloop.config.example.json', 'utf8')) as object;
    const docs = renderConfigDocs();

    for (const key of Object.keys(example)) expect(docs, key).toContain(`## \`${key}\``);
  });
});
