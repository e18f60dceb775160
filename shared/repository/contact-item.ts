/**
 * Key formats of the double opt-in (shared/domain/contact.ts): a contact's state, the customer
 * notices held for it, the per-case consent lapses, the per-site confirmation quota. Contacts are
 * keyed by a hash of the normalized address: the address itself stays on the feedback and in the
 * held notice (which expires), where erasure finds it.
 */
import type { ContactRef, ContactStatus } from '../domain/contact.ts';
import { DAY_MS } from '../domain/time.ts';
import type { itemTypes } from '../table.ts';

export const contactKey = (ref: ContactRef) => ({ pk: `CONTACT#${ref.siteId}#${ref.hash}`, sk: 'CONTACT' });

export interface ContactItem {
  pk: string;
  sk: 'CONTACT';
  type: typeof itemTypes.contact;
  siteId: string;
  status: ContactStatus;
  /** When the last confirmation email was reserved (at most one per interval). */
  confirmationSentAt?: string;
  confirmedAt?: string;
  confirmedVia?: 'link' | 'server_key';
}

export const HELD_PREFIX = 'HELD#';

export const heldKey = (ref: ContactRef, requestedAt: string, noticeId: string) => ({
  pk: contactKey(ref).pk,
  sk: `${HELD_PREFIX}${requestedAt}#${noticeId}`,
});

export interface HeldNoticeItem {
  pk: string;
  sk: string;
  type: typeof itemTypes.heldNotice;
  caseId: string;
  requestedAt: string;
  /** The `notice.requested` message as it reached notify. */
  notice: Record<string, unknown>;
  expiresAt: number;
}

/** Held notices outlive the grace period by a day, then expire whether released or not. */
export const heldExpiry = (at: Date) => Math.floor((at.getTime() + 8 * DAY_MS) / 1000);

/** One partition per UTC day of the due time: the minute sweep reads today's and yesterday's. */
export const lapseDay = (dueAt: Date) => dueAt.toISOString().slice(0, 10);

export const lapseKey = (dueAt: Date, caseId: string) => ({
  pk: `LAPSE#${lapseDay(dueAt)}`,
  sk: `${dueAt.toISOString()}#${caseId}`,
});

export interface LapseItem {
  pk: string;
  sk: string;
  type: typeof itemTypes.lapse;
  caseId: string;
  siteId: string;
  hash: string;
  dueAt: string;
  expiresAt: number;
}

export const quotaKey = (siteId: string, hour: string) => ({ pk: `CONFIRMQUOTA#${siteId}`, sk: hour });

export interface QuotaItem {
  pk: string;
  sk: string;
  type: typeof itemTypes.confirmQuota;
  count: number;
  expiresAt: number;
}
