/**
 * FNV-1a (32 bit) of a string: the one hash that picks a write shard (SLA timers, weekly
 * counters). Pure arithmetic, so the same id lands on the same shard in every runtime and deploy.
 */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
