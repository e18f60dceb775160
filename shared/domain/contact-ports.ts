/** Ports of the double opt-in (core/contacts); the DynamoDB adapter is shared/adapters/contact-store.ts. */
import type { NoticeRequested } from '../events/notice-requested.ts';
import type { TimelineEvent } from './case.ts';
import type { ContactRef, ContactStatus, HeldNotice } from './contact.ts';

export type Held = HeldNotice<NoticeRequested>;

/** A case whose contact consent lapses at `dueAt` unless its address was confirmed by then. */
export interface Lapse {
  caseId: string;
  ref: ContactRef;
  dueAt: string;
}

export interface ContactStore {
  /** `unconfirmed` when the address was never seen at this site. */
  status(ref: ContactRef): Promise<ContactStatus>;
  /**
   * Stamps a confirmation for `now` unless the address is confirmed or had one within the
   * interval (a conditional write, so concurrent notices reserve it once). True when reserved.
   */
  reserveConfirmation(ref: ContactRef, now: Date): Promise<boolean>;
  /** Takes back our own stamp (the site's quota refused the confirmation). */
  unreserveConfirmation(ref: ContactRef, now: Date): Promise<void>;
  /** One unit of the site's hourly confirmation quota; false when `limit` are used this hour. */
  takeQuota(siteId: string, now: Date, limit: number): Promise<boolean>;
  hold(ref: ContactRef, held: Held, now: Date): Promise<void>;
  /** Idempotent: one lapse per case. */
  scheduleLapse(lapse: Lapse): Promise<void>;
  /** Every held notice of the contact. */
  held(ref: ContactRef): Promise<Held[]>;
  /**
   * Marks the contact confirmed and queues `release` (through the outbox) in one transaction.
   * `already` when it was confirmed before (then `release` is queued on its own).
   */
  confirm(
    ref: ContactRef,
    now: Date,
    via: 'link' | 'server_key',
    release: NoticeRequested[],
  ): Promise<'confirmed' | 'already'>;
  dropHeld(ref: ContactRef, held: readonly Held[]): Promise<void>;
  /** Lapses due at or before `now` (today's and yesterday's, UTC). */
  dueLapses(now: Date): Promise<Lapse[]>;
  /**
   * The case's consent → false with its timeline event, and the lapse removed, in one
   * transaction; `not_applicable` when the case is gone or its consent is already false.
   */
  lapse(lapse: Lapse, event: TimelineEvent, now: Date): Promise<'lapsed' | 'not_applicable'>;
  clearLapse(lapse: Lapse): Promise<void>;
  /** The contact, its held notices (erasure). */
  erase(ref: ContactRef): Promise<void>;
}
