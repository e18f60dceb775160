import { defineConfig } from 'vitest/config';
import base from './vitest.config.ts';

/**
 * `npm run test:reliability`: fault injection, fuzzing and load against the local stack, one file
 * at a time so load figures are not skewed by a neighbour. CLOSELOOP_RELIABILITY=bounded runs the
 * shorter version that `npm test` includes.
 */
export default defineConfig({
  test: {
    ...base.test,
    include: ['tests/reliability/**/*.test.ts'],
    exclude: ['node_modules/**'],
    testTimeout: 900_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
