/**
 * The one size switch of `npm run test:reliability`. `CLOSELOOP_RELIABILITY=bounded` is the short
 * run (CI, ≤ 4 minutes on 2 cores); anything else is the full run (≤ 10 minutes), the only one
 * that writes its figures to bench/results.json.
 */
export type ReliabilityMode = 'full' | 'bounded';

export const mode: ReliabilityMode = process.env.CLOSELOOP_RELIABILITY === 'bounded' ? 'bounded' : 'full';

export interface Sizes {
  /** Feedback posted in each fault scenario. */
  feedbackPerScenario: number;
  /** Critical cases whose SLA steps the sweep scenarios fire. */
  sweepCases: number;
  /** Generated bad requests per route. */
  fuzzPerRoute: number;
  /** Requests in flight at once while fuzzing. */
  fuzzConcurrency: number;
  /** Seconds of load against each server (the stack, then the floor). */
  loadSeconds: number;
  loadConnections: number;
}

const bySize: Record<ReliabilityMode, Sizes> = {
  full: {
    feedbackPerScenario: 100,
    sweepCases: 50,
    fuzzPerRoute: 10_000,
    fuzzConcurrency: 48,
    loadSeconds: 15,
    loadConnections: 32,
  },
  bounded: {
    feedbackPerScenario: 20,
    sweepCases: 20,
    fuzzPerRoute: 1_000,
    fuzzConcurrency: 48,
    loadSeconds: 5,
    loadConnections: 32,
  },
};

export const sizes: Sizes = bySize[mode];
