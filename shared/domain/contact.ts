/**
 * Double opt-in for addresses the shop did not vouch for (docs/threat-model.md): the rules, pure.
 * An address given through the public site key is unconfirmed until its owner follows the
 * confirmation link; until then customer notices to it wait, and the only mail it can get is one
 * `customer_confirm` per normalized address per day, within a per-site hourly quota.
 */
import { createHash } from 'node:crypto';
import { normalizeAddress } from './address.ts';
import { DAY_MS, HOUR_MS } from './time.ts';

export type ContactStatus = 'unconfirmed' | 'confirmed';

/** One person at one site; `hash` names the normalized address without carrying it. */
export interface ContactRef {
  siteId: string;
  hash: string;
}

/** At most one confirmation email per normalized address in this window. */
export const CONFIRMATION_INTERVAL_MS = DAY_MS;
/** Unconfirmed this long after its case opened: the case's contact consent lapses. */
export const CONFIRMATION_GRACE_MS = 7 * DAY_MS;
/** Cases whose held notices one confirmation releases (the newest): a confirmation is not a burst. */
export const MAX_RELEASED_CASES = 5;

export function contactRefOf(siteId: string, email: string): ContactRef {
  const hash = createHash('sha256').update(normalizeAddress(email)).digest('base64url').slice(0, 32);
  return { siteId, hash };
}

/** `<siteId>.<hash>`: what a confirmation link carries instead of the address. */
export const contactIdOf = (ref: ContactRef) => `${ref.siteId}.${ref.hash}`;

export function parseContactId(id: string): ContactRef | undefined {
  const m = /^([a-z0-9][a-z0-9_-]{0,63})\.([A-Za-z0-9_-]{32})$/.exec(id);
  return m ? { siteId: m[1] as string, hash: m[2] as string } : undefined;
}

export type MailGate = 'send' | 'hold';

/** A customer notice goes out when the shop vouched for the address or its owner confirmed it. */
export function gateCustomerMail(status: ContactStatus, vouched: boolean): MailGate {
  return vouched || status === 'confirmed' ? 'send' : 'hold';
}

/** The hour a per-site confirmation quota counts in (`YYYY-MM-DDTHH`, UTC). */
export const quotaHourOf = (at: Date) => at.toISOString().slice(0, 13);

/** Seconds until the quota hour of `at` ends (when a refused confirmation may be tried again). */
export function secondsToNextQuotaHour(at: Date): number {
  const next = Math.floor(at.getTime() / HOUR_MS) * HOUR_MS + HOUR_MS;
  return Math.ceil((next - at.getTime()) / 1000);
}

/** Whether a confirmation may go out now, given when the last one went (ISO), per address. */
export function confirmationDue(lastSentAt: string | undefined, now: Date): boolean {
  if (lastSentAt === undefined) return true;
  return now.getTime() - Date.parse(lastSentAt) >= CONFIRMATION_INTERVAL_MS;
}

/** When the case's consent lapses if its address is still unconfirmed. */
export const lapseDueAt = (caseCreatedAt: string) =>
  new Date(Date.parse(caseCreatedAt) + CONFIRMATION_GRACE_MS);

export interface HeldNotice<N> {
  caseId: string;
  requestedAt: string;
  notice: N;
}

/**
 * What a confirmation releases: per case only its latest held notice (received → the latest
 * state), for the newest `MAX_RELEASED_CASES` cases; the rest is dropped.
 */
export function noticesToRelease<N>(
  held: readonly HeldNotice<N>[],
  /** How far along the case a notice tells (received < progress < resolved): breaks same-instant ties. */
  stageOf: (notice: N) => number = () => 0,
): {
  release: HeldNotice<N>[];
  drop: HeldNotice<N>[];
} {
  const later = (a: HeldNotice<N>, b: HeldNotice<N>) =>
    a.requestedAt > b.requestedAt ||
    (a.requestedAt === b.requestedAt && stageOf(a.notice) > stageOf(b.notice));
  const latest = new Map<string, HeldNotice<N>>();
  for (const h of held) {
    const seen = latest.get(h.caseId);
    if (!seen || later(h, seen)) latest.set(h.caseId, h);
  }
  const newest = [...latest.values()].sort((a, b) => b.requestedAt.localeCompare(a.requestedAt));
  const release = newest.slice(0, MAX_RELEASED_CASES);
  const kept = new Set(release);
  return { release, drop: held.filter((h) => !kept.has(h)) };
}
