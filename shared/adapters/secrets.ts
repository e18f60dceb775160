import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import type { Clock } from '../clock.ts';
import type { SecretVersions } from '../domain/secret-ports.ts';
import { MINUTE_MS } from '../domain/time.ts';

/**
 * Where a function gets a secret when it needs it: cached, so a warm function makes no call.
 * `{ fresh: true }` asks for a new read (a verifier that met an unknown signature), which the cache
 * grants at most once a minute, so a flood of forged links costs one read a minute.
 */
export type SecretSource<T = string> = (opts?: { fresh?: boolean }) => Promise<T>;

/** Reads a secret's string (AWSCURRENT unless told); a missing or empty one fails by name. */
export async function readSecretString(
  secretId: string,
  client: SecretsManagerClient = new SecretsManagerClient({}),
  versionStage?: string,
): Promise<string> {
  const { SecretString } = await client.send(
    new GetSecretValueCommand({
      SecretId: secretId,
      ...(versionStage ? { VersionStage: versionStage } : {}),
    }),
  );
  if (!SecretString) throw new Error(`secret ${secretId} has no string value`);
  return SecretString;
}

const notFound = (error: unknown) => (error as Error | undefined)?.name === 'ResourceNotFoundException';

/**
 * The values a verifier accepts: AWSCURRENT, then AWSPREVIOUS when there is one (a secret never
 * rotated has none), so links signed before the last rotation keep working.
 */
export async function readCurrentAndPrevious(
  secretId: string,
  client: SecretsManagerClient = new SecretsManagerClient({}),
): Promise<string[]> {
  const [current, previous] = await Promise.all([
    readSecretString(secretId, client, 'AWSCURRENT'),
    readSecretString(secretId, client, 'AWSPREVIOUS').catch((error: unknown) => {
      if (notFound(error)) return undefined;
      throw error;
    }),
  ]);
  return previous === undefined || previous === current ? [current] : [current, previous];
}

interface CacheOptions<T> {
  clock: Clock;
  maxAgeMs?: number;
  /** A fresh read is granted only when the cached one is at least this old. */
  minFreshAgeMs?: number;
  read?: (secretId: string) => Promise<T>;
}

/**
 * The secret read on first use, then kept for `maxAgeMs` (as Powertools Parameters caches): the
 * first invocation pays for the read, as it pays for its first DynamoDB call, instead of every
 * cold start's import; and a rotated secret reaches warm functions within `maxAgeMs`. Concurrent
 * callers share one read; a failed read is not cached, so the next call tries again.
 */
export function cachedSecret(secretId: string, opts: CacheOptions<string>): SecretSource {
  return cached(secretId, opts.read ?? ((id: string) => readSecretString(id)), opts);
}

/** `cachedSecret` of the values a link verifier accepts (`readCurrentAndPrevious`). */
export function cachedVerifyingSecrets(
  secretId: string,
  opts: CacheOptions<string[]>,
): SecretSource<string[]> {
  return cached(secretId, opts.read ?? ((id: string) => readCurrentAndPrevious(id)), opts);
}

function cached<T>(
  secretId: string,
  read: (secretId: string) => Promise<T>,
  opts: CacheOptions<T>,
): SecretSource<T> {
  const maxAgeMs = opts.maxAgeMs ?? 5 * MINUTE_MS;
  const minFreshAgeMs = opts.minFreshAgeMs ?? MINUTE_MS;
  let entry: { value: Promise<T>; readAt: number } | undefined;
  return (request) => {
    const now = opts.clock.now().getTime();
    const age = entry ? now - entry.readAt : Number.POSITIVE_INFINITY;
    if (age >= maxAgeMs || (request?.fresh === true && age >= minFreshAgeMs)) {
      const value = read(secretId);
      const mine = { value, readAt: now };
      entry = mine;
      value.catch(() => {
        if (entry === mine) entry = undefined;
      });
    }
    return (entry as { value: Promise<T> }).value;
  };
}

/** The Secrets Manager calls a rotation function makes (shared/domain/secret-ports.ts). */
export function secretsManagerVersions(
  client: SecretsManagerClient = new SecretsManagerClient({}),
): SecretVersions {
  return {
    async describe(secretId) {
      const d = await client.send(new DescribeSecretCommand({ SecretId: secretId }));
      return { rotationEnabled: d.RotationEnabled === true, stagesByVersion: d.VersionIdsToStages ?? {} };
    },
    async value(secretId, { versionId, stage }) {
      try {
        const { SecretString } = await client.send(
          new GetSecretValueCommand({
            SecretId: secretId,
            VersionStage: stage,
            ...(versionId ? { VersionId: versionId } : {}),
          }),
        );
        return SecretString;
      } catch (error) {
        if (notFound(error)) return undefined;
        throw error;
      }
    },
    async putPending(secretId, versionId, value) {
      await client.send(
        new PutSecretValueCommand({
          SecretId: secretId,
          ClientRequestToken: versionId,
          SecretString: value,
          VersionStages: ['AWSPENDING'],
        }),
      );
    },
    async makeCurrent(secretId, versionId, currentVersionId) {
      await client.send(
        new UpdateSecretVersionStageCommand({
          SecretId: secretId,
          VersionStage: 'AWSCURRENT',
          MoveToVersionId: versionId,
          RemoveFromVersionId: currentVersionId,
        }),
      );
    },
  };
}
