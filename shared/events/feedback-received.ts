import * as z from 'zod/mini';
import '../zod-locale.ts';
import { itemTypes } from '../table.ts';
import { defineEvent } from './contract.ts';

/**
 * What the triage queue carries: a pointer to stored feedback, never the feedback itself. Triage
 * also publishes it on the event bus once the feedback is triaged, when a webhook asks for it
 * (with `siteId` and `receivedAt`, added within v1: optional, so old readers ignore them); the
 * webhooks consumer reads the feedback itself.
 */
export const feedbackReceived = defineEvent(
  'feedback.received',
  1,
  z.object({
    type: z.literal('feedback.received'),
    version: z.literal(1),
    feedbackId: z.string().check(z.minLength(1)),
    siteId: z.optional(z.string().check(z.minLength(1))),
    receivedAt: z.optional(z.iso.datetime()),
  }),
);
export type FeedbackReceived = z.infer<typeof feedbackReceived.schema>;

/**
 * In AWS an EventBridge Pipe moves stream records to the triage queue with this filter and
 * template; the local stream pump applies `toTriageMessage` below, which must agree with them.
 */
export const pipeFilterPattern = {
  eventName: ['INSERT'],
  dynamodb: { NewImage: { type: { S: [itemTypes.feedback] } } },
};
export const pipeInputTemplate = `{"type":"${feedbackReceived.name}","version":${feedbackReceived.version},"feedbackId":"<$.dynamodb.NewImage.feedbackId.S>"}`;

interface StreamRecordLike {
  eventName?: string;
  dynamodb?: { NewImage?: Record<string, { S?: string } | undefined> };
}

export function toTriageMessage(record: StreamRecordLike): FeedbackReceived | undefined {
  const image = record.dynamodb?.NewImage;
  if (record.eventName !== 'INSERT' || image?.type?.S !== itemTypes.feedback) return undefined;
  const feedbackId = image.feedbackId?.S;
  if (!feedbackId) return undefined;
  return { type: 'feedback.received', version: 1, feedbackId };
}
