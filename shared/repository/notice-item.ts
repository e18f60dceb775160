/**
 * Key formats of what the notify function and the signed links write (see shared/table.ts).
 * Addresses in sort keys are hashed: the claim exists to make a notice unique, not to store who
 * it went to (the address stays on the feedback, where erasure finds it).
 */
import { createHash } from 'node:crypto';
import { normalizeAddress } from '../domain/address.ts';
import type { NoticeKey, NoticeStatus } from '../domain/notice-ports.ts';
import { type itemTypes, table } from '../table.ts';
import { shardOf } from './shard.ts';

export const normalizeEmail = (email: string) => email.trim().toLowerCase();
export const addressHash = (email: string) =>
  createHash('sha256').update(normalizeEmail(email)).digest('base64url').slice(0, 32);

const NOTICE_PREFIX = 'NOTICE#';
const TO_PREFIX = 'TO#';

export const noticeKey = (noticeId: string, email: string) => noticeKeyOfHash(noticeId, addressHash(email));

export const noticeKeyOfHash = (noticeId: string, hash: string) => ({
  pk: `${NOTICE_PREFIX}${noticeId}`,
  sk: `${TO_PREFIX}${hash}`,
});

/** The notice id and recipient hash a claim's keys name. */
export function claimOfKeys(pk: string, sk: string): { noticeId: string; hash: string } | undefined {
  if (!pk.startsWith(NOTICE_PREFIX) || !sk.startsWith(TO_PREFIX)) return undefined;
  return { noticeId: pk.slice(NOTICE_PREFIX.length), hash: sk.slice(TO_PREFIX.length) };
}

// ---- leases -------------------------------------------------------------------------------------

/**
 * A claim is a lease: `sending` until `leaseUntil`. While open (`sending` or `released`) the claim
 * carries `timerShard` (`LEASE#00`..`LEASE#15`, from the notice id) and `dueAt` (the lease's end),
 * so it sits in the sparse `timers` index the SLA sweep uses (under partitions the sweep never
 * asks for) and the notice reconciler finds expired leases without a scan. Settling removes both.
 */
export const leaseShards: readonly string[] = Array.from(
  { length: table.timersIndex.shards },
  (_, i) => `LEASE#${String(i).padStart(2, '0')}`,
);

export const leaseIndexFields = (noticeId: string, dueAt: Date) => ({
  [table.timersIndex.partitionKey]: leaseShards[shardOf(noticeId, leaseShards.length)] as string,
  [table.timersIndex.sortKey]: dueAt.toISOString(),
});

/** Attributes an open claim carries and a settled one does not. */
export const leaseAttributes = [
  table.timersIndex.partitionKey,
  table.timersIndex.sortKey,
  'leaseUntil',
  'notice',
] as const;

/**
 * SES message tags naming the claim, so the configuration set's send and delivery events can settle
 * it (functions/ses-events). Tag values allow letters, digits, `_ - . @` only: the notice id goes
 * base64url-encoded, the recipient as the claim's address hash (never the address).
 */
export const NOTICE_TAG = 'closeloop-notice';
export const RECIPIENT_TAG = 'closeloop-to';
const MAX_TAG_VALUE = 256;

export function claimTags(key: NoticeKey): { name: string; value: string }[] {
  const notice = Buffer.from(key.noticeId, 'utf8').toString('base64url');
  if (notice.length > MAX_TAG_VALUE) return [];
  return [
    { name: NOTICE_TAG, value: notice },
    { name: RECIPIENT_TAG, value: addressHash(key.email) },
  ];
}

/** The claim a sent message's tags name (SES events list each tag's values), if they name one. */
export function claimOfTags(
  tags: Readonly<Record<string, readonly string[] | undefined>> | undefined,
): { noticeId: string; hash: string } | undefined {
  const notice = tags?.[NOTICE_TAG]?.[0];
  const hash = tags?.[RECIPIENT_TAG]?.[0];
  if (!notice || !hash || !/^[A-Za-z0-9_-]+$/.test(notice) || !/^[A-Za-z0-9_-]{1,64}$/.test(hash))
    return undefined;
  const noticeId = Buffer.from(notice, 'base64url').toString('utf8');
  return noticeId ? { noticeId, hash } : undefined;
}

export interface NoticeItem {
  pk: string;
  sk: string;
  type: typeof itemTypes.notice;
  noticeId: string;
  kind: string;
  caseId?: string;
  /** `released`: a lease ran out with no sign of a send; the notice was queued again. */
  status: NoticeStatus | 'sending' | 'released';
  /** Who holds a `sending` claim: only they may release or complete it. */
  claimToken?: string;
  claimedAt: string;
  /** How many leases were taken (the first delivery, then at most one re-queue). */
  leases?: number;
  leaseUntil?: string;
  /** The notice as queued (JSON), kept while the claim is open so it can be queued again. */
  notice?: string;
  timerShard?: string;
  dueAt?: string;
  settledAt?: string;
  messageId?: string;
  error?: string;
  /** Kept well past the queue's retention (14 days) and the DLQ's, then expires. */
  expiresAt: number;
}

export const NOTICE_RETENTION_SECONDS = 90 * 86_400;

export const tokenKey = (jti: string) => ({ pk: `TOKEN#${jti}`, sk: 'TOKEN' as const });

export interface TokenItem {
  pk: string;
  sk: 'TOKEN';
  type: typeof itemTypes.token;
  jti: string;
  usedAt: string;
  act: string;
  caseId?: string;
  /** The link's own expiry plus a day: after that it is refused as expired anyway. */
  expiresAt: number;
}

/** Normalized, so unsubscribing `victim@` also covers `Victim+2@` (shared/domain/address.ts). */
export const suppressionKey = (email: string) => ({
  pk: `SUPPRESS#${normalizeAddress(email)}`,
  sk: 'SUPPRESS' as const,
});

export interface SuppressionItem {
  pk: string;
  sk: 'SUPPRESS';
  type: typeof itemTypes.suppression;
  email: string;
  reason: string;
  at: string;
  detail?: Record<string, unknown>;
}

/**
 * A case's own key for its unsubscribe links (docs/design.md#signed-links): random, made with the
 * case's first customer email, and never rotated, so a year-old link still verifies. It names the
 * case, not the address (the address stays on the feedback, where erasure finds it).
 */
export const unsubscribeKeyKey = (caseId: string) => ({ pk: `UNSUBSCRIBE#${caseId}`, sk: 'KEY' as const });

export interface UnsubscribeKeyItem {
  pk: string;
  sk: 'KEY';
  type: typeof itemTypes.unsubscribeKey;
  caseId: string;
  key: string;
  createdAt: string;
  /** Kept while a link made with it may still be followed (see `UNSUBSCRIBE_KEY_SECONDS`). */
  expiresAt: number;
}

/** Two unsubscribe-link lifetimes: renewed when a new link would outlive what is left. */
export const UNSUBSCRIBE_KEY_SECONDS = 2 * 365 * 86_400;
