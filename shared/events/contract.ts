import type * as z from 'zod/mini';

/** A versioned event contract: consumers check name and version before trusting the shape. */
export interface EventContract<S extends z.ZodMiniType> {
  name: string;
  version: number;
  schema: S;
}

export function defineEvent<S extends z.ZodMiniType>(
  name: string,
  version: number,
  schema: S,
): EventContract<S> {
  return { name, version, schema };
}
