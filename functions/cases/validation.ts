import type * as z from 'zod/mini';
import { ValidationFailed } from '../../shared/domain/errors.ts';
import { formatIssuePath } from '../../shared/domain/paths.ts';

/**
 * Parses with a zod schema; each problem becomes one `{ path, message }` issue (as ingest's 400).
 * `where` prefixes paths outside the body: `query:`, `path:`.
 */
export function parseWith<S extends z.ZodMiniType>(schema: S, input: unknown, where = ''): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => {
    const path = formatIssuePath(issue.path);
    return { path: where ? `${where}${path}` : path, message: messageOf(issue, input) };
  });
  throw new ValidationFailed(issues);
}

function messageOf(issue: z.core.$ZodIssue, input: unknown): string {
  if (issue.code === 'unrecognized_keys') {
    return `unknown field${issue.keys.length > 1 ? 's' : ''}: ${issue.keys.join(', ')}`;
  }
  if (issue.code === 'invalid_type') {
    if (issue.path.length === 0) return 'body must be a JSON object';
    if (valueAt(input, issue.path) === undefined) return 'is required';
  }
  return issue.message;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let at: unknown = input;
  for (const key of path) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<PropertyKey, unknown>)[key];
  }
  return at;
}
