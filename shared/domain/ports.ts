import type { Feedback } from './feedback.ts';

export type PutNewResult = { created: true } | { created: false; existing: Feedback };

export interface FeedbackStore {
  /** Stores the feedback unless one with its id exists; then answers the stored one. */
  putNew(feedback: Feedback): Promise<PutNewResult>;
}
