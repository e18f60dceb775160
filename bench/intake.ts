import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { SlidingWindowLimiter } from '../infra/local/sliding-window.ts';
import { type LocalStack, startLocalStack } from '../infra/local/stack.ts';
import { loadConfigFile } from '../shared/config/load.ts';
import { logger } from '../shared/observability.ts';

/**
 * What the local intake limit (the stand-in for WAF's rate-based rules) costs on
 * `POST /v1/feedback`: the same load against two local stacks, one with the limits on and one
 * with `intakeLimits: false` (as `CLOSELOOP_INTAKE_LIMITS=off`), in alternating rounds so drift
 * of the machine hits both alike; medians compared. All the load comes from one address, so the
 * limits-on stack gets a per-client limit no run reaches: every request goes through the
 * limiter's bookkeeping (an ever longer log for that one client), none is refused.
 */
const run = promisify(execFile);
const client = fileURLToPath(new URL('../tests/reliability/load-client.ts', import.meta.url));
const unreachable = 1_000_000_000;

const body = JSON.stringify({
  siteId: 'shop-jp',
  touchpoint: 'post_purchase',
  channel: 'web',
  rating: { type: 'nps', score: 9 },
  comment: '配送が早くて助かりました。また利用します。',
  reasons: ['fast_delivery'],
});

interface LoadResult {
  reqPerSec: number;
  p99Ms: number;
  status2xx: number;
  non2xx: number;
  errors: number;
}

async function load(stack: LocalStack, seconds: number, connections: number): Promise<LoadResult> {
  const site = stack.sites.find((s) => s.siteId === 'shop-jp')!;
  const options = JSON.stringify({
    url: `${stack.url}/v1/feedback`,
    seconds,
    connections,
    headers: {
      'content-type': 'application/json',
      'x-site-key': site.siteKey,
      origin: new URL(stack.url).origin,
    },
    body,
  });
  const { stdout } = await run(process.execPath, ['--import', 'tsx', client, options], {
    maxBuffer: 1 << 20,
    timeout: (seconds + 60) * 1000,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as LoadResult;
}

/** The limiter alone: nanoseconds per `take` for one client whose log holds a minute of requests. */
function limiterNanoseconds(requestsPerSecond: number): number {
  const limiter = new SlidingWindowLimiter({ limit: unreachable, windowMs: 60_000 });
  const stepMs = 1000 / requestsPerSecond;
  const n = 2_000_000;
  const warmUp = n / 4; // JIT, and the log filled with a minute of requests
  for (let i = 0; i < warmUp; i++) limiter.take('127.0.0.1', i * stepMs);
  const started = process.hrtime.bigint();
  for (let i = warmUp; i < warmUp + n; i++) limiter.take('127.0.0.1', i * stepMs);
  return Math.round(Number(process.hrtime.bigint() - started) / n);
}

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

export async function intakeBench(opts: { rounds?: number; seconds?: number; connections?: number } = {}) {
  const rounds = opts.rounds ?? Number(process.env.INTAKE_BENCH_ROUNDS ?? 6);
  const seconds = opts.seconds ?? Number(process.env.INTAKE_BENCH_SECONDS ?? 5);
  const connections = opts.connections ?? 32;
  const example = loadConfigFile('closeloop.config.example.json');
  const config = {
    ...example,
    intake: {
      ...example.intake,
      limits: { perClientPerMinute: unreachable, serverPerSitePerMinute: unreachable },
    },
  };
  const common = { config, port: 0, memory: true, throttle: false, pumps: false, schedule: false };
  // As the load test runs (POWERTOOLS_LOG_LEVEL=SILENT): a log line per request is not what is measured.
  const logLevel = logger.getLevelName();
  logger.setLogLevel('SILENT');
  const on = await startLocalStack({ ...common, intakeLimits: true });
  const off = await startLocalStack({ ...common, intakeLimits: false });
  try {
    const results = { on: [] as LoadResult[], off: [] as LoadResult[] };
    // JIT (Node's and DynamoDB Local's JVM), connections and the first writes, on both.
    await load(on, 5, connections);
    await load(off, 5, connections);
    for (let r = 0; r < rounds; r++) {
      // Alternating which goes first, so neither always runs on the warmer machine.
      const order = r % 2 === 0 ? (['on', 'off'] as const) : (['off', 'on'] as const);
      for (const which of order)
        results[which].push(await load(which === 'on' ? on : off, seconds, connections));
    }
    const figure = (rs: LoadResult[]) => ({
      rps: Math.round(median(rs.map((r) => r.reqPerSec))),
      p99Ms: median(rs.map((r) => r.p99Ms)),
      perRoundRps: rs.map((r) => Math.round(r.reqPerSec)),
      non2xx: rs.reduce((n, r) => n + r.non2xx, 0),
      errors: rs.reduce((n, r) => n + r.errors, 0),
    });
    const limitsOn = figure(results.on);
    const limitsOff = figure(results.off);
    if (limitsOn.non2xx + limitsOn.errors + limitsOff.non2xx + limitsOff.errors > 0) {
      throw new Error(`intake bench: non-2xx or errors (${JSON.stringify({ limitsOn, limitsOff })})`);
    }
    return {
      rounds,
      secondsPerRound: seconds,
      connections,
      perClientPerMinute: unreachable,
      limitsOn,
      limitsOff,
      /** The fraction of throughput the limiter costs (target < 0.10); noise can make it negative. */
      limiterOverhead: Math.round((1 - limitsOn.rps / limitsOff.rps) * 1000) / 1000,
      limiterNsPerRequest: limiterNanoseconds(limitsOn.rps),
    };
  } finally {
    logger.setLogLevel(logLevel);
    await on.stop();
    await off.stop();
  }
}
