import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { exampleConfig, postFeedback, startTestStack } from '../support/local-stack.ts';

describe('npm start', () => {
  it('refuses a config whose routing rule names an unknown team, naming the field', () => {
    const config = JSON.parse(readFileSync('closeloop.config.example.json', 'utf8'));
    config.routing.rules[0].teamId = 'nope';
    const file = join(mkdtempSync(join(tmpdir(), 'closeloop-start-')), 'bad.json');
    writeFileSync(file, JSON.stringify(config));

    const run = spawnSync('npx', ['tsx', 'infra/local/main.ts'], {
      env: { ...process.env, CLOSELOOP_CONFIG: file, CLOSELOOP_MEMORY: '1', PORT: '0' },
      encoding: 'utf8',
      timeout: 60_000,
    });

    expect(run.status).toBe(1);
    expect(run.stderr).toContain('routing.rules[0].teamId');
  });
});

describe('throttling on the local stack (429)', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    const config = exampleConfig();
    stack = await startTestStack({
      config: { ...config, service: { ...config.service, throttle: { rateLimit: 1, burstLimit: 2 } } },
      throttle: true,
    });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('answers 429 once the burst is spent', async () => {
    const body = {
      siteId: 'shop-jp',
      touchpoint: 'delivery',
      channel: 'app',
      rating: { type: 'csat', score: 5 },
    };

    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await postFeedback(stack, body)).status);

    expect(statuses.slice(0, 2)).toEqual([202, 202]);
    expect(statuses).toContain(429);
  });
});
