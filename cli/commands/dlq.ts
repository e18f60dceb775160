/**
 * `dlq list | redrive`: the stage's dead-letter queues (names derived as the stateful stack
 * names them: `closeloop-<stage>-<queue>-dlq`, plus the feedback Pipe's `triage-pipe-dlq`).
 * Listing peeks with a zero visibility timeout, so the messages stay where they are; a redrive is
 * SQS's own message move task back to the queue the messages came from.
 */
import {
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  QueueDoesNotExist,
  ReceiveMessageCommand,
  type SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import type { Command } from 'commander';
import * as z from 'zod';
import { CliError } from '../errors.ts';
import { type DeadLetterQueue, deadLetterQueues, type Stage } from '../names.ts';
import type { Context } from '../program.ts';

const listSchema = z.object({
  peek: z.coerce
    .number({ error: 'must be a number' })
    .int('must be an integer')
    .min(0, 'must be between 0 and 10')
    .max(10, 'must be between 0 and 10'),
});

const redriveSchema = z.object({
  queue: z.string().min(1, 'must not be empty'),
  dryRun: z.boolean().default(false),
});

interface QueueState {
  url: string;
  arn: string;
  visible: number;
  inFlight: number;
}

/** The error SQS answers for a queue name that does not exist (either protocol's spelling). */
export const isMissingQueue = (error: unknown) =>
  error instanceof QueueDoesNotExist || (error as Error).name === 'AWS.SimpleQueueService.NonExistentQueue';

async function queueState(sqs: SQSClient, name: string): Promise<QueueState | undefined> {
  let url: string | undefined;
  try {
    url = (await sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl;
  } catch (error) {
    if (isMissingQueue(error)) return undefined;
    throw error;
  }
  if (!url) return undefined;
  const { Attributes: a = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['QueueArn', 'ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return {
    url,
    arn: a.QueueArn ?? '',
    visible: Number(a.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(a.ApproximateNumberOfMessagesNotVisible ?? 0),
  };
}

/** `3d 4h`, `12m`, `40s`. */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const [d, h, m] = [Math.floor(s / 86_400), Math.floor((s % 86_400) / 3600), Math.floor((s % 3600) / 60)];
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m`;
  return `${s}s`;
}

function findDlq(stage: Stage, given: string): DeadLetterQueue {
  const all = deadLetterQueues(stage);
  const dlq = all.find((q) => q.key === given || q.name === given || `${q.key}-dlq` === given);
  if (!dlq) {
    throw new CliError(`no DLQ ${JSON.stringify(given)} (one of ${all.map((q) => q.key).join(', ')})`);
  }
  return dlq;
}

export function registerDlq(program: Command, ctx: Context): void {
  const dlq = program.command('dlq').description("the stage's dead-letter queues");

  dlq
    .command('list')
    .description('each DLQ: approximate message count and the first messages (id, age, receives)')
    .option('--peek <n>', 'messages to show per queue, 0-10', '3')
    .action(async (_opts: unknown, command: Command) => {
      const args = ctx.args(command, listSchema);
      const { sqs } = ctx.aws(args.region);
      const now = ctx.deps.clock.now().getTime();
      for (const q of deadLetterQueues(args.stage as Stage)) {
        const state = await queueState(sqs, q.name);
        if (!state) {
          ctx.deps.out(`${q.key.padEnd(12)} ${q.name}: not found (stage not deployed in this region?)\n`);
          continue;
        }
        const back = q.sourceName
          ? `redrive to ${q.sourceName}`
          : 'no redrive (its source is the table stream)';
        ctx.deps.out(
          `${q.key.padEnd(12)} ${q.name}: ~${state.visible} message(s)` +
            (state.inFlight ? `, ~${state.inFlight} in flight` : '') +
            `; ${back}\n`,
        );
        if (args.peek === 0 || state.visible === 0) continue;
        const { Messages = [] } = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: state.url,
            MaxNumberOfMessages: args.peek,
            VisibilityTimeout: 0,
            WaitTimeSeconds: 0,
            MessageSystemAttributeNames: ['SentTimestamp', 'ApproximateReceiveCount'],
          }),
        );
        for (const m of Messages) {
          const sent = Number(m.Attributes?.SentTimestamp ?? Number.NaN);
          const age = Number.isFinite(sent) ? formatAge(now - sent) : '?';
          ctx.deps.out(
            `  ${m.MessageId}  age ${age}  received ${m.Attributes?.ApproximateReceiveCount ?? '?'}x\n`,
          );
        }
      }
    });

  dlq
    .command('redrive')
    .description('move every message of a DLQ back to its source queue (an SQS message move task)')
    .argument('<queue>', 'triage | notify (or the DLQ name)')
    .option('--dry-run', 'show what would move, start nothing')
    .action(async (queue: string, _opts: unknown, command: Command) => {
      const args = ctx.args(command, redriveSchema, { queue });
      const target = findDlq(args.stage as Stage, args.queue);
      if (!target.sourceName) {
        throw new CliError(
          `${target.name} holds stream batches the Pipe could not deliver; they have no source queue to go back to ` +
            '(read them with dlq list, and re-post or re-triage by hand)',
        );
      }
      const { sqs } = ctx.aws(args.region);
      const from = await queueState(sqs, target.name);
      const to = await queueState(sqs, target.sourceName);
      if (!from || !to)
        throw new CliError(`no queue ${!from ? target.name : target.sourceName} (stage deployed here?)`);
      if (args.dryRun) {
        ctx.deps.out(
          `dry run: would move ~${from.visible} message(s) from ${target.name} to ${target.sourceName}\n`,
        );
        return;
      }
      if (from.visible === 0) {
        ctx.deps.out(`${target.name} is empty: nothing to redrive\n`);
        return;
      }
      const task = await sqs.send(
        new StartMessageMoveTaskCommand({ SourceArn: from.arn, DestinationArn: to.arn }),
      );
      ctx.deps.out(
        `started moving ~${from.visible} message(s) from ${target.name} to ${target.sourceName} (task ${task.TaskHandle})\n`,
      );
    });
}
