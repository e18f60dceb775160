import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { build } from 'esbuild';
import { makeIngestHandler } from '../functions/ingest/handler.ts';
import { lambdaEsbuildOptions } from '../infra/bundling.ts';
import { configBanner } from '../infra/function.ts';
import { dynamoFeedbackStore } from '../shared/adapters/feedback-store.ts';
import { systemClock } from '../shared/clock.ts';
import { loadConfigFile } from '../shared/config/load.ts';
import { httpEvent } from '../tests/support/http-events.ts';

const resultsFile = 'bench/results.json';

async function ingestThroughput(durationMs = 3000) {
  mockClient(DynamoDBDocumentClient).on(PutCommand).resolves({});
  const siteKey = 'bench-key';
  let n = 0;
  const handler = makeIngestHandler({
    sites: [{ id: 'shop-jp', origins: [], siteKeyHash: createHash('sha256').update(siteKey).digest('hex') }],
    feedback: dynamoFeedbackStore(
      DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'ap-northeast-1' })),
      't',
      730,
    ),
    clock: systemClock,
    newId: () => String(n),
  });
  const event = (i: number) =>
    httpEvent({
      headers: { 'content-type': 'application/json', 'x-site-key': siteKey, 'idempotency-key': `k-${i}` },
      body: {
        siteId: 'shop-jp',
        touchpoint: 'checkout_abandonment',
        channel: 'web',
        rating: { type: 'nps', score: i % 11 },
        comment: '支払い方法が選べませんでした。カードが使えない。',
        reasons: ['payment_method_unavailable'],
        customer: { email: 'a@example.jp', locale: 'ja', contactConsent: true },
      },
    });
  for (let i = 0; i < 2000; i++) await handler(event(i)); // warm-up
  const started = performance.now();
  while (performance.now() - started < durationMs) {
    const result = await handler(event(n++));
    if (result.statusCode !== 202) throw new Error(`unexpected ${result.statusCode}`);
  }
  const seconds = (performance.now() - started) / 1000;
  return { requests: n, seconds: round(seconds), requestsPerSecond: Math.round(n / seconds) };
}

async function bundleSizes() {
  const config = loadConfigFile('closeloop.config.example.json');
  const outdir = 'bench/tmp';
  mkdirSync(outdir, { recursive: true });
  const sizes: Record<string, { bytes: number; gzipBytes: number }> = {};
  for (const name of readdirSync('functions')) {
    const entry = join('functions', name, 'index.ts');
    if (!existsSync(entry)) continue;
    const outfile = join(outdir, `${name}.mjs`);
    await build({
      ...lambdaEsbuildOptions,
      entryPoints: [entry],
      outfile,
      logLevel: 'error',
      banner: { js: `${lambdaEsbuildOptions.banner.js}${configBanner(config)}` },
    });
    sizes[name] = { bytes: statSync(outfile).size, gzipBytes: gzipSync(readFileSync(outfile)).length };
  }
  return sizes;
}

const round = (x: number) => Math.round(x * 100) / 100;

async function main() {
  const previous = existsSync(resultsFile) ? JSON.parse(readFileSync(resultsFile, 'utf8')) : {};
  const results = {
    ...previous,
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
    },
    measuredAt: new Date(Date.now()).toISOString(),
    ingest: { inProcessMockedClients: await ingestThroughput() },
    bundles: await bundleSizes(),
  };
  writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
  console.log(JSON.stringify(results, null, 2));
}

await main();
