/**
 * Key formats of what the notify function and the signed links write (see shared/table.ts).
 * Addresses in sort keys are hashed: the claim exists to make a notice unique, not to store who
 * it went to (the address stays on the feedback, where erasure finds it).
 */
import { createHash } from 'node:crypto';
import { normalizeAddress } from '../domain/address.ts';
import type { NoticeStatus } from '../domain/notice-ports.ts';
import type { itemTypes } from '../table.ts';

export const normalizeEmail = (email: string) => email.trim().toLowerCase();
const addressHash = (email: string) =>
  createHash('sha256').update(normalizeEmail(email)).digest('base64url').slice(0, 32);

export const noticeKey = (noticeId: string, email: string) => ({
  pk: `NOTICE#${noticeId}`,
  sk: `TO#${addressHash(email)}`,
});

export interface NoticeItem {
  pk: string;
  sk: string;
  type: typeof itemTypes.notice;
  noticeId: string;
  kind: string;
  caseId?: string;
  status: NoticeStatus | 'sending';
  /** Who holds a `sending` claim: only they may release or complete it. */
  claimToken?: string;
  claimedAt: string;
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
