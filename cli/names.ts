/**
 * The deployed resources' names, derived from the stage the way infra/ names them (the queue and
 * secret names are explicit in the stateful stack; tests/unit/cli.test.ts checks each against the
 * synthesized template, so they cannot drift). The CLI never imports infra/: that would load the CDK.
 */
import { dlqName, type QueueName, queues } from '../shared/queues.ts';

export const STAGES = ['dev', 'prod'] as const;
export type Stage = (typeof STAGES)[number];

export const prefixOf = (stage: Stage) => `closeloop-${stage}`;

/** CloudFormation names the table `<stack>-<logical id>-<random>` (no explicit name in the stack). */
export const tableNamePrefix = (stage: Stage) => `Closeloop-${stage}-Stateful-Table`;

/** infra/stateful-stack.ts `serverKeySecretName`. */
export const serverKeySecretName = (stage: Stage, siteId: string) =>
  `closeloop/${stage}/server-key/${siteId}`;

/** infra/staff-auth.ts `userPoolName`. */
export const userPoolName = (stage: Stage) => `${prefixOf(stage)}-staff`;

export interface DeadLetterQueue {
  /** What the operator types: `triage`, `notify`, `webhooks`, `triage-pipe`. */
  key: string;
  name: string;
  /** The queue its messages came from; none for the Pipe's DLQ (its source is the table stream). */
  sourceName?: string;
}

export function deadLetterQueues(stage: Stage): DeadLetterQueue[] {
  const prefix = prefixOf(stage);
  const fromQueues = (Object.keys(queues) as QueueName[]).map((key) => ({
    key: queues[key].name,
    name: `${prefix}-${dlqName(queues[key].name)}`,
    sourceName: `${prefix}-${queues[key].name}`,
  }));
  // Neither the Pipe's DLQ nor the webhook rules' holds messages of a queue: nothing to move back.
  return [
    ...fromQueues,
    { key: 'triage-pipe', name: `${prefix}-${dlqName('triage-pipe')}` },
    { key: 'webhook-routes', name: `${prefix}-${dlqName('webhook-routes')}` },
  ];
}

/** infra/stateful-stack.ts: the work queues are `closeloop-<stage>-<name>`. */
export const workQueueName = (stage: Stage, key: QueueName) => `${prefixOf(stage)}-${queues[key].name}`;

/** infra/stateful-stack.ts: the event bus is `closeloop-<stage>`. */
export const busName = (stage: Stage) => prefixOf(stage);
