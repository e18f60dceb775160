/**
 * What a Secrets Manager rotation function needs of the secret it rotates: its versions by staging
 * label (AWSCURRENT, AWSPENDING, AWSPREVIOUS), a pending value, and the move of AWSCURRENT (which
 * makes the version it leaves AWSPREVIOUS).
 */
export interface SecretVersions {
  describe(
    secretId: string,
  ): Promise<{ rotationEnabled: boolean; stagesByVersion: Record<string, readonly string[]> }>;
  /** The value of the version with this stage (and id, when given); undefined when there is none. */
  value(secretId: string, at: { stage: string; versionId?: string }): Promise<string | undefined>;
  /** Writes `value` as version `versionId` labelled AWSPENDING (idempotent for the same id and value). */
  putPending(secretId: string, versionId: string, value: string): Promise<void>;
  /** Moves AWSCURRENT from `currentVersionId` to `versionId`. */
  makeCurrent(secretId: string, versionId: string, currentVersionId: string | undefined): Promise<void>;
}
