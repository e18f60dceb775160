import type { Clock } from '../../shared/clock.ts';
import { IdempotencyConflict } from '../../shared/domain/errors.ts';
import {
  bodyHashOf,
  type Feedback,
  type FeedbackInput,
  feedbackIdFor,
} from '../../shared/domain/feedback.ts';
import type { FeedbackStore } from '../../shared/domain/ports.ts';

export interface AcceptDeps {
  feedback: FeedbackStore;
  clock: Clock;
  newId: () => string;
}

export interface AcceptCommand {
  input: FeedbackInput;
  idempotencyKey?: string;
  origin?: string;
  /** The credential it came with (undefined only when authentication had nothing to check). */
  keyKind?: 'site' | 'server';
}

export interface Accepted {
  feedbackId: string;
  /** True when this answered an earlier request with the same key and body. */
  replayed: boolean;
}

/** Stores a validated feedback once; the table's stream hands it to triage. */
export async function acceptFeedback(cmd: AcceptCommand, deps: AcceptDeps): Promise<Accepted> {
  const bodyHash = bodyHashOf(cmd.input);
  const feedbackId = cmd.idempotencyKey
    ? feedbackIdFor(cmd.input.siteId, cmd.idempotencyKey)
    : `fb_${deps.newId()}`;
  const feedback: Feedback = {
    ...cmd.input,
    feedbackId,
    receivedAt: deps.clock.now().toISOString(),
    bodyHash,
    idempotencyKey: cmd.idempotencyKey,
    origin: cmd.origin,
    keyKind: cmd.keyKind,
  };
  const result = await deps.feedback.putNew(feedback);
  if (result.created) return { feedbackId, replayed: false };
  if (result.existing.bodyHash !== bodyHash) throw new IdempotencyConflict(feedbackId);
  return { feedbackId, replayed: true };
}
