import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTriageHandler } from '../../functions/triage/handler.ts';
import { localQueueArn } from '../../infra/local/peers.ts';
import { QueuePump } from '../../infra/local/queue-pump.ts';
import type { LocalStack } from '../../infra/local/stack.ts';
import {
  dynamoAssignmentReader,
  dynamoFeedbackReader,
  dynamoTriageStore,
} from '../../shared/adapters/triage-store.ts';
import { countItems, eventually, startTestStack } from '../support/local-stack.ts';
import { recordSection, table } from './report.ts';
import { sizes } from './sizes.ts';

/**
 * Load on `POST /v1/feedback` of the local stack against a floor: a bare `node:http` server that
 * does one conditional PutItem of a feedback-sized item per request into the same table of the
 * same DynamoDB Local. autocannon runs in its own process for the same fixed time against each.
 *
 * Pumps are off while measuring, so the 2 cores measure the request path (validation, site
 * check, idempotency, the one conditional PutItem); then they run and every accepted feedback
 * must be triaged once. The ratio local/floor is a figure to report (goal ≥ 0.5), not an
 * assertion: it moves with the machine. Correctness is asserted: no non-2xx, no errors.
 */
const run = promisify(execFile);
const client = fileURLToPath(new URL('./load-client.ts', import.meta.url));

/** A promoter with a comment and no contact request: counted by triage, no case, no email. */
const body = {
  siteId: 'shop-jp',
  touchpoint: 'post_purchase',
  channel: 'web',
  rating: { type: 'nps', score: 9 },
  comment: '配送が早くて助かりました。また利用します。',
  reasons: ['fast_delivery'],
  context: { orderId: 'A-2001', sku: 'SKU-42', pageUrl: 'https://shop.example.jp/thanks' },
};

interface LoadResult {
  requests: number;
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  status2xx: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

async function load(url: string, headers: Record<string, string>, seconds: number): Promise<LoadResult> {
  const options = JSON.stringify({
    url,
    seconds,
    connections: sizes.loadConnections,
    headers,
    body: JSON.stringify(body),
  });
  const { stdout } = await run(process.execPath, ['--import', 'tsx', client, options], {
    maxBuffer: 1 << 20,
    timeout: (seconds + 60) * 1000,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as LoadResult;
}

let stack: LocalStack;
let floor: Server;
let floorUrl: string;
const extraPumps: QueuePump[] = [];

beforeAll(async () => {
  // The handler is measured, not the stand-in for WAF (all the load comes from one address).
  stack = await startTestStack({ pumps: false, schedule: false, throttle: false, intakeLimits: false });
  // One real feedback item is the floor's template, so both servers write the same item size.
  const site = stack.sites.find((s) => s.siteId === 'shop-jp')!;
  const first = await fetch(`${stack.url}/v1/feedback`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-site-key': site.siteKey,
      origin: site.origins[0]!,
      'idempotency-key': 'template',
    },
    body: JSON.stringify(body),
  });
  expect(first.status).toBe(202);
  const { Items = [] } = await stack.db.send(new ScanCommand({ TableName: stack.tableName }));
  const template = Items.find((i) => i.type === 'feedback')!;
  floor = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { comment?: string };
      const id = randomUUID();
      stack.db
        .send(
          new PutCommand({
            TableName: stack.tableName,
            Item: { ...template, pk: `FLOOR#${id}`, type: 'floor', feedbackId: id, comment: parsed.comment },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        )
        .then(
          () => {
            res.writeHead(202, { 'content-type': 'application/json' });
            res.end(JSON.stringify({ feedbackId: id, status: 'received' }));
          },
          () => {
            res.writeHead(503);
            res.end();
          },
        );
    });
  });
  await new Promise<void>((resolve) => floor.listen(0, resolve));
  floorUrl = `http://localhost:${(floor.address() as AddressInfo).port}/v1/feedback`;
});
afterAll(async () => {
  for (const pump of extraPumps) await pump.stop();
  await new Promise((resolve) => floor?.close(resolve));
  await stack?.stop();
});

describe('load on POST /v1/feedback', () => {
  it('accepts every request under load and then triages every accepted feedback once', async () => {
    const site = stack.sites.find((s) => s.siteId === 'shop-jp')!;
    const headers = {
      'content-type': 'application/json',
      'x-site-key': site.siteKey,
      origin: site.origins[0]!,
    };
    const localUrl = `${stack.url}/v1/feedback`;
    const warmUp = await load(localUrl, headers, 1); // JIT, connections; accepted like the rest
    await load(floorUrl, headers, 1);

    const local = await load(localUrl, headers, sizes.loadSeconds);
    const floorResult = await load(floorUrl, headers, sizes.loadSeconds);

    // Then the pumps: the stream pump, the triage pump and three more consumers (Lambda scales out).
    const t0 = performance.now();
    stack.streamPump.start();
    stack.triagePump.start();
    for (let i = 0; i < 3; i++) {
      const pump = new QueuePump(
        stack.sqs,
        stack.queues.triage.url,
        localQueueArn('triage'),
        makeTriageHandler({
          feedback: dynamoFeedbackReader(stack.db, stack.tableName),
          assignments: dynamoAssignmentReader(stack.db, stack.tableName),
          store: dynamoTriageStore(stack.db, stack.tableName, stack.config.service.retentionDays),
          clock: stack.clock,
          config: stack.config,
        }),
        { batchSize: 10 },
      );
      pump.start();
      extraPumps.push(pump);
    }
    const stored = await countItems(stack, 'feedback');
    const triaged = await eventually(
      async () => {
        const n = await countItems(stack, 'triaged');
        expect(n).toBeGreaterThanOrEqual(stored);
        return n;
      },
      300_000,
      2_000,
    );
    const triageSeconds = Math.round((performance.now() - t0) / 100) / 10;
    const cases = await countItems(stack, 'case');
    const depth = (await (await fetch(`${stack.url}/__local/queues/triage`)).json()) as {
      deadLettered: number;
    };

    const figure = (r: LoadResult) => ({
      requests: r.requests,
      reqPerSec: Math.round(r.reqPerSec),
      p50Ms: r.p50Ms,
      p99Ms: r.p99Ms,
      non2xx: r.non2xx,
      errors: r.errors,
    });
    const ratio = Math.round((local.reqPerSec / floorResult.reqPerSec) * 100) / 100;
    const figures = {
      durationSeconds: sizes.loadSeconds,
      connections: sizes.loadConnections,
      local: figure(local),
      floor: figure(floorResult),
      ratio,
      pumpsDuringMeasurement: false,
      afterwards: { stored, triaged, cases, deadLettered: depth.deadLettered, triageSeconds },
    };
    console.log(
      table(
        `Load: ${sizes.loadSeconds} s × ${sizes.loadConnections} connections, ratio local/floor ${ratio}`,
        {
          local: figures.local,
          floor: figures.floor,
        },
      ),
    );
    console.log(`after the load: ${JSON.stringify(figures.afterwards)}`);
    recordSection('load', figures);

    expect(local).toMatchObject({ non2xx: 0, errors: 0, timeouts: 0 });
    expect(floorResult).toMatchObject({ non2xx: 0, errors: 0, timeouts: 0 });
    expect(local.status2xx).toBeGreaterThan(0);
    // Accepted: the template, the warm-up's and the measurement's 2xx. Requests cut off when
    // autocannon stopped may still have been stored: at most one per connection and run.
    const accepted = 1 + warmUp.status2xx + local.status2xx;
    expect(stored).toBeGreaterThanOrEqual(accepted);
    expect(stored - accepted).toBeLessThanOrEqual(2 * sizes.loadConnections);
    expect(triaged).toBe(stored);
    expect(cases).toBe(0);
    expect(depth.deadLettered).toBe(0);
  });
});
