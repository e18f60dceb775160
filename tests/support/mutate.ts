/** A deep copy of `target` with `value` at `path`, creating the objects on the way (fuzzers' mutations). */
export function setPath(target: unknown, path: readonly string[], value: unknown): Record<string, unknown> {
  const copy = structuredClone(target) as Record<string, unknown>;
  let node: Record<string, unknown> = copy;
  for (const key of path.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path.at(-1)!] = value;
  return copy;
}
