import { defineConfig } from 'vitest/config';
import base from './vitest.config.ts';

/** `npm run test:browser`: Chromium against the local stack, one file at a time (2 cores). */
export default defineConfig({
  test: {
    ...base.test,
    include: ['tests/browser/**/*.test.ts'],
    exclude: ['node_modules/**'],
    testTimeout: 120_000,
    fileParallelism: false,
  },
});
