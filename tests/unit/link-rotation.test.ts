import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { type RotationStep, rotateLinkSecret } from '../../core/links/rotation.ts';
import { makeRotationHandler } from '../../functions/rotate-link-secret/handler.ts';
import { LocalSecret } from '../../infra/local/secret-store.ts';
import { secretsManagerVersions } from '../../shared/adapters/secrets.ts';
import { VirtualClock } from '../../shared/clock.ts';

const secretId = 'arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:link-AbCdEf';
const initial = 'initial-link-secret-0123456789abcdefghijklmn';
const clock = new VirtualClock(new Date('2026-11-24T00:30:00Z'));

let secret: LocalSecret;
const step = (s: RotationStep, versionId: string, newSecret?: () => string) =>
  rotateLinkSecret(
    { step: s, secretId, versionId },
    { secrets: secret, clock, ...(newSecret ? { newSecret } : {}) },
  );

beforeEach(() => {
  secret = new LocalSecret(secretId, initial);
});

describe('a rotation of the link secret', () => {
  it('makes a fresh random value AWSCURRENT and the old one AWSPREVIOUS', async () => {
    await secret.rotate((s, versionId) => step(s, versionId));

    const current = secret.stage('AWSCURRENT');
    expect(secret.stage('AWSPREVIOUS')).toBe(initial);
    expect(current).not.toBe(initial);
    expect(Buffer.from(current!, 'base64url').length).toBeGreaterThanOrEqual(32);
  });

  it('keeps one version back only: a second rotation drops the first value', async () => {
    await secret.rotate((s, versionId) => step(s, versionId));
    const second = secret.stage('AWSCURRENT');
    await secret.rotate((s, versionId) => step(s, versionId));

    expect(secret.stage('AWSPREVIOUS')).toBe(second);
    expect(Object.keys((await secret.describe(secretId)).stagesByVersion)).toHaveLength(2);
  });

  it('changes nothing when a step is run again, as Secrets Manager may retry any step', async () => {
    let made = 0;
    const fresh = () => `fresh-value-${++made}-0123456789abcdefghijklmnopqrstuvwxyz`;
    const versionId = await secret.rotate(async (s, id) => {
      await step(s, id, fresh);
      await step(s, id, fresh);
    });

    expect(made).toBe(1);
    expect(secret.stage('AWSCURRENT')).toBe('fresh-value-1-0123456789abcdefghijklmnopqrstuvwxyz');
    expect(secret.stage('AWSPREVIOUS')).toBe(initial);
    await expect(step('finishSecret', versionId)).resolves.toBe('already_current');
  });

  it('fails the test step for a pending value too short to sign with, and keeps AWSCURRENT', async () => {
    const rotation = secret.rotate((s, id) => step(s, id, () => 'short'));

    await expect(rotation).rejects.toThrow('shorter than 32');
    expect(secret.stage('AWSCURRENT')).toBe(initial);
  });

  it('refuses a version that is not pending, and a secret without rotation', async () => {
    await expect(step('createSecret', 'no-such-version')).rejects.toThrow('is not a version of');
    secret.rotationEnabled = false;
    await expect(secret.rotate((s, id) => step(s, id))).rejects.toThrow('does not have rotation enabled');
  });
});

describe('the rotation function', () => {
  const sm = mockClient(SecretsManagerClient);
  beforeEach(() => sm.reset());

  it('finishes by moving AWSCURRENT from the current version to the pending one', async () => {
    sm.on(DescribeSecretCommand).resolves({
      RotationEnabled: true,
      VersionIdsToStages: { v1: ['AWSCURRENT'], v2: ['AWSPENDING'] },
    });
    const rotate = makeRotationHandler({
      secrets: secretsManagerVersions(new SecretsManagerClient({})),
      clock,
    });

    await rotate({ SecretId: secretId, ClientRequestToken: 'v2', Step: 'finishSecret' });

    expect(sm.commandCalls(UpdateSecretVersionStageCommand).map((c) => c.args[0].input)).toEqual([
      { SecretId: secretId, VersionStage: 'AWSCURRENT', MoveToVersionId: 'v2', RemoveFromVersionId: 'v1' },
    ]);
  });

  it('creates the pending value under the rotation token when Secrets Manager has none', async () => {
    sm.on(DescribeSecretCommand)
      .resolves({ RotationEnabled: true, VersionIdsToStages: { v1: ['AWSCURRENT'], v2: ['AWSPENDING'] } })
      .on(GetSecretValueCommand, { VersionStage: 'AWSCURRENT' })
      .resolves({ SecretString: initial })
      .on(GetSecretValueCommand, { VersionStage: 'AWSPENDING', VersionId: 'v2' })
      .rejects(Object.assign(new Error('no value yet'), { name: 'ResourceNotFoundException' }));
    const rotate = makeRotationHandler({
      secrets: secretsManagerVersions(new SecretsManagerClient({})),
      clock,
    });

    await rotate({ SecretId: secretId, ClientRequestToken: 'v2', Step: 'createSecret' });

    const [put] = sm.commandCalls(PutSecretValueCommand).map((c) => c.args[0].input);
    expect(put).toMatchObject({
      SecretId: secretId,
      ClientRequestToken: 'v2',
      VersionStages: ['AWSPENDING'],
    });
    expect(put?.SecretString?.length).toBeGreaterThanOrEqual(43);
  });

  it('refuses an event that is not a rotation step', async () => {
    const rotate = makeRotationHandler({
      secrets: secretsManagerVersions(new SecretsManagerClient({})),
      clock,
    });

    await expect(
      rotate({ SecretId: secretId, ClientRequestToken: 'v2', Step: 'dropSecret' }),
    ).rejects.toThrow();
    expect(sm.calls()).toHaveLength(0);
  });
});
