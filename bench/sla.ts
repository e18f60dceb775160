/**
 * SLA sweep benchmark against DynamoDB Local (in memory, started here):
 * 1. `stored` cases (default 100,000), of which `due` (50) are due now, the rest due later or
 *    without a timer: one sweep must read only the due items from the timers index, one page per
 *    shard (asserted on the Count / ScannedCount the queries return).
 * 2. `burst` cases (10,000) due at once: one sweep processes all of them; the time is recorded.
 * Written under `sla` in bench/results.json by bench/run.ts. Sizes can be lowered through
 * SLA_BENCH_STORED / SLA_BENCH_BURST for a quick run.
 */
import { cpus } from 'node:os';
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { sweepDue } from '../core/cases/sla-sweep.ts';
import { dynamoSlaStore, dynamoTimerIndex } from '../shared/adapters/sla-store.ts';
import { loadConfigFile } from '../shared/config/load.ts';
import type { Case, TimelineEvent } from '../shared/domain/case.ts';
import type { SlaStore, TimerIndex } from '../shared/domain/sla-ports.ts';
import { toCaseItem, toEventItem } from '../shared/repository/case-item.ts';
import { timerFieldsFor, timerShardOf } from '../shared/repository/case-timer.ts';
import { aCase as caseFixture } from '../tests/support/case-fixture.ts';
import { withDynamo } from './dynamo-local.ts';

const config = loadConfigFile('closeloop.config.example.json');
/** Tuesday 2026-11-24 11:00 JST: a case opened at 09:30 JST has its pre-breach warning due now. */
const now = new Date('2026-11-24T02:00:00.000Z');
const openedAt = '2026-11-24T00:30:00.000Z';
const round = (x: number) => Math.round(x * 100) / 100;

function aCase(caseId: string): Case {
  return caseFixture({
    caseId,
    routedBy: 'bench',
    acknowledgeBy: '2026-11-24T02:30:00.000Z',
    resolveBy: '2026-11-25T07:30:00.000Z',
    createdAt: openedAt,
    contactConsent: false,
  });
}

const opened = (): TimelineEvent => ({
  at: openedAt,
  type: 'opened',
  actor: 'bench',
  via: 'bench',
  data: { receivedAt: openedAt },
});

/** Items of a due case: the case with its real timer (ack:warn, due now) and its opened event. */
function dueItems(caseId: string): Record<string, unknown>[] {
  const c = aCase(caseId);
  const timer = timerFieldsFor(c, [opened()], config);
  if (timer === undefined || timer.dueAt > now.toISOString()) throw new Error('bench case is not due');
  return [{ ...toCaseItem(c), ...timer }, { ...toEventItem(caseId, opened(), 0) }];
}

/** A case due later (i % 2 === 0, up to ~40 days ahead) or without a timer (closed). */
function laterItem(caseId: string, i: number): Record<string, unknown> {
  const c = aCase(caseId);
  if (i % 2 === 1) return { ...toCaseItem({ ...c, status: 'closed' }) };
  const dueAt = new Date(now.getTime() + 60_000 * (1 + (i % 57_600))).toISOString();
  return { ...toCaseItem(c), timerShard: timerShardOf(caseId), dueAt, dueStep: 'ack:warn' };
}

/** BatchWriteItem in chunks of 25, `parallel` requests in flight, unprocessed items retried. */
async function writeAll(
  db: DynamoDBDocumentClient,
  tableName: string,
  items: Record<string, unknown>[],
  parallel = 16,
) {
  const chunks: Record<string, unknown>[][] = [];
  for (let i = 0; i < items.length; i += 25) chunks.push(items.slice(i, i + 25));
  let next = 0;
  const worker = async () => {
    while (next < chunks.length) {
      let batch = (chunks[next++] ?? []).map((Item) => ({ PutRequest: { Item } }));
      while (batch.length > 0) {
        const out = await db.send(new BatchWriteCommand({ RequestItems: { [tableName]: batch } }));
        batch = (out.UnprocessedItems?.[tableName] ?? []) as typeof batch;
      }
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}

/** Counts what the sweep reads: index pages and items, case partitions and their items. */
function counting(timers: TimerIndex, store: SlaStore) {
  const stats = { indexPages: 0, indexCount: 0, indexScannedCount: 0, casesLoaded: 0, caseItemsRead: 0 };
  const countedTimers: TimerIndex = {
    due: (shard, dueBy, onPage) =>
      timers.due(shard, dueBy, async (page) => {
        stats.indexPages += 1;
        stats.indexCount += page.count;
        stats.indexScannedCount += page.scannedCount;
        await onPage(page);
      }),
  };
  const countedStore: SlaStore = {
    ...store,
    async load(caseId) {
      const s = await store.load(caseId);
      stats.casesLoaded += 1;
      if (s) stats.caseItemsRead += 1 + s.timeline.length;
      return s;
    },
  };
  return { stats, timers: countedTimers, store: countedStore };
}

function check(condition: boolean, message: string) {
  if (!condition) throw new Error(`sla bench: ${message}`);
}

/** 1. `due` cases due now among `stored`: the sweep reads the due ones and one index page per shard. */
async function fewDueAmongMany(stored: number, due: number, log: (line: string) => void) {
  return withDynamo('bench-few', async (db) => {
    const items: Record<string, unknown>[] = [];
    for (let i = 0; i < due; i++) items.push(...dueItems(`case_due${i}`));
    for (let i = 0; i < stored - due; i++) items.push(laterItem(`case_later${i}`, i));
    log(`sla bench: writing ${stored} cases (${items.length} items) …`);
    let started = performance.now();
    await writeAll(db, 'bench-few', items);
    const writeSeconds = (performance.now() - started) / 1000;

    const few = counting(dynamoTimerIndex(db, 'bench-few'), dynamoSlaStore(db, 'bench-few'));
    started = performance.now();
    const result = await sweepDue(now, { timers: few.timers, store: few.store, config });
    const sweepMs = performance.now() - started;
    log(
      `sla bench: written in ${round(writeSeconds)} s; one sweep fired ${result.fired.length} in ${Math.round(sweepMs)} ms`,
    );
    check(result.errors === 0, `${result.errors} errors`);
    check(result.fired.length === due, `fired ${result.fired.length} of ${due}`);
    check(
      few.stats.indexCount === due && few.stats.indexScannedCount === due,
      'the index read more than the due items',
    );
    check(
      few.stats.indexPages === 16,
      `read ${few.stats.indexPages} index pages, expected one per shard (16)`,
    );
    return {
      storedCases: stored,
      dueCases: due,
      writeSeconds: round(writeSeconds),
      writeItemsPerSecond: Math.round(items.length / writeSeconds),
      indexQueries: few.stats.indexPages,
      /** What the 16 index queries returned: Count and ScannedCount summed. */
      indexCount: few.stats.indexCount,
      indexScannedCount: few.stats.indexScannedCount,
      /** Case + timeline items read for the due cases (one Query each). */
      caseItemsRead: few.stats.caseItemsRead,
      stepsFired: result.fired.length,
      sweepMs: Math.round(sweepMs),
    };
  });
}

/** 2. `burst` cases due at once: one sweep fires every one of them. */
async function manyDueAtOnce(burst: number, log: (line: string) => void) {
  return withDynamo('bench-burst', async (db) => {
    const items: Record<string, unknown>[] = [];
    for (let i = 0; i < burst; i++) items.push(...dueItems(`case_burst${i}`));
    let started = performance.now();
    await writeAll(db, 'bench-burst', items);
    const writeSeconds = (performance.now() - started) / 1000;
    log(`sla bench: ${burst} due cases written in ${round(writeSeconds)} s; sweeping …`);
    const many = counting(dynamoTimerIndex(db, 'bench-burst'), dynamoSlaStore(db, 'bench-burst'));
    started = performance.now();
    const result = await sweepDue(now, { timers: many.timers, store: many.store, config });
    const sweepMs = performance.now() - started;
    check(result.errors === 0, `${result.errors} errors in the burst`);
    check(result.fired.length === burst, `burst fired ${result.fired.length} of ${burst}`);
    // The next sweep finds nothing left to do.
    started = performance.now();
    const again = await sweepDue(now, {
      timers: dynamoTimerIndex(db, 'bench-burst'),
      store: dynamoSlaStore(db, 'bench-burst'),
      config,
    });
    const nextMs = performance.now() - started;
    check(again.fired.length === 0 && again.due === 0, 'the next sweep found work left');
    log(`sla bench: swept ${burst} in ${round(sweepMs / 1000)} s`);
    return {
      dueCases: burst,
      writeSeconds: round(writeSeconds),
      indexQueries: many.stats.indexPages,
      indexCount: many.stats.indexCount,
      stepsFired: result.fired.length,
      sweepSeconds: round(sweepMs / 1000),
      casesPerSecond: Math.round(burst / (sweepMs / 1000)),
      /** The next sweep over the same table: nothing due, 16 empty index queries. */
      nextSweepMs: Math.round(nextMs),
    };
  });
}

export async function slaBench(
  opts: { stored?: number; due?: number; burst?: number; log?: (line: string) => void } = {},
) {
  const stored = opts.stored ?? Number(process.env.SLA_BENCH_STORED ?? 100_000);
  const due = opts.due ?? 50;
  const burst = opts.burst ?? Number(process.env.SLA_BENCH_BURST ?? 10_000);
  const log = opts.log ?? ((line: string) => console.error(line));
  return {
    note:
      'DynamoDB Local (Java, in memory; a fresh one per part) on this machine, client and emulator ' +
      'sharing its cores. Each due case = 1 Query (case + timeline) + 1 TransactWriteItems (case, ' +
      'event, outbox), 48 cases in flight; the emulator runs them one after another.',
    cpus: cpus().length,
    fewDueAmongMany: await fewDueAmongMany(stored, due, log),
    manyDueAtOnce: await manyDueAtOnce(burst, log),
  };
}

// `npx tsx bench/sla.ts` runs it alone and prints the numbers.
if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await slaBench(), null, 2));
}
