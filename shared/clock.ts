/** The one way to read time; tests and the local stack move it. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date(Date.now()) };

/** A clock that starts at real time (or `start`) and only moves when told. */
export class VirtualClock implements Clock {
  #offsetMs = 0;
  readonly #frozenAt: number | undefined;

  constructor(start?: Date) {
    this.#frozenAt = start?.getTime();
  }

  now(): Date {
    return new Date((this.#frozenAt ?? Date.now()) + this.#offsetMs);
  }

  advance(ms: number): void {
    this.#offsetMs += ms;
  }
}
