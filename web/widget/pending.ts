/**
 * Answers not sent yet, kept in localStorage with their Idempotency-Key, so a retry after going
 * offline or after a reload sends the same key and body again (the server answers a replay with
 * the same feedback). Without usable storage (private mode, quota) they live in memory. DOM-free:
 * the store is anything with getItem / setItem.
 */
import type { FeedbackBody } from './payload.ts';
import { maxAgeMs } from './retry.ts';

export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export interface Pending {
  /** The Idempotency-Key, also the entry's identity. */
  key: string;
  /** `POST` target: `{endpoint}/v1/feedback`. */
  url: string;
  siteKey: string;
  body: FeedbackBody;
  createdAt: number;
  attempts: number;
  /** Attempts the server refused as a failed bot check (each one retried with a new token). */
  botFailures?: number;
  /** Not before this time (epoch ms). */
  nextAt: number;
}

export const storageKey = 'closeloop.pending.v1';
/** A page that keeps failing cannot fill the customer's storage. */
export const maxPending = 20;

export class PendingQueue {
  private memory: Pending[] = [];
  /** Set once the store failed: memory is the truth from then on. */
  private broken = false;

  constructor(private readonly store?: KeyValueStore) {}

  list(): Pending[] {
    if (this.store && !this.broken) {
      try {
        const parsed = JSON.parse(this.store.getItem(storageKey) ?? '[]') as unknown;
        return Array.isArray(parsed) ? parsed.filter(isPending) : [];
      } catch {
        this.broken = true;
      }
    }
    return this.memory.slice();
  }

  /** Adds or replaces the entry with this key; the oldest go when there are too many. */
  put(entry: Pending): void {
    const others = this.list().filter((p) => p.key !== entry.key);
    this.save(others.concat(entry).slice(-maxPending));
  }

  remove(key: string): void {
    this.save(this.list().filter((p) => p.key !== key));
  }

  /** Entries whose time has come (all of them with `ignoreSchedule`); expired ones are dropped. */
  due(now: number, ignoreSchedule = false): Pending[] {
    const all = this.list();
    const fresh = all.filter((p) => now - p.createdAt < maxAgeMs);
    if (fresh.length !== all.length) this.save(fresh);
    return fresh.filter((p) => ignoreSchedule || p.nextAt <= now);
  }

  private save(entries: Pending[]): void {
    this.memory = entries;
    if (!this.store || this.broken) return;
    try {
      this.store.setItem(storageKey, JSON.stringify(entries));
    } catch {
      this.broken = true; // quota or blocked storage: memory keeps them for this page view
    }
  }
}

function isPending(value: unknown): value is Pending {
  const p = value as Pending;
  return (
    typeof p === 'object' &&
    p !== null &&
    typeof p.key === 'string' &&
    typeof p.url === 'string' &&
    typeof p.siteKey === 'string' &&
    typeof p.body === 'object' &&
    typeof p.createdAt === 'number' &&
    typeof p.attempts === 'number' &&
    typeof p.nextAt === 'number'
  );
}
