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

/**
 * Item `type` values; the relay forwards inserts of feedback and outbox items, nothing else.
 * Key formats live with each entity in shared/repository:
 * - `case`: `CASE#<caseId>` / `CASE`; `event`: `CASE#<caseId>` / `EVENT#<at>#<seq>` (the timeline)
 * - `triaged`: `FEEDBACK#<feedbackId>` / `TRIAGED`, one per triaged feedback (case or not)
 * - `metric`: `METRIC#<dimension>#<yyyy-Www>` / `KEY#<key>`, weekly response tallies
 * - `cursor`: `TEAM#<teamId>` / `CURSOR`, the round-robin position of a team
 * - `counter`: `TEAM#<teamId>` / `OPEN#<memberId>`, open cases per member (fewest_open)
 */
export const itemTypes = {
  feedback: 'feedback',
  outbox: 'outbox',
  case: 'case',
  event: 'event',
  triaged: 'triaged',
  metric: 'metric',
  cursor: 'cursor',
  counter: 'counter',
} as const;
