import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/**
 * zod/mini ships no messages of its own: shared/zod-locale.ts installs English. In this test process
 * classic zod (loaded by other modules) would install them anyway, so the check runs in a fresh
 * process that loads only what a Lambda bundle loads.
 */
describe('zod/mini messages in a process without classic zod', () => {
  it('names the problem in plain English, not "Invalid input" or "Too big"', () => {
    const script = `
      import { parseFeedbackInput } from './shared/domain/feedback.ts';
      try {
        parseFeedbackInput({ siteId: 'shop-jp', touchpoint: 'delivery', channel: 'web', comment: 'x',
          customer: { name: 'n'.repeat(201) } });
      } catch (error) { console.log(JSON.stringify(error.issues)); }`;
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.stderr).toBe('');
    const issues = JSON.parse(run.stdout.trim()) as { path: string; message: string }[];
    expect(issues).toEqual([{ path: 'customer.name', message: 'must have at most 200 characters, got 201' }]);
  });
});
