/**
 * `erase --email`: the erasure use case of `DELETE /v1/customers?email=` (core/cases/erasure.ts)
 * against the deployed table, as an admin. `--site` keeps it to that site's feedback and opt-in
 * state; `--dry-run` runs the same use case over read-only adapters and reports what it would do.
 */
import type { Command } from 'commander';
import * as z from 'zod';
import { type ErasureDeps, eraseCustomer } from '../../core/cases/erasure.ts';
import { dynamoStaffCaseStore } from '../../shared/adapters/case-store.ts';
import { dynamoCustomerData } from '../../shared/adapters/customer-data.ts';
import type { Principal } from '../../shared/auth/principal.ts';
import type { CaseWrite, CustomerDataStore, StaffCaseStore } from '../../shared/domain/staff-ports.ts';
import { resolveTable } from '../aws.ts';
import { readConfigFile } from '../config-file.ts';
import { CliError } from '../errors.ts';
import { unlessMissing } from '../options.ts';
import type { Context } from '../program.ts';

const eraseSchema = z.object({
  email: z.email(unlessMissing('must be an email address')),
  site: z.string().min(1, 'must not be empty').optional(),
  actor: z
    .string()
    .regex(/^[\w.@-]{1,64}$/, 'must be a name without spaces (the timeline says staff:<actor>)'),
  dryRun: z.boolean().default(false),
});

/** Only the feedback of one site (and its opt-in state): the address's other sites are left alone. */
function oneSite(customers: CustomerDataStore, cases: StaffCaseStore, siteId: string): CustomerDataStore {
  return {
    ...customers,
    async feedbackIdsOf(hash) {
      const ids = await customers.feedbackIdsOf(hash);
      const kept: string[] = [];
      for (const id of ids) if ((await cases.feedback(id))?.siteId === siteId) kept.push(id);
      return kept;
    },
  };
}

/** Reads as the real adapters do; every write is recorded instead of made. */
function readOnly(customers: CustomerDataStore, cases: StaffCaseStore, writes: CaseWrite[]) {
  return {
    cases: {
      ...cases,
      commit: async (write: CaseWrite) => {
        writes.push(write);
        return 'committed' as const;
      },
    },
    customers: {
      ...customers,
      eraseFeedback: async (feedbackId: string) =>
        (await cases.feedback(feedbackId))?.customer ? ('erased' as const) : ('missing' as const),
      eraseContact: async () => {},
    },
  };
}

export function registerErase(program: Command, ctx: Context): void {
  program
    .command('erase')
    .description(
      "erase a customer's personal data (as DELETE /v1/customers?email= does) in the deployed table",
    )
    .option('--email <address>', "the customer's email address")
    .option('--site <id>', "only this site's feedback and opt-in state (default: every site)")
    .option('--actor <name>', 'who asks, for the timeline (staff:<actor>)', 'operator')
    .option('--dry-run', 'count what would be erased, change nothing')
    .action(async (_opts: unknown, command: Command) => {
      const args = ctx.args(command, eraseSchema);
      const { config } = readConfigFile(args.config);
      if (args.site && !config.sites.some((s) => s.id === args.site)) {
        throw new CliError(`no site ${JSON.stringify(args.site)} in ${args.config}`);
      }
      const aws = ctx.aws(args.region);
      const table = await resolveTable(aws, args);
      let cases = dynamoStaffCaseStore(aws.db, table);
      let customers = dynamoCustomerData(aws.db, table);
      if (args.site) customers = oneSite(customers, cases, args.site);
      const writes: CaseWrite[] = [];
      if (args.dryRun) ({ cases, customers } = readOnly(customers, cases, writes));
      const deps: ErasureDeps = {
        cases,
        customers,
        clock: ctx.deps.clock,
        config: args.site ? { ...config, sites: config.sites.filter((s) => s.id === args.site) } : config,
      };
      const principal: Principal = { memberId: args.actor, teamIds: [], admin: true };
      const result = await eraseCustomer(args.email, principal, deps);
      const where = args.site ? ` at site ${args.site}` : '';
      if (args.dryRun) {
        const redacted = writes.reduce((n, w) => n + (w.redactions?.length ?? 0), 0);
        const notices = writes.reduce((n, w) => n + (w.outboxDeletes?.length ?? 0), 0);
        ctx.deps.out(
          `dry run on ${table}: nothing changed. Erasing ${args.email}${where} would change ` +
            `${result.feedback} feedback and ${result.cases} case(s) ` +
            `(${redacted} timeline entries rewritten, up to ${notices} outbox notices deleted)\n`,
        );
        return;
      }
      ctx.deps.out(
        `erased ${args.email}${where} in ${table}: ${result.feedback} feedback, ${result.cases} case(s)\n`,
      );
      ctx.deps.out(`${JSON.stringify(result)}\n`);
    });
}
