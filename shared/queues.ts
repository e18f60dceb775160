/**
 * The queues of the loop, shared by the CDK stack and the local stack. Each has a DLQ; a message
 * that fails `maxReceiveCount` times moves there instead of blocking the rest.
 */
export const queues = {
  triage: { name: 'triage', visibilityTimeoutSeconds: 60, maxReceiveCount: 5 },
  // Staff and customer notices each have a queue, so a flood of one never delays the other. The
  // staff queue keeps the name (and so the CloudFormation id) of the single queue before it: an
  // upgrade keeps that queue and its DLQ with what they hold, and notify still reads it.
  staffNotices: { name: 'notify', visibilityTimeoutSeconds: 60, maxReceiveCount: 8 },
  customerNotices: { name: 'notify-customer', visibilityTimeoutSeconds: 60, maxReceiveCount: 8 },
} as const;

export type QueueName = keyof typeof queues;
export const dlqName = (name: string) => `${name}-dlq`;
