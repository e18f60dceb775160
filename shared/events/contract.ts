import type * as z from 'zod/mini';
import { PoisonMessage } from '../domain/errors.ts';

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

/**
 * Reads a queue message as this contract, or throws `PoisonMessage`: a body that is not JSON or
 * not this name and version will not get better with retries (it fails alone, then dead-letters).
 */
export function parseMessage<S extends z.ZodMiniType>(body: string, contract: EventContract<S>): z.infer<S> {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new PoisonMessage('body is not JSON');
  }
  const parsed = contract.schema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`);
    throw new PoisonMessage(`not a ${contract.name} v${contract.version}: ${issues.join('; ')}`);
  }
  return parsed.data;
}
