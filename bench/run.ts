import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import type { SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { build } from 'esbuild';
import { makeIngestHandler } from '../functions/ingest/handler.ts';
import { surveyForm } from '../functions/survey/page.ts';
import { makeTriageHandler } from '../functions/triage/handler.ts';
import { lambdaEsbuildOptions } from '../infra/bundling.ts';
import { configBanner } from '../infra/function.ts';
import { dynamoFeedbackStore } from '../shared/adapters/feedback-store.ts';
import {
  dynamoAssignmentReader,
  dynamoFeedbackReader,
  dynamoTriageStore,
} from '../shared/adapters/triage-store.ts';
import { systemClock } from '../shared/clock.ts';
import { loadConfigFile } from '../shared/config/load.ts';
import type { Feedback } from '../shared/domain/feedback.ts';
import { toItem as feedbackToItem } from '../shared/repository/feedback-item.ts';
import { httpEvent } from '../tests/support/http-events.ts';
import { buildWebAssets } from '../web/build.ts';
import { broadcastBench } from './broadcast.ts';
import { costBench } from './cost.ts';
import { intakeBench } from './intake.ts';
import { invitationBench } from './invitations.ts';
import { scaleBench, sqsRecord } from './scale.ts';
import { slaBench } from './sla.ts';
import { trendsBench } from './trends.ts';

const resultsFile = 'bench/results.json';
const execFileAsync = promisify(execFile);

async function ingestThroughput(durationMs = 3000) {
  mockClient(DynamoDBDocumentClient).on(PutCommand).resolves({});
  const siteKey = 'bench-key';
  let n = 0;
  const handler = makeIngestHandler({
    sites: [
      {
        id: 'shop-jp',
        origins: ['https://shop.example.jp'],
        siteKeyHash: createHash('sha256').update(siteKey).digest('hex'),
      },
    ],
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
      headers: {
        'content-type': 'application/json',
        'x-site-key': siteKey,
        origin: 'https://shop.example.jp',
        'idempotency-key': `k-${i}`,
      },
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

/**
 * Triage handler throughput: SQS batches of 10 `feedback.received` messages through the real
 * handler, use case and DynamoDB adapters, with the DynamoDB client mocked (so this measures our
 * CPU per message: parsing, classification, calendar math, building the transaction).
 */
async function triageThroughput(durationMs = 3000) {
  const config = loadConfigFile('closeloop.config.example.json');
  const touchpoints = ['checkout_abandonment', 'delivery', 'product_use', 'support_chat', 'post_purchase'];
  const comments = [
    '支払い方法が選べませんでした',
    '荷物が届かない',
    'ｻｲｽﾞ表記が分かりにくい',
    'The search is broken',
    '',
  ];
  const feedbackItem = (i: number) => {
    const fb: Feedback = {
      feedbackId: `fb_${i}`,
      receivedAt: new Date(Date.UTC(2026, 10, 16) + (i % 5000) * 97_000).toISOString(),
      bodyHash: 'h',
      siteId: 'shop-jp',
      touchpoint: touchpoints[i % touchpoints.length]!,
      channel: 'web',
      rating: { type: 'nps', score: i % 11 },
      ...(comments[i % comments.length] ? { comment: comments[i % comments.length] } : {}),
      reasons: i % 3 === 0 ? ['payment_method_unavailable'] : ['other'],
      customer: { email: 'a@example.jp', locale: 'ja', contactConsent: i % 2 === 0 },
    };
    return feedbackToItem(fb, 730);
  };
  const ddb = mockClient(DynamoDBDocumentClient);
  ddb.on(GetCommand).callsFake((input) => ({ Item: feedbackItem(Number(String(input.Key.pk).slice(12))) }));
  ddb.on(QueryCommand).resolves({ Items: [] });
  let transactions = 0;
  ddb.on(TransactWriteCommand).callsFake(() => {
    transactions++;
    return {};
  });
  const db = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'ap-northeast-1' }));
  const handler = makeTriageHandler({
    feedback: dynamoFeedbackReader(db, 't'),
    assignments: dynamoAssignmentReader(db, 't'),
    store: dynamoTriageStore(db, 't', 730),
    clock: systemClock,
    config,
  });
  const record = (i: number): SQSRecord =>
    sqsRecord(i, { type: 'feedback.received', version: 1, feedbackId: `fb_${i}` });
  let n = 0;
  const batchOf10 = () => ({ Records: Array.from({ length: 10 }, () => record(n++)) });
  for (let i = 0; i < 300; i++) await handler(batchOf10()); // warm-up
  n = 0;
  transactions = 0;
  let batches = 0;
  const started = performance.now();
  while (performance.now() - started < durationMs) {
    const result = await handler(batchOf10());
    if (result.batchItemFailures.length > 0) throw new Error('unexpected triage failure');
    batches++;
  }
  const seconds = (performance.now() - started) / 1000;
  ddb.restore();
  return {
    messages: n,
    batches,
    batchSize: 10,
    transactions,
    seconds: round(seconds),
    messagesPerSecond: Math.round(n / seconds),
  };
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
const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** The variables a function's index.ts demands at cold start (`requireEnv([...])`), with dummy values. */
function requiredEnv(name: string): Record<string, string> {
  const source = readFileSync(join('functions', name, 'index.ts'), 'utf8');
  const names = [...source.matchAll(/requireEnv\(\[([^\]]*)\]/g)].flatMap((m) =>
    [...m[1]!.matchAll(/'([A-Z0-9_]+)'/g)].map((n) => n[1]!),
  );
  const dummy = (v: string) =>
    v.endsWith('_ARN')
      ? 'arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:bench'
      : v.endsWith('_URL')
        ? 'https://bench.invalid/x'
        : 'bench';
  return Object.fromEntries(names.map((v) => [v, dummy(v)]));
}

/**
 * What the stack alone costs at import, with nothing of Closeloop's: the floor under every
 * bundle's ratio (`importFloors` in the results).
 */
const dynamodbClient =
  "import { DynamoDBClient } from '@aws-sdk/client-dynamodb'; import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';" +
  ' export const db = DynamoDBDocumentClient.from(new DynamoDBClient({}));';
const powertools =
  "import { Logger } from '@aws-lambda-powertools/logger'; import { Metrics } from '@aws-lambda-powertools/metrics'; import middy from '@middy/core';" +
  " export const logger = new Logger(); export const metrics = new Metrics({ namespace: 'x' }); export const entry = middy;";
const importFloors: Record<string, string> = {
  dynamodbClient: `${dynamodbClient} export const handler = async () => db;`,
  powertools: `${powertools} export const handler = entry(async () => [logger, metrics]);`,
  dynamodbClientAndPowertools: `${dynamodbClient} ${powertools} export const handler = entry(async () => [db, logger, metrics]);`,
};

/**
 * Cold-start cost of each bundle: a fresh `node` process that imports it, against one that
 * imports an empty handler built with the same options and banner (config included), side by
 * side: N rounds, each round runs every bundle once in the same order, medians compared.
 * `importMs` is the process's wall time (start-up + import + exit, what a cold start adds up to
 * before the handler runs); `moduleLoadMs` is the import alone, timed inside the process.
 */
// No function makes an AWS call at import (the link secret is read on first use): a bundle that did
// would fail here, with no endpoint to answer it.
async function importTimes(names: string[], rounds = 25) {
  const config = loadConfigFile('closeloop.config.example.json');
  const outdir = 'bench/tmp';
  const reference = async (name: string, contents: string) => {
    const outfile = join(outdir, `${name}.mjs`);
    await build({
      ...lambdaEsbuildOptions,
      stdin: { contents, loader: 'js', resolveDir: '.' },
      outfile,
      logLevel: 'error',
      banner: { js: `${lambdaEsbuildOptions.banner.js}${configBanner(config)}` },
    });
    return { name, file: outfile, env: {} as Record<string, string> };
  };
  const targets = [
    await reference('_empty', 'export const handler = async () => ({});'),
    ...(await Promise.all(Object.entries(importFloors).map(([name, contents]) => reference(name, contents)))),
    ...names.map((name) => ({ name, file: join(outdir, `${name}.mjs`), env: requiredEnv(name) })),
  ];
  const wall: Record<string, number[]> = Object.fromEntries(targets.map((t) => [t.name, []]));
  const load: Record<string, number[]> = Object.fromEntries(targets.map((t) => [t.name, []]));
  for (let r = 0; r < rounds; r++) {
    for (const t of targets) {
      const url = pathToFileURL(resolve(t.file)).href;
      const script = `const t=performance.now();await import(${JSON.stringify(url)});console.log(performance.now()-t)`;
      const started = performance.now();
      const { stdout } = await execFileAsync(process.execPath, ['--input-type=module', '-e', script], {
        env: {
          PATH: process.env.PATH ?? '',
          AWS_REGION: 'ap-northeast-1',
          AWS_ACCESS_KEY_ID: 'bench',
          AWS_SECRET_ACCESS_KEY: 'bench',
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
          ...t.env,
        },
      });
      wall[t.name]!.push(performance.now() - started);
      load[t.name]!.push(Number(stdout.trim()));
    }
  }
  const emptyImportMs = round(median(wall._empty!));
  const emptyModuleLoadMs = round(median(load._empty!));
  const perBundle = Object.fromEntries(
    [...names, ...Object.keys(importFloors)].map((name) => {
      const importMs = round(median(wall[name]!));
      return [
        name,
        { importMs, moduleLoadMs: round(median(load[name]!)), ratio: round(importMs / emptyImportMs) },
      ];
    }),
  );
  return { rounds, emptyImportMs, emptyModuleLoadMs, perBundle };
}

/** `bundles.<name>`: size, import time and its ratio to the empty handler's (`emptyImportMs`). */
async function bundlesWithImportTimes() {
  const sizes = await bundleSizes();
  const imports = await importTimes(Object.keys(sizes));
  const bundles = Object.fromEntries(
    Object.entries(sizes).map(([name, size]) => [name, { ...size, ...imports.perBundle[name] }]),
  );
  return {
    bundles,
    importFloors: Object.fromEntries(
      Object.keys(importFloors).map((name) => [name, imports.perBundle[name]]),
    ),
    emptyImportMs: imports.emptyImportMs,
    emptyModuleLoadMs: imports.emptyModuleLoadMs,
    importRounds: imports.rounds,
  };
}

/** The web front ends as served: bytes and gzipped bytes of each built file (the widget's budget is 10 KB gzipped). */
function webSizes() {
  const assets = buildWebAssets();
  return Object.fromEntries(
    assets.map((a) => [a.path, { bytes: Buffer.byteLength(a.body), gzipBytes: gzipSync(a.body).length }]),
  );
}

/**
 * `survey`: the survey page as served (it has no script; its CSS is inline), gzipped. The budget is
 * 15 KB: `pageGzipBytes` is the usual NPS form with three reasons and a comment box,
 * `worstCaseGzipBytes` every configured reason with an error and a 4,000-character comment echoed.
 */
function surveyPageSizes() {
  const config = loadConfigFile('closeloop.config.example.json');
  const view = (reasons: string[]) => ({
    kind: 'personal' as const,
    siteId: 'shop-jp',
    touchpoint: 'delivery',
    survey: { type: 'nps' as const, reasons, comment: true },
    locale: 'ja' as const,
  });
  const page = (reasons: string[], extra = {}) =>
    surveyForm({
      view: view(reasons),
      siteName: 'Sakura Market',
      categoryOf: config.categories.reasons,
      ...extra,
    }).body as string;
  const usual = page(['shipping_problem', 'price_too_high', 'other']);
  const worst = page(Object.keys(config.categories.reasons).slice(0, 10), {
    issues: [{ path: 'score', message: 'is required' }],
    values: { comment: 'あ'.repeat(4000) },
  });
  return {
    pageBytes: Buffer.byteLength(usual),
    pageGzipBytes: gzipSync(usual).length,
    worstCaseGzipBytes: gzipSync(worst).length,
    budgetGzipBytes: 15 * 1024,
  };
}

const machine = () => ({
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
});

/**
 * `npm run bench` measures everything; `npm run bench -- bundles` only bundle sizes, import times
 * and web sizes; `npm run bench -- intake` only the intake limit's cost (`intake`); `npm run bench
 * -- invitations` only the invitation burst (`invitations`); `npm run bench -- broadcast` only
 * the broadcast to a resolved problem's subscribers (`broadcast`); `npm run bench -- survey` only the
 * survey page's size (`survey`); `npm run bench -- trends` only the trends reads (`trends`);
 * `npm run bench -- scale cost` only the counted (untimed) figures, `scale` and `cost`, either or
 * both. Each merges into bench/results.json, keeping the other keys.
 */
async function main() {
  const previous = existsSync(resultsFile) ? JSON.parse(readFileSync(resultsFile, 'utf8')) : {};
  if (process.argv.includes('survey')) {
    const survey = surveyPageSizes();
    writeFileSync(resultsFile, `${JSON.stringify({ ...previous, survey }, null, 2)}\n`);
    console.log(JSON.stringify({ survey }, null, 2));
    return;
  }
  if (process.argv.includes('broadcast')) {
    const broadcast = {
      machine: machine(),
      measuredAt: new Date(Date.now()).toISOString(),
      ...(await broadcastBench()),
    };
    writeFileSync(resultsFile, `${JSON.stringify({ ...previous, broadcast }, null, 2)}\n`);
    console.log(JSON.stringify({ broadcast }, null, 2));
    return;
  }
  if (process.argv.includes('trends')) {
    const trends = await trendsBench();
    writeFileSync(resultsFile, `${JSON.stringify({ ...previous, trends }, null, 2)}\n`);
    console.log(JSON.stringify({ trends }, null, 2));
    return;
  }
  const counted = {
    ...(process.argv.includes('scale') ? { scale: await scaleBench() } : {}),
    ...(process.argv.includes('cost') ? { cost: await costBench() } : {}),
  };
  if (Object.keys(counted).length > 0) {
    const results = { ...previous, ...counted, countedAt: new Date(Date.now()).toISOString() };
    writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
    console.log(JSON.stringify(counted, null, 2));
    return;
  }
  const onlyBundles = process.argv.includes('bundles');
  const onlyIntake = process.argv.includes('intake');
  const onlyInvitations = process.argv.includes('invitations');
  const onlyLoop = onlyIntake || onlyInvitations;
  // First: against DynamoDB Local, before the in-process benches mock the DynamoDB client class.
  const loop = onlyBundles
    ? {}
    : onlyLoop
      ? {
          ...(onlyIntake ? { intake: await intakeBench() } : {}),
          ...(onlyInvitations ? { invitations: await invitationBench() } : {}),
        }
      : {
          scale: await scaleBench(),
          cost: await costBench(),
          sla: await slaBench(),
          trends: await trendsBench(),
          invitations: await invitationBench(),
          broadcast: await broadcastBench(),
          intake: await intakeBench(),
          ingest: { inProcessMockedClients: await ingestThroughput() },
          triage: { inProcessMockedClients: await triageThroughput() },
        };
  const results = {
    ...previous,
    machine: machine(),
    measuredAt: new Date(Date.now()).toISOString(),
    ...loop,
    ...(onlyLoop ? {} : await bundlesWithImportTimes()),
    ...(onlyLoop ? {} : { web: webSizes(), survey: surveyPageSizes() }),
  };
  writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
  console.log(JSON.stringify(results, null, 2));
}

await main();
