/**
 * Stands in for one Secrets Manager secret locally (no Secrets Manager peer runs on this machine):
 * versions with staging labels, moved the way Secrets Manager moves them. The local stack keeps
 * the link secret here, rotates it with the real rotation use case (core/links/rotation.ts), and
 * reads AWSCURRENT / AWSPREVIOUS from it as functions/notify and functions/actions read AWS.
 */
import { randomUUID } from 'node:crypto';
import type { RotationStep } from '../../core/links/rotation.ts';
import type { SecretVersions } from '../../shared/domain/secret-ports.ts';

interface Version {
  value?: string;
  stages: Set<string>;
}

export class LocalSecret implements SecretVersions {
  readonly #versions = new Map<string, Version>();
  rotationEnabled = true;

  constructor(
    readonly secretId: string,
    initial: string,
  ) {
    this.#versions.set(randomUUID(), { value: initial, stages: new Set(['AWSCURRENT']) });
  }

  /** The value with this staging label, or undefined. */
  stage(stage: string): string | undefined {
    return [...this.#versions.values()].find((v) => v.stages.has(stage))?.value;
  }

  async describe(secretId: string) {
    this.#check(secretId);
    const stagesByVersion = Object.fromEntries(
      [...this.#versions].map(([id, v]) => [id, [...v.stages]] as const),
    );
    return { rotationEnabled: this.rotationEnabled, stagesByVersion };
  }

  async value(secretId: string, at: { stage: string; versionId?: string }) {
    this.#check(secretId);
    const found = at.versionId ? this.#versions.get(at.versionId) : undefined;
    if (at.versionId) return found?.stages.has(at.stage) ? found.value : undefined;
    return this.stage(at.stage);
  }

  async putPending(secretId: string, versionId: string, value: string) {
    this.#check(secretId);
    const version = this.#versions.get(versionId);
    if (version?.value !== undefined && version.value !== value) {
      throw Object.assign(new Error(`version ${versionId} already has another value`), {
        name: 'ResourceExistsException',
      });
    }
    this.#label('AWSPENDING', versionId);
    (this.#versions.get(versionId) as Version).value = value;
  }

  async makeCurrent(secretId: string, versionId: string, currentVersionId: string | undefined) {
    this.#check(secretId);
    if (currentVersionId !== undefined && !this.#versions.get(currentVersionId)?.stages.has('AWSCURRENT')) {
      throw Object.assign(new Error(`AWSCURRENT is not on ${currentVersionId}`), {
        name: 'InvalidParameterException',
      });
    }
    // As Secrets Manager does: the version AWSCURRENT leaves becomes AWSPREVIOUS (labelled first,
    // so it is not left without a label and dropped on the way).
    if (currentVersionId !== undefined && currentVersionId !== versionId) {
      this.#label('AWSPREVIOUS', currentVersionId);
    }
    this.#label('AWSCURRENT', versionId);
  }

  /**
   * One rotation as Secrets Manager runs it: a new version labelled AWSPENDING with no value yet,
   * then each step handed to the rotation function, in order.
   */
  async rotate(run: (step: RotationStep, versionId: string) => Promise<unknown>): Promise<string> {
    const versionId = randomUUID();
    this.#versions.set(versionId, { stages: new Set() });
    this.#label('AWSPENDING', versionId);
    for (const step of ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const) {
      await run(step, versionId);
    }
    return versionId;
  }

  /** Puts a label on one version, taking it off any other; versions left without a label go. */
  #label(stage: string, versionId: string) {
    for (const [id, v] of this.#versions) {
      if (id !== versionId && v.stages.delete(stage) && v.stages.size === 0) this.#versions.delete(id);
    }
    const version = this.#versions.get(versionId) ?? { stages: new Set<string>() };
    version.stages.add(stage);
    this.#versions.set(versionId, version);
  }

  #check(secretId: string) {
    if (secretId !== this.secretId) {
      throw Object.assign(new Error(`no secret ${secretId}`), { name: 'ResourceNotFoundException' });
    }
  }
}
