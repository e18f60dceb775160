/**
 * What the CDK app deploys with: the validated Closeloop config and the stage. A bad config or
 * stage stops `cdk synth` with a message naming each bad field, before any resource is built.
 */
import type { App } from 'aws-cdk-lib';
import { ConfigError, loadConfigFile, resolveConfigPath } from '../shared/config/load.ts';
import type { Config } from '../shared/config/schema.ts';

export const STAGES = ['dev', 'prod'] as const;
export type Stage = (typeof STAGES)[number];

export interface AppConfig {
  config: Config;
  /** The file the config was read from. */
  configPath: string;
  stage: Stage;
}

/** Thrown for a context value the app cannot use (`-c stage=qa`). */
export class ContextError extends Error {
  override readonly name = 'ContextError';
}

function contextString(app: App, key: string): string | undefined {
  const value: unknown = app.node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  return String(value);
}

/**
 * The config file: `-c config=PATH`, else env `CLOSELOOP_CONFIG`, else `closeloop.config.json` if it
 * exists, else `closeloop.config.example.json` (relative paths from the working directory, which
 * the CDK CLI sets to the folder of cdk.json).
 */
export function appConfigPath(app: App, env: NodeJS.ProcessEnv = process.env): string {
  return contextString(app, 'config') ?? resolveConfigPath(env);
}

/** The stage from `-c stage=dev|prod`; dev when absent. */
export function appStage(app: App): Stage {
  const value = contextString(app, 'stage') ?? 'dev';
  if (!(STAGES as readonly string[]).includes(value)) {
    throw new ContextError(
      `Invalid context stage=${JSON.stringify(value)}: expected one of ${STAGES.join(', ')}`,
    );
  }
  return value as Stage;
}

/** Reads and validates config and stage; throws `ConfigError` / `ContextError`. */
export function readAppConfig(app: App, env: NodeJS.ProcessEnv = process.env): AppConfig {
  const stage = appStage(app);
  const configPath = appConfigPath(app, env);
  return { config: loadConfigFile(configPath), configPath, stage };
}

/**
 * `readAppConfig` for the app entry: on a bad config prints `Invalid config <path>:` and one
 * `<field path>: <reason>` line per problem to stderr, then exits 1 (no stack trace to dig through).
 */
export function loadAppConfig(app: App, env: NodeJS.ProcessEnv = process.env): AppConfig {
  try {
    return readAppConfig(app, env);
  } catch (error) {
    if (error instanceof ConfigError) {
      const lines = error.issues.map((issue) => `  ${issue.path}: ${issue.message}`);
      process.stderr.write(
        `Invalid config ${error.source ?? appConfigPath(app, env)}:\n${lines.join('\n')}\n`,
      );
      process.exit(1);
    }
    if (error instanceof ContextError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}
