import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Clock } from '../clock.ts';
import { MINUTE_MS } from '../domain/time.ts';

/** Where a function gets a secret when it needs it: cached, so a warm function makes no call. */
export type SecretSource = () => Promise<string>;

/** Reads a secret's string; a missing or empty one fails by name. */
export async function readSecretString(
  secretId: string,
  client: SecretsManagerClient = new SecretsManagerClient({}),
): Promise<string> {
  const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
  if (!SecretString) throw new Error(`secret ${secretId} has no string value`);
  return SecretString;
}

/**
 * The secret read on first use, then kept for `maxAgeMs` (as Powertools Parameters caches): the
 * first invocation pays for the read, as it pays for its first DynamoDB call, instead of every
 * cold start's import; and a rotated secret reaches warm functions within `maxAgeMs`. Concurrent
 * callers share one read; a failed read is not cached, so the next call tries again.
 */
export function cachedSecret(
  secretId: string,
  opts: { clock: Clock; maxAgeMs?: number; read?: (secretId: string) => Promise<string> },
): SecretSource {
  const maxAgeMs = opts.maxAgeMs ?? 5 * MINUTE_MS;
  const read = opts.read ?? ((id: string) => readSecretString(id));
  let cached: { value: Promise<string>; readAt: number } | undefined;
  return () => {
    const now = opts.clock.now().getTime();
    if (!cached || now - cached.readAt >= maxAgeMs) {
      const value = read(secretId);
      const entry = { value, readAt: now };
      cached = entry;
      value.catch(() => {
        if (cached === entry) cached = undefined;
      });
    }
    return cached.value;
  };
}
