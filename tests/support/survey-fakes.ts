/** In-memory stand-ins of the survey page's ports: posters, invitations and stored feedback. */
import type { Feedback } from '../../shared/domain/feedback.ts';
import type { ContactLogEntry, ContactState, Invitation } from '../../shared/domain/invitation.ts';
import type { InvitationChange, InvitationStore } from '../../shared/domain/invitation-ports.ts';
import type { FeedbackStore } from '../../shared/domain/ports.ts';
import type { Poster, PosterStore } from '../../shared/domain/poster.ts';

export class MemoryPosters implements PosterStore {
  readonly byId = new Map<string, Poster>();
  async get(posterId: string) {
    return this.byId.get(posterId);
  }
  async getOrCreate(candidate: Poster) {
    for (const p of this.byId.values()) {
      if (p.siteId === candidate.siteId && p.touchpoint === candidate.touchpoint) return p;
    }
    this.byId.set(candidate.posterId, candidate);
    return candidate;
  }
}

export class MemoryFeedback implements FeedbackStore {
  readonly items = new Map<string, Feedback>();
  async putNew(feedback: Feedback) {
    const existing = this.items.get(feedback.feedbackId);
    if (existing) return { created: false as const, existing };
    this.items.set(feedback.feedbackId, feedback);
    return { created: true as const };
  }
}

/** Applies changes as the DynamoDB adapter does: all or nothing, each write on its version. */
export class MemoryInvitations implements InvitationStore {
  readonly invitations = new Map<string, Invitation>();
  readonly states = new Map<string, ContactState>();
  readonly log: ContactLogEntry[] = [];
  readonly feedback = new Map<string, Feedback>();
  readonly applied: InvitationChange[] = [];
  /** Runs before each apply: a test moves the invitation under the answer here. */
  beforeApply?: () => void;

  async get(invitationId: string) {
    const inv = this.invitations.get(invitationId);
    return inv && structuredClone(inv);
  }
  async due(_shard: string, _dueBy: string, _onPage: (invitationIds: string[]) => Promise<void>) {}
  async contactState(contactKey: string) {
    return structuredClone(this.states.get(contactKey) ?? { sentAt: [], version: 0 });
  }
  async apply(change: InvitationChange) {
    this.beforeApply?.();
    const current = this.invitations.get(change.invitation.invitationId);
    if (
      change.expectedVersion === undefined
        ? current !== undefined
        : current?.version !== change.expectedVersion
    ) {
      return false;
    }
    if (
      change.contact &&
      (this.states.get(change.contact.contactKey)?.version ?? 0) !== change.contact.expectedVersion
    ) {
      return false;
    }
    if (change.feedback && this.feedback.has(change.feedback.feedbackId)) return false;
    this.invitations.set(change.invitation.invitationId, structuredClone(change.invitation));
    if (change.contact) this.states.set(change.contact.contactKey, structuredClone(change.contact.state));
    this.log.push(...change.log);
    if (change.feedback) this.feedback.set(change.feedback.feedbackId, change.feedback);
    this.applied.push(change);
    return true;
  }
  async markOpened(invitation: Invitation, at: string) {
    const inv = this.invitations.get(invitation.invitationId);
    if (inv && !inv.openedAt) inv.openedAt = at;
  }
  async contactLog() {
    return [...this.log].reverse();
  }
}
