import { readFileSync } from 'node:fs';
import { createConfig, lintFromString, type NormalizedProblem } from '@redocly/openapi-core';
import { describe, expect, it } from 'vitest';

const where = (problem: NormalizedProblem) => problem.location.map((l) => l.pointer ?? '#').join(', ');

describe('docs/openapi.json under Redocly', () => {
  it("passes Redocly's recommended rules with no error", async () => {
    const config = await createConfig({ extends: ['recommended'] });

    const problems = await lintFromString({
      source: readFileSync('docs/openapi.json', 'utf8'),
      absoluteRef: 'docs/openapi.json',
      config,
    });

    const errors = problems
      .filter((p) => p.severity === 'error')
      .map((p) => `${p.ruleId}: ${p.message} at ${where(p)}`);
    expect(
      errors,
      `Redocly errors (fix functions/cases/openapi.ts, then npm run openapi):\n${errors.join('\n')}`,
    ).toEqual([]);
  });
});
