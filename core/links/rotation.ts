/**
 * Rotation of the link secret (docs/operations.md#key-rotation): the four steps Secrets Manager asks
 * a rotation function for, each safe to run again, as AWS retries them.
 *
 * - createSecret: a fresh random value as AWSPENDING under the rotation's token (kept if present);
 * - setSecret: nothing to do, no other service holds the key;
 * - testSecret: the pending value is long enough and signs a link it verifies;
 * - finishSecret: AWSCURRENT moves to the pending version, so the old one becomes AWSPREVIOUS.
 *
 * Notify signs with AWSCURRENT; actions verify with AWSCURRENT and AWSPREVIOUS, so every link
 * made before a rotation keeps working until the one after.
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../../shared/clock.ts';
import type { SecretVersions } from '../../shared/domain/secret-ports.ts';
import { MIN_SECRET_LENGTH, signLink, verifyLink } from '../../shared/domain/signed-link.ts';

export const rotationSteps = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;
export type RotationStep = (typeof rotationSteps)[number];

export interface RotationRequest {
  step: RotationStep;
  secretId: string;
  /** The ClientRequestToken: the id of the version this rotation makes. */
  versionId: string;
}

export interface RotationDeps {
  secrets: SecretVersions;
  /** Defaults to 48 random bytes, base64url (64 characters). */
  newSecret?: () => string;
  clock: Clock;
}

/** A request that does not belong to a rotation in progress; Secrets Manager shows it as failed. */
export class RotationRefused extends Error {
  override readonly name = 'RotationRefused';
}

export type RotationOutcome = 'done' | 'already_current';

export async function rotateLinkSecret(req: RotationRequest, deps: RotationDeps): Promise<RotationOutcome> {
  const { secretId, versionId } = req;
  const { rotationEnabled, stagesByVersion } = await deps.secrets.describe(secretId);
  if (!rotationEnabled) throw new RotationRefused(`secret ${secretId} does not have rotation enabled`);
  const stages = stagesByVersion[versionId];
  if (!stages) throw new RotationRefused(`version ${versionId} is not a version of ${secretId}`);
  // A step repeated after finishSecret has nothing left to do.
  if (stages.includes('AWSCURRENT')) return 'already_current';
  if (!stages.includes('AWSPENDING')) {
    throw new RotationRefused(`version ${versionId} of ${secretId} is not pending rotation`);
  }
  switch (req.step) {
    case 'createSecret':
      await createPending(req, deps);
      return 'done';
    case 'setSecret':
      return 'done';
    case 'testSecret':
      await testPending(req, deps);
      return 'done';
    case 'finishSecret': {
      const current = Object.entries(stagesByVersion).find(([, s]) => s.includes('AWSCURRENT'))?.[0];
      await deps.secrets.makeCurrent(secretId, versionId, current);
      return 'done';
    }
  }
}

const freshSecret = () => randomBytes(48).toString('base64url');

async function createPending({ secretId, versionId }: RotationRequest, deps: RotationDeps) {
  // Links are signed with AWSCURRENT: without one there is nothing to rotate from.
  if ((await deps.secrets.value(secretId, { stage: 'AWSCURRENT' })) === undefined) {
    throw new RotationRefused(`secret ${secretId} has no AWSCURRENT value`);
  }
  if ((await deps.secrets.value(secretId, { stage: 'AWSPENDING', versionId })) !== undefined) return;
  await deps.secrets.putPending(secretId, versionId, (deps.newSecret ?? freshSecret)());
}

async function testPending({ secretId, versionId }: RotationRequest, deps: RotationDeps) {
  const pending = await deps.secrets.value(secretId, { stage: 'AWSPENDING', versionId });
  if (pending === undefined || pending.length < MIN_SECRET_LENGTH) {
    throw new RotationRefused(
      `the pending value of ${secretId} is missing or shorter than ${MIN_SECRET_LENGTH}`,
    );
  }
  const now = deps.clock.now();
  const token = signLink(
    { jti: 'rotation-test', act: 'open', exp: Math.floor(now.getTime() / 1000) + 60 },
    pending,
  );
  if (verifyLink(token, [pending], now).status !== 'ok') {
    throw new RotationRefused(`the pending value of ${secretId} does not verify what it signs`);
  }
}
