import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import {
  cachedSecret,
  cachedVerifyingSecrets,
  readCurrentAndPrevious,
} from '../../shared/adapters/secrets.ts';
import { VirtualClock } from '../../shared/clock.ts';

function counting(values: (string | Error)[]) {
  const reads: string[] = [];
  const read = async (id: string) => {
    reads.push(id);
    const next = values.shift();
    if (next instanceof Error) throw next;
    return next ?? 'unexpected read';
  };
  return { reads, read };
}

describe('a cached secret', () => {
  it('is read on first use and not again within its max age', async () => {
    const clock = new VirtualClock(new Date('2026-11-23T00:00:00Z'));
    const { reads, read } = counting(['s1']);
    const secret = cachedSecret('arn:link', { clock, maxAgeMs: 60_000, read });
    expect(reads).toEqual([]);

    const values = [await secret(), await secret()];
    clock.advance(59_999);
    values.push(await secret());

    expect(values).toEqual(['s1', 's1', 's1']);
    expect(reads).toEqual(['arn:link']);
  });

  it('is read again once its max age has passed, so a rotated secret arrives', async () => {
    const clock = new VirtualClock(new Date('2026-11-23T00:00:00Z'));
    const { reads, read } = counting(['old', 'new']);
    const secret = cachedSecret('arn:link', { clock, maxAgeMs: 60_000, read });

    const before = await secret();
    clock.advance(60_000);
    const after = await secret();

    expect([before, after]).toEqual(['old', 'new']);
    expect(reads).toHaveLength(2);
  });

  it('makes one read for concurrent callers', async () => {
    const clock = new VirtualClock(new Date('2026-11-23T00:00:00Z'));
    const { reads, read } = counting(['s1']);
    const secret = cachedSecret('arn:link', { clock, read });

    const values = await Promise.all([secret(), secret(), secret()]);

    expect(values).toEqual(['s1', 's1', 's1']);
    expect(reads).toHaveLength(1);
  });

  it('does not keep a failed read: the next call tries again', async () => {
    const clock = new VirtualClock(new Date('2026-11-23T00:00:00Z'));
    const { reads, read } = counting([new Error('Secrets Manager unavailable'), 's1']);
    const secret = cachedSecret('arn:link', { clock, read });

    await expect(secret()).rejects.toThrow('Secrets Manager unavailable');
    expect(await secret()).toBe('s1');
    expect(reads).toHaveLength(2);
  });
});

describe('the Secrets Manager read', () => {
  const secretsMock = mockClient(SecretsManagerClient);

  it('answers the secret string of the named secret', async () => {
    secretsMock.reset();
    secretsMock.on(GetSecretValueCommand, { SecretId: 'arn:link' }).resolves({ SecretString: 'from-aws' });
    const secret = cachedSecret('arn:link', { clock: new VirtualClock() });

    expect(await secret()).toBe('from-aws');
    expect(secretsMock.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('fails by name when the secret has no string value', async () => {
    secretsMock.reset();
    secretsMock.on(GetSecretValueCommand).resolves({});
    const secret = cachedSecret('arn:empty', { clock: new VirtualClock() });

    await expect(secret()).rejects.toThrow('secret arn:empty has no string value');
  });

  it('answers AWSCURRENT then AWSPREVIOUS to a verifier, each read by its staging label', async () => {
    secretsMock.reset();
    secretsMock
      .on(GetSecretValueCommand, { SecretId: 'arn:link', VersionStage: 'AWSCURRENT' })
      .resolves({ SecretString: 'current' })
      .on(GetSecretValueCommand, { SecretId: 'arn:link', VersionStage: 'AWSPREVIOUS' })
      .resolves({ SecretString: 'previous' });
    const secrets = cachedVerifyingSecrets('arn:link', { clock: new VirtualClock() });

    expect(await secrets()).toEqual(['current', 'previous']);
  });

  it('answers AWSCURRENT alone for a secret never rotated (no AWSPREVIOUS)', async () => {
    secretsMock.reset();
    secretsMock
      .on(GetSecretValueCommand, { VersionStage: 'AWSCURRENT' })
      .resolves({ SecretString: 'current' })
      .on(GetSecretValueCommand, { VersionStage: 'AWSPREVIOUS' })
      .rejects(
        Object.assign(new Error("can't find staging label AWSPREVIOUS"), {
          name: 'ResourceNotFoundException',
        }),
      );

    expect(await readCurrentAndPrevious('arn:link')).toEqual(['current']);
  });

  it('fails when AWSPREVIOUS cannot be read for another reason, rather than refusing its links', async () => {
    secretsMock.reset();
    secretsMock
      .on(GetSecretValueCommand, { VersionStage: 'AWSCURRENT' })
      .resolves({ SecretString: 'current' })
      .on(GetSecretValueCommand, { VersionStage: 'AWSPREVIOUS' })
      .rejects(Object.assign(new Error('throttled'), { name: 'ThrottlingException' }));

    await expect(readCurrentAndPrevious('arn:link')).rejects.toThrow('throttled');
  });
});

describe('a fresh read of a cached secret', () => {
  it('is granted once the cached value is a minute old, and not sooner', async () => {
    const clock = new VirtualClock(new Date('2026-11-23T00:00:00Z'));
    const { reads, read } = counting(['old', 'new']);
    const secret = cachedSecret('arn:link', { clock, read });

    const first = await secret();
    clock.advance(59_999);
    const tooSoon = await secret({ fresh: true });
    clock.advance(1);
    const fresh = await secret({ fresh: true });

    expect([first, tooSoon, fresh]).toEqual(['old', 'old', 'new']);
    expect(reads).toHaveLength(2);
  });
});
