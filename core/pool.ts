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
