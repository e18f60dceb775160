/**
 * Reading and validating the config: one place that turns a file, an env var or a value into a
 * `Config`, or into a `ConfigError` naming every bad field (`routing.rules[0].teamId: unknown team "x"`).
 */
import { existsSync, readFileSync } from 'node:fs';
import type * as z from 'zod';
import { type Config, configSchema } from './schema.ts';

export interface ConfigIssue {
  /** Field path as `routing.rules[0].teamId`; `(root)` for the whole document. */
  path: string;
  message: string;
}

/** A config that cannot be used. The message has one `<path>: <reason>` line per problem. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly issues: ConfigIssue[];
  /** Where the config came from (file path or env var name), if known. */
  readonly source: string | undefined;

  constructor(issues: ConfigIssue[], options: { source?: string; cause?: unknown } = {}) {
    const count = `${issues.length} problem${issues.length === 1 ? '' : 's'}`;
    const where = options.source ? ` in ${options.source}` : '';
    const lines = issues.map((issue) => `${issue.path}: ${issue.message}`);
    super([`Invalid config${where} (${count}):`, ...lines].join('\n'), { cause: options.cause });
    this.issues = issues;
    this.source = options.source;
  }
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** `['routing', 'rules', 0, 'teamId']` -> `routing.rules[0].teamId`; `[]` -> `(root)`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'symbol') out += `[${String(key)}]`;
    else if (IDENTIFIER.test(key)) out += out ? `.${key}` : key;
    else out += `[${JSON.stringify(key)}]`;
  }
  return out || '(root)';
}

function toIssues(error: z.core.$ZodError): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      // One line per key, at the key itself, so the path points at the typo.
      for (const key of issue.keys)
        issues.push({ path: formatPath([...issue.path, key]), message: 'unknown key' });
    } else {
      issues.push({ path: formatPath(issue.path), message: issue.message });
    }
  }
  return issues;
}

const errorMap = (issue: z.core.$ZodRawIssue): string | undefined =>
  issue.code === 'invalid_type' && issue.input === undefined ? 'required' : undefined;

/** Validates `input` and applies defaults; throws `ConfigError` listing every problem. */
export function parseConfig(input: unknown, source?: string): Config {
  const result = configSchema.safeParse(input, { error: errorMap });
  if (!result.success) throw new ConfigError(toIssues(result.error), source === undefined ? {} : { source });
  return result.data;
}

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new ConfigError([{ path: '(root)', message: `${source} is not valid JSON: ${reason}` }], {
      source,
      cause,
    });
  }
}

/** Reads and validates a JSON config file. */
export function loadConfigFile(path: string): Config {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new ConfigError([{ path: '(root)', message: `cannot read ${path}: ${reason}` }], {
      source: path,
      cause,
    });
  }
  return parseConfig(parseJson(text, path), path);
}

export const DEFAULT_CONFIG_FILE = 'closeloop.config.json';
export const EXAMPLE_CONFIG_FILE = 'closeloop.config.example.json';

/**
 * The config file to use: `CLOSELOOP_CONFIG` if set, else `closeloop.config.json` if it
 * exists (relative to the working directory), else the example file.
 */
export function resolveConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env.CLOSELOOP_CONFIG;
  if (explicit !== undefined && explicit !== '') return explicit;
  return existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : EXAMPLE_CONFIG_FILE;
}
