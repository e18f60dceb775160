/**
 * The one table's shape, shared by the CDK stack and the local stack so they cannot drift.
 * Single-table design: entities own their key formats (see shared/repository).
 */
export const table = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Epoch seconds; DynamoDB's TTL deletes the item after it (feedback retention). */
  ttlAttribute: 'expiresAt',
  /** The stream carries new feedback to the triage queue (no dual write). */
  streamView: 'NEW_IMAGE',
} as const;

/** Item `type` values; the relay forwards inserts of feedback and outbox items, nothing else. */
export const itemTypes = { feedback: 'feedback', outbox: 'outbox' } as const;
