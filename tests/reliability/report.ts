import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { mode } from './sizes.ts';

const resultsFile = new URL('../../bench/results.json', import.meta.url);

export function machine() {
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
  };
}

/** A compact fixed-width table: one row per entry, one column per key. */
export function table(title: string, rows: Record<string, Record<string, unknown>>): string {
  const names = Object.keys(rows);
  const columns = [...new Set(names.flatMap((n) => Object.keys(rows[n]!)))];
  const cells = [
    ['', ...columns],
    ...names.map((n) => [n, ...columns.map((c) => String(rows[n]![c] ?? ''))]),
  ];
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  const last = widths.length - 1;
  const line = (r: string[]) =>
    r
      .map((cell, i) => (i === 0 || i === last ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join('  ');
  return [`\n${title} (${mode})`, ...cells.map(line)].join('\n');
}

/**
 * Merges one section (`faults`, `fuzz` or `load`) into `reliability` of bench/results.json,
 * keeping every other key of the file. Only the full run writes: the bounded run (CI) must not
 * modify tracked files.
 */
export function recordSection(section: 'faults' | 'fuzz' | 'load', value: unknown): boolean {
  if (mode !== 'full') return false;
  let file: Record<string, unknown> = {};
  try {
    file = JSON.parse(readFileSync(resultsFile, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const previous = (file.reliability ?? {}) as Record<string, unknown>;
  file.reliability = {
    ...previous,
    machine: machine(),
    measuredAt: new Date().toISOString(),
    mode,
    [section]: value,
  };
  writeFileSync(resultsFile, `${JSON.stringify(file, null, 2)}\n`);
  return true;
}
