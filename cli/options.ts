/**
 * Options every command takes, and the one way a command turns raw option values into checked
 * ones: a zod schema per command, every problem reported at once, each named by its flag.
 */
import * as z from 'zod';
import { UsageError } from './errors.ts';
import { STAGES } from './names.ts';

export const DEFAULT_CONFIG = 'closeloop.config.json';

export const globalSchema = z.object({
  stage: z.enum(STAGES, { error: `must be one of ${STAGES.join(', ')}` }),
  region: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as ap-northeast-1')
    .optional(),
  table: z
    .string()
    .regex(/^[\w.-]{3,255}$/, 'must be a DynamoDB table name')
    .optional(),
  config: z.string().min(1, 'must not be empty'),
});
export type GlobalOptions = z.infer<typeof globalSchema>;

/** `--origin` for `origin`, `siteId` for a positional argument (named in camelCase). */
const flagOf = (key: PropertyKey, positional: readonly string[]) =>
  typeof key === 'string' && positional.includes(key)
    ? `<${key}>`
    : `--${String(key).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** Parses `input` with `schema`, or throws a UsageError naming every bad argument. */
export function checked<T extends z.ZodType>(
  schema: T,
  input: unknown,
  positional: readonly string[] = [],
): z.output<T> {
  const result = schema.safeParse(input, {
    error: (issue) => (issue.code === 'invalid_type' && issue.input === undefined ? 'required' : undefined),
  });
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const [head, ...rest] = issue.path;
    const where = head === undefined ? 'arguments' : flagOf(head, positional);
    const index = rest.map((k) => `[${String(k)}]`).join('');
    return `${where}${index}: ${issue.message}`;
  });
  throw new UsageError(problems);
}

/** A custom message that leaves a missing value to the "required" above. */
export const unlessMissing = (message: string) => ({
  error: (issue: { input?: unknown }) => (issue.input === undefined ? undefined : message),
});
