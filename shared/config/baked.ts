/**
 * The config as a deployed function reads it: the document synth validated (defaults applied) and
 * baked into the bundle as `CLOSELOOP_CONFIG_JSON` (see infra/function.ts). It is only parsed here,
 * not validated again: the zod schema is type-only in this module, so a function's cold start does
 * not pay for building and running it (validation lives in ./load.ts, at synth and local start).
 */
import type { Config } from './schema.ts';

export const configEnvName = 'CLOSELOOP_CONFIG_JSON';

export class MissingConfigError extends Error {
  override readonly name = 'MissingConfigError';
}

export function bakedConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const text = env[configEnvName];
  if (text === undefined || text.trim() === '') {
    throw new MissingConfigError(
      `${configEnvName} is not set: deploy with cdk, which bakes the validated config in`,
    );
  }
  try {
    return JSON.parse(text) as Config;
  } catch (cause) {
    throw new MissingConfigError(`${configEnvName} is not valid JSON`, { cause });
  }
}
