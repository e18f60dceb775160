import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/** Runs the CDK app the way `cdk synth` does (tsx, context in CDK_CONTEXT_JSON, output in CDK_OUTDIR). */
const work = mkdtempSync(join(tmpdir(), 'closeloop-config-synth-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const cdkContext = JSON.parse(readFileSync('cdk.json', 'utf8')).context as Record<string, unknown>;
const example = JSON.parse(readFileSync('closeloop.config.example.json', 'utf8'));

function runApp(opts: {
  env?: Record<string, string>;
  context?: Record<string, unknown>;
}): SpawnSyncReturns<string> {
  const outdir = mkdtempSync(join(work, 'out-'));
  return spawnSync('npx', ['tsx', 'infra/app.ts'], {
    env: {
      ...process.env,
      CDK_OUTDIR: outdir,
      CDK_CONTEXT_JSON: JSON.stringify({ ...cdkContext, ...opts.context }),
      CLOSELOOP_CONFIG: '',
      ...opts.env,
    },
    encoding: 'utf8',
    timeout: 120_000,
  });
}

function configWithUnknownTeam(): string {
  const bad = structuredClone(example);
  bad.routing.rules[0].teamId = 'nope';
  const path = join(work, 'bad.config.json');
  writeFileSync(path, JSON.stringify(bad, null, 2));
  return path;
}

describe('synth with a bad config', () => {
  it('fails naming routing.rules[0].teamId when CLOSELOOP_CONFIG names a rule with an unknown team', () => {
    const path = configWithUnknownTeam();
    const run = runApp({ env: { CLOSELOOP_CONFIG: path } });
    expect(run.error).toBeUndefined();
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain(`Invalid config ${path}:`);
    expect(run.stderr).toContain('routing.rules[0].teamId');
    expect(run.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
  });

  it('takes -c config=PATH over CLOSELOOP_CONFIG', () => {
    const path = configWithUnknownTeam();
    const run = runApp({
      env: { CLOSELOOP_CONFIG: 'closeloop.config.example.json' },
      context: { config: path },
    });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('routing.rules[0].teamId');
  });

  it('rejects an unknown stage', () => {
    const run = runApp({ context: { stage: 'qa' } });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('stage="qa"');
  });
});

describe('synth with the example config', () => {
  it('synthesizes the three stacks of the stage with cdk-nag passing', { timeout: 120_000 }, () => {
    const outdir = mkdtempSync(join(work, 'ok-'));
    const run = spawnSync('npx', ['tsx', 'infra/app.ts'], {
      env: {
        ...process.env,
        CDK_OUTDIR: outdir,
        CDK_CONTEXT_JSON: JSON.stringify({
          ...cdkContext,
          stage: 'prod',
          config: 'closeloop.config.example.json',
        }),
      },
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(run.status, run.stderr).toBe(0);
    const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8'));
    const stacks = Object.entries(manifest.artifacts as Record<string, { type: string }>)
      .filter(([, a]) => a.type === 'aws:cloudformation:stack')
      .map(([name]) => name)
      .sort();
    expect(stacks).toEqual(['Closeloop-prod-Edge', 'Closeloop-prod-Stateful', 'Closeloop-prod-Stateless']);
    const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8'));
    const nag = report.pluginReports.find((p: { pluginName: string }) => p.pluginName === 'AwsSolutions');
    expect(nag.violations).toEqual([]);
    const stateful = JSON.parse(readFileSync(join(outdir, 'Closeloop-prod-Stateful.template.json'), 'utf8'));
    const table = Object.values(
      stateful.Resources as Record<string, { Type: string; Properties: { Tags: unknown } }>,
    ).find((r) => r.Type === 'AWS::DynamoDB::Table');
    expect(table?.Properties.Tags).toEqual(
      expect.arrayContaining([
        { Key: 'app', Value: 'closeloop' },
        { Key: 'closeloop:stage', Value: 'prod' },
      ]),
    );
  });
});
