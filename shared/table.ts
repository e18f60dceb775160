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
  /**
   * The SLA timers index (functions/sla): sparse, only case items with a next due step (a closed
   * case's: its purge) carry
   * `timerShard` (`T#00`..`T#15`, a stable hash of the case id, so no single hot partition) and
   * `dueAt` (ISO). The sweep queries each shard for `dueAt <= now`. Keys only: the sweep reads
   * the case and its timeline itself (strongly consistent) before acting.
   */
  timersIndex: {
    name: 'timers',
    partitionKey: 'timerShard',
    sortKey: 'dueAt',
    projection: 'KEYS_ONLY',
    shards: 16,
  },
  /**
   * Cases by team (staff API `GET /v1/cases`): every case item carries `caseTeam`
   * (`TEAM#<teamId>`) and `caseCreated` (`<createdAt>#<caseId>`), both immutable, so only the
   * writer that creates the case sets them (shared/repository/case-item.ts `toCaseItem`). A team's
   * cases are one partition, newest first; status / severity / overdue are filters.
   */
  casesByTeamIndex: {
    name: 'casesByTeam',
    partitionKey: 'caseTeam',
    sortKey: 'caseCreated',
    projection: 'ALL',
  },
  /**
   * Feedback by customer (erasure, `DELETE /v1/customers?email=`): sparse, only feedback items
   * with an email carry `customerHash` (`CUSTOMER#<sha256 hex of the trimmed, lower-cased
   * address>`), set by ingest's one PutItem. Keys only; erasure removes the attribute.
   */
  customerIndex: {
    name: 'feedbackByCustomer',
    partitionKey: 'customerHash',
    projection: 'KEYS_ONLY',
  },
  /**
   * Arrivals by hour (the intake reconciler, functions/intake-reconciler): every feedback and
   * outbox item carries `arrivalHour` (`ARRIVED#<FEEDBACK|OUTBOX>#<yyyy-mm-ddThh>#<00..15>`, the
   * UTC hour it was written and a stable hash of its key, so no partition takes every write) and
   * `arrivedAt` (ISO). The reconciler reads each hour's 16 shards once, from its checkpoint on,
   * instead of scanning the table (shared/repository/arrival.ts). Keys only.
   */
  arrivalsIndex: {
    name: 'arrivals',
    partitionKey: 'arrivalHour',
    sortKey: 'arrivedAt',
    projection: 'KEYS_ONLY',
    shards: 16,
  },
  /**
   * Problems by status (`GET /v1/problems?status=`): every problem item carries `problemStatus`
   * (`PROBLEMS#<status>`) and `problemCreated` (`<createdAt>#<problemId>`), rewritten with the
   * status (shared/repository/problem-item.ts), so a status is one partition, newest first.
   * Problems are few (staff create them by hand), so one partition per status is no hot key.
   */
  problemsByStatusIndex: {
    name: 'problemsByStatus',
    partitionKey: 'problemStatus',
    sortKey: 'problemCreated',
    projection: 'ALL',
  },
} as const;

export interface IndexShape {
  name: string;
  partitionKey: string;
  sortKey?: string;
  projection: 'KEYS_ONLY' | 'ALL';
}

/** Every global secondary index, in the order they were added (a deployed table takes one per update). */
export const tableIndexes: readonly IndexShape[] = [
  table.timersIndex,
  table.casesByTeamIndex,
  table.customerIndex,
  table.arrivalsIndex,
  table.problemsByStatusIndex,
];

/**
 * Item `type` values; the relay forwards inserts of feedback and outbox items, nothing else.
 * Key formats live with each entity in shared/repository:
 * - `case`: `CASE#<caseId>` / `CASE`; `event`: `CASE#<caseId>` / `EVENT#<at>#<seq>` (the timeline)
 * - `caseRef`: `REF#<ref>` / `REF`, the claim of a short case reference, kept for good so it is
 *   never reused (shared/repository/case-item.ts)
 * - `triaged`: `FEEDBACK#<feedbackId>` / `TRIAGED`, one per triaged feedback (case or not)
 * - `metric`: `METRIC#<dimension>#<yyyy-Www>` / `KEY#<key>#<shard>`, weekly response tallies
 * - `cursor`: `TEAM#<teamId>` / `CURSOR`, the round-robin position of a team
 * - `counter`: `TEAM#<teamId>` / `OPEN#<memberId>`, open cases per member (fewest_open)
 * - `notice`: `NOTICE#<noticeId>` / `TO#<sha256(address)>`, the at-most-once claim of one notice to
 *   one recipient and its outcome (shared/repository/notice-item.ts)
 * - `token`: `TOKEN#<jti>` / `TOKEN`, a used single-use signed link
 * - `suppression`: `SUPPRESS#<normalized address>` / `SUPPRESS`, no more customer mail to it
 * - `contact`: `CONTACT#<siteId>#<hash>` / `CONTACT`, the double opt-in state of one normalized
 *   address at one site; `heldNotice`: `CONTACT#<siteId>#<hash>` / `HELD#<requestedAt>#<noticeId>`,
 *   a customer notice waiting for the confirmation; `lapse`: `LAPSE#<day>` / `<dueAt>#<caseId>`, a
 *   case whose consent lapses if still unconfirmed; `confirmQuota`: `CONFIRMQUOTA#<siteId>` /
 *   `<hour>`, confirmations sent that hour (shared/repository/contact-item.ts)
 * - `problem`: `PROBLEM#<problemId>` / `PROBLEM`; `problemCase`: `PROBLEM#<problemId>` /
 *   `CASE#<caseId>`, one per linked case; `problemCheck`: `PROBLEMCHECK` / `<dueAt>#<problemId>`,
 *   a resolved problem's before/after verification still to run (shared/repository/problem-item.ts)
 * - `checkpoint`: `RECONCILE#intake` / `CHECKPOINT`, how far the intake reconciler has checked
 *   (shared/repository/arrival.ts)
 * - `journeyEvent`, `invitation`, `contactState`, `contactLog`: the ask side's journey events,
 *   survey invitations and contact limits (shared/repository/invitation-item.ts)
 * - `poster`: `POSTER#<posterId>` / `POSTER`, a touchpoint's reusable survey code;
 *   `posterPointer`: `POSTERFOR#<siteId>#<touchpoint>` / `POSTER`, which poster that is
 *   (shared/repository/poster-item.ts)
 * - `knownIssue`: `KNOWN#<siteId>` / `PROBLEM#<problemId>`, a public problem on a site's
 *   known-issues page; `subscription`: `PROBLEM#<problemId>` / `SUB#<hash>#<siteId>`, a "notify me";
 *   `subscribed`: `CONTACT#<siteId>#<hash>` / `SUBSCRIBED#<problemId>`, its pointer for erasure;
 *   `broadcast`: `BROADCASTS` / `<problemId>#<n>`, a resolution's fan-out still to do
 *   (shared/repository/known-issue-item.ts)
 * - `webhookEndpoint`: `WEBHOOK#<channel>:<id>` / `STATE`, an outbound endpoint disabled after it
 *   answered 410 (shared/repository/webhook-item.ts)
 */
export const itemTypes = {
  feedback: 'feedback',
  outbox: 'outbox',
  webhookEndpoint: 'webhookEndpoint',
  case: 'case',
  event: 'event',
  triaged: 'triaged',
  metric: 'metric',
  cursor: 'cursor',
  counter: 'counter',
  notice: 'notice',
  token: 'token',
  suppression: 'suppression',
  problem: 'problem',
  problemCase: 'problemCase',
  problemCheck: 'problemCheck',
  contact: 'contact',
  heldNotice: 'heldNotice',
  lapse: 'lapse',
  confirmQuota: 'confirmQuota',
  checkpoint: 'checkpoint',
  unsubscribeKey: 'unsubscribeKey',
  journeyEvent: 'journeyEvent',
  invitation: 'invitation',
  contactState: 'contactState',
  contactLog: 'contactLog',
  firstSeen: 'firstSeen',
  metricRollup: 'metricRollup',
  poster: 'poster',
  posterPointer: 'posterPointer',
  caseRef: 'caseRef',
  knownIssue: 'knownIssue',
  subscription: 'subscription',
  subscribed: 'subscribed',
  broadcast: 'broadcast',
} as const;
