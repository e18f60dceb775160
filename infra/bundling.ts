import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BuildOptions } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * How every function is bundled: ESM for Node 22 on arm64, the AWS SDK bundled (not the
 * runtime's copy) so its version is the one we test, minified. The CDK construct and the bench
 * share these options so the bench measures what is deployed.
 */
export const lambdaEsbuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  minify: true,
  mainFields: ['module', 'main'],
  // CommonJS dependencies call require(); ESM output needs one made for it.
  banner: {
    js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
  external: [],
  // Lambda's credentials are always the role's keys in the environment: only that link of the
  // SDK's default chain is bundled (see shared/adapters/lambda-credentials.ts).
  alias: {
    '@aws-sdk/credential-provider-node': join(root, 'shared/adapters/lambda-credentials.ts'),
  },
} satisfies BuildOptions;
