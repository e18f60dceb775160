/**
 * The queues of the loop, shared by the CDK stack and the local stack. Each has a DLQ; a message
 * that fails `maxReceiveCount` times moves there instead of blocking the rest.
 */
export const queues = {
  triage: { name: 'triage', visibilityTimeoutSeconds: 60, maxReceiveCount: 5 },
  notify: { name: 'notify', visibilityTimeoutSeconds: 60, maxReceiveCount: 8 },
} as const;

export type QueueName = keyof typeof queues;
export const dlqName = (name: string) => `${name}-dlq`;
