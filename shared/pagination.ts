/**
 * The one cursor format of every paginated listing: where a listing stopped, as base64url JSON.
 * A cursor is the client's to hold, so it is read back through a schema and checked to lie in
 * what the request may read: a cursor never widens a listing.
 */
import type * as z from 'zod/mini';
import { ValidationFailed } from './domain/errors.ts';

export const encodeCursor = (position: unknown) =>
  Buffer.from(JSON.stringify(position)).toString('base64url');

/** The position `raw` names, or a 400 (`query:cursor`) when it is not one this listing wrote. */
export function decodeCursor<S extends z.ZodMiniType>(
  raw: string,
  schema: S,
  belongs: (position: z.infer<S>) => boolean,
): z.infer<S> {
  const bad = () =>
    new ValidationFailed([{ path: 'query:cursor', message: 'is not a cursor of this listing' }]);
  let parsed: z.infer<S>;
  try {
    parsed = schema.parse(JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'))) as z.infer<S>;
  } catch {
    throw bad();
  }
  if (!belongs(parsed)) throw bad();
  return parsed;
}
