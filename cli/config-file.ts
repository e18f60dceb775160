/**
 * The config file as the operator keeps it: read as raw JSON (so writing it back adds no
 * defaults), edited, validated with the same schema synth uses (shared/config/load.ts), then
 * written, or with `--dry-run` only shown as a diff.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { ConfigError, loadConfigFile, parseConfig } from '../shared/config/load.ts';
import type { Config } from '../shared/config/schema.ts';
import { CliError } from './errors.ts';

export type RawConfig = Record<string, unknown> & {
  sites?: Record<string, unknown>[];
  teams?: Record<string, unknown>[];
  executives?: Record<string, unknown>[];
};

export interface ConfigFile {
  path: string;
  raw: RawConfig;
  /** Validated, with defaults: what a deploy would bake in. */
  config: Config;
}

export function readConfigFile(path: string): ConfigFile {
  if (!existsSync(path)) {
    throw new CliError(
      `config file ${path} not found (pass --config, or copy closeloop.config.example.json to closeloop.config.json)`,
    );
  }
  let config: Config;
  try {
    config = loadConfigFile(path);
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(error.message);
    throw error;
  }
  return { path, raw: JSON.parse(readFileSync(path, 'utf8')) as RawConfig, config };
}

/** Validates the edited document; a change that breaks the config is refused with every reason. */
export function validateEdit(raw: RawConfig, path: string): Config {
  try {
    return parseConfig(raw, path);
  } catch (error) {
    if (error instanceof ConfigError) {
      throw new CliError(`the change would make the config invalid:\n${error.message}`);
    }
    throw error;
  }
}

export const formatConfig = (raw: unknown) => `${JSON.stringify(raw, null, 2)}\n`;

/** Writes through a temporary file, so a crash never leaves half a config. */
export function writeConfigFile(path: string, raw: RawConfig): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, formatConfig(raw));
  renameSync(tmp, path);
}

/**
 * A line diff (`-` old, `+` new, two lines of context, `@@` between hunks) of the two documents
 * as the CLI writes them, so formatting never shows up as a change.
 */
export function configDiff(before: unknown, after: unknown): string {
  const a = formatConfig(before).split('\n');
  const b = formatConfig(after).split('\n');
  // Longest common subsequence, from the end.
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const lines: { mark: ' ' | '-' | '+'; text: string }[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      lines.push({ mark: ' ', text: a[i++]! });
      j++;
    } else if (i < a.length && (j === b.length || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) {
      lines.push({ mark: '-', text: a[i++]! });
    } else {
      lines.push({ mark: '+', text: b[j++]! });
    }
  }
  const context = 2;
  const keep = lines.map((_, k) =>
    lines.slice(Math.max(0, k - context), k + context + 1).some((l) => l.mark !== ' '),
  );
  const out: string[] = [];
  let gap = false;
  lines.forEach((line, k) => {
    if (!keep[k]) {
      gap = true;
      return;
    }
    if (gap || out.length === 0) out.push('@@');
    gap = false;
    out.push(`${line.mark} ${line.text}`);
  });
  return out.length === 0 ? '(no change)\n' : `${out.join('\n')}\n`;
}
