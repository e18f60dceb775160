/** Runs at most `size` tasks at once; `start` waits for a free slot (back pressure), not for the task. */
export class Pool {
  #running = 0;
  #waiting: (() => void)[] = [];
  #idle: (() => void)[] = [];

  constructor(private readonly size: number) {}

  async start(task: () => Promise<void>): Promise<void> {
    while (this.#running >= this.size) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    this.#running += 1;
    void task().finally(() => {
      this.#running -= 1;
      this.#waiting.shift()?.();
      if (this.#running === 0) for (const resolve of this.#idle.splice(0)) resolve();
    });
  }

  async drain(): Promise<void> {
    if (this.#running === 0) return;
    await new Promise<void>((resolve) => this.#idle.push(resolve));
  }
}

export interface DueRun {
  due: number;
  deferred: number;
  errors: number;
}

/**
 * The sweeps' fan-out: every id the shards' pages name, once (an id can sit in two pages while
 * it moves), `each` at most `concurrency` at a time, nothing new once `shouldStop` says so (those
 * stay due for the next run), a failure counted and handed to `failed` without stopping the rest.
 */
export async function forEachDue(
  shards: readonly string[],
  pagesOf: (shard: string, onIds: (ids: readonly string[]) => Promise<void>) => Promise<void>,
  each: (id: string) => Promise<void>,
  run: DueRun,
  opts: { concurrency: number; shouldStop?: () => boolean; failed: (id: string, error: unknown) => void },
): Promise<void> {
  const seen = new Set<string>();
  const pool = new Pool(opts.concurrency);
  await Promise.all(
    shards.map((shard) =>
      pagesOf(shard, async (ids) => {
        for (const id of ids) {
          if (seen.has(id)) continue;
          seen.add(id);
          run.due += 1;
          if (opts.shouldStop?.()) {
            run.deferred += 1;
            continue;
          }
          await pool.start(async () => {
            try {
              await each(id);
            } catch (error) {
              run.errors += 1;
              opts.failed(id, error);
            }
          });
        }
      }),
    ),
  );
  await pool.drain();
}
