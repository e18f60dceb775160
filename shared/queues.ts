/**
 * The queues of the loop, shared by the CDK stack and the local stack. Each has a DLQ; a message
 * that fails `maxReceiveCount` times moves there instead of blocking the rest. `maxConcurrency`
 * caps the consumer's concurrent invocations on the queue (its event source mapping), so a backlog
 * cannot flood the table, or SES past its send rate.
 */
export const queues = {
  triage: { name: 'triage', visibilityTimeoutSeconds: 60, maxReceiveCount: 5, maxConcurrency: 5 },
  // Staff and customer notices each have a queue, so a flood of one never delays the other. The
  // staff queue keeps the name (and so the CloudFormation id) of the single queue before it: an
  // upgrade keeps that queue and its DLQ with what they hold, and notify still reads it.
  staffNotices: { name: 'notify', visibilityTimeoutSeconds: 60, maxReceiveCount: 8, maxConcurrency: 2 },
  customerNotices: {
    name: 'notify-customer',
    visibilityTimeoutSeconds: 60,
    maxReceiveCount: 8,
    maxConcurrency: 2,
  },
  // One message per webhook endpoint (or Slack) and event. The consumer sets each failed
  // delivery's visibility to its backoff and dead-letters it itself 24 h after the event (about 30
  // attempts, 10 more after a redrive), so this maxReceiveCount is only a backstop above both.
  webhooks: { name: 'webhooks', visibilityTimeoutSeconds: 60, maxReceiveCount: 50, maxConcurrency: 2 },
} as const;

export type QueueName = keyof typeof queues;
export const dlqName = (name: string) => `${name}-dlq`;
