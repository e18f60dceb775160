import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    exclude: ['tests/browser/**', 'tests/reliability/**', 'node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    env: {
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      // EMF lines on stdout would bury the report; tests/unit/observability.test.ts turns them on.
      POWERTOOLS_METRICS_DISABLED: 'true',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      // Every suite (integration, browser, reliability: load and fuzz) posts from one address far
      // more than 30 times a minute, and measures the handlers; tests of the limit turn it on.
      CLOSELOOP_INTAKE_LIMITS: 'off',
    },
  },
});
