import type { BuildOptions } from 'esbuild';

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
} satisfies BuildOptions;
