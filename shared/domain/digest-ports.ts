/** Ports of the weekly digest (functions/digest); DynamoDB adapters in shared/adapters/digest-store.ts. */
import type { CaseStatus } from './case.ts';
import type { OutboxEntry } from './outbox.ts';

/** Statuses of a case that is still being worked (not resolved or closed). */
export const openStatuses: readonly CaseStatus[] = [
  'open',
  'acknowledged',
  'waiting_on_customer',
  'reopened',
];

/** What the digest reads of an open case. */
export interface OpenCaseFacts {
  status: CaseStatus;
  acknowledgeBy: string;
  resolveBy: string;
}

export interface DigestCaseReader {
  /** Every case of the team that is not resolved or closed (the cases-by-team index, every page). */
  openCases(teamId: string): Promise<OpenCaseFacts[]>;
}

export interface DigestOutbox {
  /** Writes the outbox item unless one with its id exists (conditional put): `exists` then. */
  queue(entry: OutboxEntry, at: Date): Promise<'queued' | 'exists'>;
}
