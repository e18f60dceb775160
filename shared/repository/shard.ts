/**
 * FNV-1a (32 bit) of a string: the one hash that picks a shard (SLA timers, notice leases, weekly
 * counters, arrivals). Pure arithmetic, so the same id lands on the same shard in every runtime and
 * deploy.
 */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** The shard number of `text` among `shards`. */
export const shardOf = (text: string, shards: number): number => fnv1a(text) % shards;
