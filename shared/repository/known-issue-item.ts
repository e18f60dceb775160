/**
 * Key formats of the known-issues page and its "notify me" subscriptions (docs/known-issues.md).
 *
 * - `knownIssue`: `KNOWN#<siteId>` / `PROBLEM#<problemId>`, one per site a public problem is shown
 *   on: which problems the site's page lists, one Query per page. Only the pointer: the page reads
 *   the problem item itself for its public title, message, status and resolution time.
 * - `subscription`: `PROBLEM#<problemId>` / `SUB#<hash>#<siteId>`, one person who asked to be told
 *   when the problem is fixed, in the problem's own partition, so a resolution reads its
 *   subscribers page by page. Keyed by the contact hash (shared/domain/contact.ts), never the
 *   address; the address sits in the item, where erasure deletes it.
 * - `subscribed`: `CONTACT#<siteId>#<hash>` / `SUBSCRIBED#<problemId>`, the pointer back in the
 *   contact's partition: erasing the contact finds its subscriptions there.
 * - `broadcast`: `BROADCASTS` / `<problemId>#<resolution>`, a resolution's fan-out still to do: the
 *   staff stakeholder mails and the subscribers' mails, with a cursor (core/problems/broadcast.ts).
 */
import type { ContactRef } from '../domain/contact.ts';
import type { BroadcastJob } from '../domain/known-issue-ports.ts';
import { itemTypes } from '../table.ts';
import { contactKey } from './contact-item.ts';
import { problemPk } from './problem-item.ts';

export const knownIssuePk = (siteId: string) => `KNOWN#${siteId}`;
export const knownIssueKey = (siteId: string, problemId: string) => ({
  pk: knownIssuePk(siteId),
  sk: `PROBLEM#${problemId}`,
});

export interface KnownIssueItem {
  pk: string;
  sk: string;
  type: typeof itemTypes.knownIssue;
  siteId: string;
  problemId: string;
}

export const SUBSCRIPTION_PREFIX = 'SUB#';
export const subscriptionKey = (problemId: string, ref: ContactRef) => ({
  pk: problemPk(problemId),
  sk: `${SUBSCRIPTION_PREFIX}${ref.hash}#${ref.siteId}`,
});

export interface SubscriptionItem {
  pk: string;
  sk: string;
  type: typeof itemTypes.subscription;
  problemId: string;
  siteId: string;
  hash: string;
  /** Where the resolution mail goes, as typed (limits and dedupe use the hash). */
  email: string;
  locale?: string;
  createdAt: string;
}

export const SUBSCRIBED_PREFIX = 'SUBSCRIBED#';
export const subscribedKey = (ref: ContactRef, problemId: string) => ({
  pk: contactKey(ref).pk,
  sk: `${SUBSCRIBED_PREFIX}${problemId}`,
});

/**
 * A subscription's id: what its emails' unsubscribe links name instead of a case (its own key is
 * kept under this id, like a case's or an invitation's) and what finds the address to suppress.
 */
export const subscriptionIdOf = (problemId: string, ref: ContactRef) =>
  `sub_${problemId}.${ref.siteId}.${ref.hash}`;

export function parseSubscriptionId(id: string): { problemId: string; ref: ContactRef } | undefined {
  const m = /^sub_(prb_[A-Za-z0-9_-]{1,100})\.([a-z0-9][a-z0-9_-]{0,63})\.([A-Za-z0-9_-]{32})$/.exec(id);
  return m ? { problemId: m[1] as string, ref: { siteId: m[2] as string, hash: m[3] as string } } : undefined;
}

export const BROADCASTS_PK = 'BROADCASTS';
export const broadcastKey = (problemId: string, resolution: number) => ({
  pk: BROADCASTS_PK,
  sk: `${problemId}#${resolution}`,
});
export const toBroadcastItem = (job: BroadcastJob) => ({
  ...broadcastKey(job.problemId, job.resolution),
  type: itemTypes.broadcast,
  ...job,
});
