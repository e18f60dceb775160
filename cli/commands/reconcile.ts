/**
 * `reconcile`: one run of the intake reconciler (core/delivery/reconcile.ts), as the hourly
 * functions/intake-reconciler does, against the deployed table, queues and bus: feedback never
 * triaged and outbox items never relayed (older than 10 minutes) are sent again, from the
 * reconciler's checkpoint on. `--dry-run` counts what it would send and sends nothing, moving no
 * checkpoint.
 */
import { GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Command } from 'commander';
import * as z from 'zod';
import { type ReconcileDeps, reconcileIntake } from '../../core/delivery/reconcile.ts';
import { busPublisher, queueSender } from '../../shared/adapters/messaging.ts';
import { dynamoArrivalLedger, dynamoOutboxMarks } from '../../shared/adapters/reconcile-store.ts';
import type { RelayTargets } from '../../shared/domain/delivery-ports.ts';
import { type AwsClients, resolveTable } from '../aws.ts';
import { CliError } from '../errors.ts';
import { busName, type Stage, workQueueName } from '../names.ts';
import type { Context } from '../program.ts';
import { isMissingQueue } from './dlq.ts';

const reconcileSchema = z.object({ dryRun: z.boolean().default(false) });

async function queueUrl(sqs: SQSClient, name: string): Promise<string> {
  try {
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: name }));
    if (QueueUrl) return QueueUrl;
  } catch (error) {
    if (!isMissingQueue(error)) throw error;
  }
  throw new CliError(`no queue ${name} (is the stage deployed in this region?)`);
}

/** The real ports, or for a dry run ports that only count and a checkpoint that stays. */
async function reconcilePorts(aws: AwsClients, table: string, stage: Stage, dryRun: boolean) {
  const ledger = dynamoArrivalLedger(aws.db, table);
  if (dryRun) {
    const skip = async () => {};
    const targets: RelayTargets = { notifyStaff: skip, notifyCustomer: skip, publish: skip };
    return { ledger: { ...ledger, advance: skip }, marks: { markRelayed: skip }, triage: skip, targets };
  }
  const [triage, staff, customer] = await Promise.all(
    (['triage', 'staffNotices', 'customerNotices'] as const).map((key) =>
      queueUrl(aws.sqs, workQueueName(stage, key)),
    ),
  );
  return {
    ledger,
    marks: dynamoOutboxMarks(aws.db, table),
    triage: queueSender(aws.sqs, triage!),
    targets: {
      notifyStaff: queueSender(aws.sqs, staff!),
      notifyCustomer: queueSender(aws.sqs, customer!),
      publish: busPublisher(aws.events, busName(stage)),
    },
  };
}

export function registerReconcile(program: Command, ctx: Context): void {
  program
    .command('reconcile')
    .description(
      'send again what the table stream lost: feedback never triaged, outbox items never relayed (as the hourly intake reconciler does)',
    )
    .option('--dry-run', 'count what would be sent, send nothing')
    .action(async (_opts: unknown, command: Command) => {
      const args = ctx.args(command, reconcileSchema);
      const aws = ctx.aws(args.region);
      const table = await resolveTable(aws, args);
      const ports = await reconcilePorts(aws, table, args.stage as Stage, args.dryRun);
      const deps: ReconcileDeps = { ...ports, clock: ctx.deps.clock };
      const result = await reconcileIntake(deps);
      const verb = args.dryRun ? 'would re-queue' : 're-queued';
      ctx.deps.out(
        `${args.dryRun ? 'dry run: nothing sent. ' : ''}Checked ${table} from ${result.from} to ${result.through}: ` +
          `${verb} ${result.feedbackRequeued} of ${result.feedbackChecked} feedback, ` +
          `${args.dryRun ? 'would forward' : 'forwarded'} ${result.outboxForwarded} of ${result.outboxChecked} outbox items\n`,
      );
      ctx.deps.out(`${JSON.stringify(result)}\n`);
    });
}
