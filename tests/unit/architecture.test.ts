import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The layers' import direction: `functions/<fn>/` and `cli/` (primary adapters) → `core/` (use cases) →
 * `shared/` (domain, ports, repository keys, secondary adapters). No arrow points back up, no
 * function imports another, and the use cases and the domain talk to AWS only through ports.
 */
const root = process.cwd();

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.ts') ? [relative(root, path)] : [];
  });
}

/** Every import of a file: relative ones resolved to repository paths, packages as named. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  const specifiers = [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s*['"]([^'"]+)['"]/g)].map(
    (m) => m[1] as string,
  );
  const dynamic = [...text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1] as string);
  return [...specifiers, ...dynamic].map((s) => (s.startsWith('.') ? normalize(join(dirname(file), s)) : s));
}

const layerOf = (path: string) => path.split('/')[0];
const functionOf = (path: string) => (path.startsWith('functions/') ? path.split('/')[1] : undefined);

const graph = ['shared', 'core', 'functions', 'cli'].flatMap((dir) =>
  sources(join(root, dir)).map((file) => ({ file, imports: importsOf(file) })),
);
const arrows = (where: (file: string, target: string) => boolean) =>
  graph.flatMap(({ file, imports }) => imports.filter((t) => where(file, t)).map((t) => `${file} → ${t}`));

describe('the import graph', () => {
  it('reads every layer (the test would pass vacuously on an empty graph)', () => {
    expect(graph.filter((g) => layerOf(g.file) === 'core').length).toBeGreaterThan(10);
    expect(graph.filter((g) => layerOf(g.file) === 'functions').length).toBeGreaterThan(15);
    expect(graph.filter((g) => layerOf(g.file) === 'cli').length).toBeGreaterThan(10);
    expect(graph.flatMap((g) => g.imports).length).toBeGreaterThan(300);
  });

  it('has shared/ import nothing above it', () => {
    expect(
      arrows(
        (file, t) =>
          layerOf(file) === 'shared' &&
          ['core', 'functions', 'cli', 'infra', 'web'].includes(layerOf(t) ?? ''),
      ),
    ).toEqual([]);
  });

  it('keeps key formats out of the domain: shared/domain imports neither the table nor the repository', () => {
    expect(
      arrows(
        (file, t) =>
          file.startsWith('shared/domain/') &&
          (t === 'shared/table.ts' || t.startsWith('shared/repository/')),
      ),
    ).toEqual([]);
  });

  it('has core/ import only shared/ and itself, never a function or the infrastructure', () => {
    expect(
      arrows(
        (file, t) =>
          layerOf(file) === 'core' && ['functions', 'cli', 'infra', 'web'].includes(layerOf(t) ?? ''),
      ),
    ).toEqual([]);
  });

  it('has the operator CLI import only core/ and shared/, never a function or the infrastructure (the CDK)', () => {
    expect(
      arrows(
        (file, t) =>
          layerOf(file) === 'cli' && ['functions', 'infra', 'web', 'tests'].includes(layerOf(t) ?? ''),
      ),
    ).toEqual([]);
    expect(arrows((file, t) => layerOf(file) === 'cli' && t.startsWith('aws-cdk-lib'))).toEqual([]);
  });

  it('has no function import another function', () => {
    expect(
      arrows((file, t) => {
        const from = functionOf(file);
        const to = functionOf(t);
        return from !== undefined && to !== undefined && from !== to;
      }),
    ).toEqual([]);
  });

  it('keeps the AWS SDK out of the use cases and the pure domain (adapters and handlers only)', () => {
    const pure = (file: string) =>
      layerOf(file) === 'core' || /^shared\/(domain|events|notices|repository|config)\//.test(file);
    expect(arrows((file, t) => pure(file) && t.startsWith('@aws-sdk/'))).toEqual([]);
  });

  it('reads the time only through the clock port (shared/clock.ts)', () => {
    const readers = graph
      .map(({ file }) => file)
      .filter((file) => file !== 'shared/clock.ts')
      .filter((file) => /\bDate\.now\(|new Date\(\)/.test(readFileSync(join(root, file), 'utf8')));
    expect(readers).toEqual([]);
  });
});
