/**
 * Normalized template snapshots of the dev stacks: an unintended change to the infrastructure
 * (a lost alarm, a wider grant, a renamed resource that CloudFormation would replace) shows up as
 * a diff of tests/infra/__snapshots__/*.template.json. Asset hashes (bundle contents, which move
 * with every code or dependency change) are replaced by a placeholder, so only the template's
 * shape is compared. After an intended change: `npx vitest run tests/infra/snapshot.test.ts -u`
 * and review the diff.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeloopStacks } from '../../infra/stacks.ts';
import { loadConfigFile } from '../../shared/config/load.ts';

const cdkContext = JSON.parse(readFileSync('cdk.json', 'utf8')).context as Record<string, unknown>;
const config = loadConfigFile('closeloop.config.example.json');

/** Replaces what differs between runs and machines but says nothing about the infrastructure. */
function normalizeTemplate(template: unknown): unknown {
  const text = JSON.stringify(template, null, 2)
    // Asset hashes: S3 keys `<sha256>.zip`, asset paths `asset.<sha256>`, bundle hashes.
    .replace(/[0-9a-f]{64}/g, '<asset-hash>')
    // Absolute paths of a temporary output directory or of this checkout, if any slipped in.
    .replaceAll(process.cwd(), '<repo>')
    .replace(/\/(?:tmp|var\/folders)\/[^"]*closeloop-cdk-[^"/]*/g, '<outdir>');
  return JSON.parse(text);
}

let outdir: string;
let templates: Record<'edge' | 'stateful' | 'stateless', unknown>;
beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), 'closeloop-cdk-snapshot-'));
  const app = new App({ outdir, context: cdkContext });
  const { edge, stateful, stateless } = closeloopStacks(app, { stage: 'dev', config });
  templates = {
    edge: normalizeTemplate(Template.fromStack(edge).toJSON()),
    stateful: normalizeTemplate(Template.fromStack(stateful).toJSON()),
    stateless: normalizeTemplate(Template.fromStack(stateless).toJSON()),
  };
});
afterAll(() => {
  if (outdir) rmSync(outdir, { recursive: true, force: true });
});

describe('normalized template snapshots (dev, example config)', () => {
  it('has no absolute path, temporary directory or asset hash left', () => {
    const text = JSON.stringify(templates);
    expect(text).not.toMatch(/[0-9a-f]{64}/);
    expect(text).not.toContain(process.cwd());
    expect(text).not.toContain(tmpdir());
  });

  it('matches the committed edge template', async () => {
    await expect(`${JSON.stringify(templates.edge, null, 2)}\n`).toMatchFileSnapshot(
      './__snapshots__/Closeloop-dev-Edge.template.json',
    );
  });

  it('matches the committed stateful template', async () => {
    await expect(`${JSON.stringify(templates.stateful, null, 2)}\n`).toMatchFileSnapshot(
      './__snapshots__/Closeloop-dev-Stateful.template.json',
    );
  });

  it('matches the committed stateless template', async () => {
    await expect(`${JSON.stringify(templates.stateless, null, 2)}\n`).toMatchFileSnapshot(
      './__snapshots__/Closeloop-dev-Stateless.template.json',
    );
  });
});
