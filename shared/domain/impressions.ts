/**
 * Widget impressions (`POST /v1/impressions`, docs/invitations.md#response-figures): how often the
 * widget showed its prompt per touchpoint, counted only, so prompt engagement (shown → answered)
 * is a figure. Pure: the shape and its issues.
 */
import * as z from 'zod/mini';
import '../zod-locale.ts';
import { ValidationFailed } from './errors.ts';
import { formatIssuePath } from './paths.ts';

export const MAX_IMPRESSION_COUNT = 1000;

export const impressionsSchema = z.strictObject({
  siteId: z.string().check(z.regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'must be a site id')),
  impressions: z
    .array(
      z.strictObject({
        touchpoint: z
          .string()
          .check(z.regex(/^[a-z][a-z0-9_]{0,63}$/, 'must be a lower-case slug (a-z, 0-9, _; at most 64)')),
        count: z
          .int('must be a whole number')
          .check(z.gte(1, 'must be ≥ 1'), z.lte(MAX_IMPRESSION_COUNT, `must be ≤ ${MAX_IMPRESSION_COUNT}`)),
      }),
    )
    .check(z.minLength(1, 'needs at least one entry'), z.maxLength(20, 'at most 20 entries')),
});
export type Impressions = z.infer<typeof impressionsSchema>;

export function parseImpressions(body: unknown): Impressions {
  const result = impressionsSchema.safeParse(body);
  if (result.success) return result.data;
  throw new ValidationFailed(
    result.error.issues.map((issue) => ({
      path: formatIssuePath(issue.path),
      message:
        issue.code === 'unrecognized_keys'
          ? `unknown field${issue.keys.length > 1 ? 's' : ''}: ${issue.keys.join(', ')}`
          : issue.code === 'invalid_type' && issue.input === undefined
            ? 'is required'
            : issue.message,
    })),
  );
}

/** Adds shown prompts to a touchpoint's week (the `ask` counters). */
export interface ImpressionCounter {
  add(touchpoint: string, week: string, count: number): Promise<void>;
}
