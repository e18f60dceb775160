import type { Context } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';

/**
 * The loop's metrics leave a Lambda as one EMF line at the end of each invocation
 * (docs/operations.md#logs-metrics-and-traces). Metrics are on here: the suites' env turns them
 * off, and the module reads that on first use, so it is imported fresh per test.
 */
const context = { functionName: 'fn', awsRequestId: 'req-1' } as Context;

async function freshObservability() {
  vi.resetModules();
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
  return import('../../shared/observability.ts');
}

function emfLines(write: { mock: { calls: unknown[][] } }): Record<string, unknown>[] {
  return write.mock.calls
    .map(([chunk]) => String(chunk))
    .filter((line) => line.includes('"CloudWatchMetrics"'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

describe('lambdaEntry', () => {
  it('flushes what an invocation counted as one EMF line in the Closeloop namespace', async () => {
    const { countLoop, lambdaEntry, loopMetric } = await freshObservability();
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const handler = lambdaEntry(async () => {
      countLoop(loopMetric.casesOpened, 2);
      countLoop(loopMetric.noticesSent);
      return 'done';
    });

    await handler({}, context);

    const [line, ...more] = emfLines(write);
    expect(more).toEqual([]);
    expect(line).toMatchObject({
      _aws: { CloudWatchMetrics: [{ Namespace: 'Closeloop', Dimensions: [['service']] }] },
      service: 'closeloop',
      CasesOpened: 2,
      NoticesSent: 1,
    });
  });

  it('flushes the counts of a failed invocation too', async () => {
    const { countLoop, lambdaEntry, loopMetric } = await freshObservability();
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const handler = lambdaEntry(async () => {
      countLoop(loopMetric.outboxFailed);
      throw new Error('boom');
    });

    await expect(handler({}, context)).rejects.toThrow('boom');

    expect(emfLines(write)).toMatchObject([{ OutboxFailed: 1 }]);
  });

  it('writes no metrics line for an invocation that counted nothing (a zero is not counted)', async () => {
    const { countLoop, lambdaEntry, loopMetric } = await freshObservability();
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const handler = lambdaEntry(async () => countLoop(loopMetric.outboxForwarded, 0));

    await handler({}, context);

    expect(emfLines(write)).toEqual([]);
  });
});
