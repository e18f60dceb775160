/**
 * Stands in for the EventBridge bus locally (no emulator exists on npm): keeps what was
 * published, in order, and hands each event to the subscribers whose `detailType` matches.
 */
export class LocalBus {
  readonly events: { at: string; detailType: string; detail: Record<string, unknown> }[] = [];
  readonly #subscribers: {
    detailType: string;
    handle: (detail: Record<string, unknown>) => Promise<void>;
  }[] = [];

  constructor(private readonly now: () => Date) {}

  subscribe(detailType: string, handle: (detail: Record<string, unknown>) => Promise<void>): void {
    this.#subscribers.push({ detailType, handle });
  }

  async publish(event: Record<string, unknown>): Promise<void> {
    const detailType = String(event.type);
    this.events.push({ at: this.now().toISOString(), detailType, detail: event });
    for (const s of this.#subscribers) if (s.detailType === detailType) await s.handle(event);
  }
}
