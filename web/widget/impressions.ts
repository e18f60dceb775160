/**
 * Prompts shown, counted per touchpoint and sent in batches (`POST /v1/impressions`), so the
 * widget's prompt engagement (shown → answered) is a figure. Counted only: a lost batch loses a
 * count, never an answer, so it is sent once, without retries, `keepalive` when the page goes.
 */
export class ImpressionBatch {
  readonly #counts = new Map<string, number>();
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly siteId: string,
    private readonly send: (body: string) => void,
    private readonly delayMs = 5_000,
  ) {}

  add(touchpoint: string): void {
    this.#counts.set(touchpoint, (this.#counts.get(touchpoint) ?? 0) + 1);
    this.#timer ??= setTimeout(() => this.flush(), this.delayMs);
  }

  flush(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#counts.size === 0) return;
    const impressions = [...this.#counts].map(([touchpoint, count]) => ({ touchpoint, count }));
    this.#counts.clear();
    this.send(JSON.stringify({ siteId: this.siteId, impressions }));
  }
}
