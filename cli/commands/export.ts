/**
 * `export`: the cases created in a time range with their feedback, as JSON lines
 * (`{"case":{…},"feedback":{…}}`), read through the cases-by-team index one configured team at
 * a time and the feedback by key: no scan. Feedback that opened no case is not in it: there is no
 * index of feedback by time, and reading it would take a full table scan.
 */
import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import type { Command } from 'commander';
import * as z from 'zod';
import { dynamoStaffCaseStore } from '../../shared/adapters/case-store.ts';
import { isIsoDate } from '../../shared/config/schema.ts';
import { casesCreated } from '../adapters/case-export.ts';
import { resolveTable } from '../aws.ts';
import { readConfigFile } from '../config-file.ts';
import { CliError } from '../errors.ts';
import type { Context } from '../program.ts';

const DAY_MS = 86_400_000;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

/** A date (UTC day) or an ISO instant; `end` makes a date mean the end of that day. */
const boundSchema = (end: boolean) =>
  z
    .string()
    .refine((v) => isIsoDate(v) || (INSTANT.test(v) && !Number.isNaN(Date.parse(v))), {
      error: 'must be a date YYYY-MM-DD or an ISO instant such as 2026-11-18T09:00:00Z',
    })
    .transform((v) => {
      if (!isIsoDate(v)) return new Date(Date.parse(v)).toISOString();
      const start = Date.parse(`${v}T00:00:00.000Z`);
      return new Date(end ? start + DAY_MS : start).toISOString();
    });

const exportSchema = z
  .object({
    from: boundSchema(false).optional(),
    to: boundSchema(true).optional(),
    team: z.array(z.string().min(1)).optional(),
    out: z.string().min(1, 'must not be empty').optional(),
  })
  .refine((a) => a.from === undefined || a.to === undefined || a.from < a.to, {
    path: ['to'],
    error: 'must be after --from',
  });

export function registerExport(program: Command, ctx: Context): void {
  program
    .command('export')
    .description('cases created in a time range, each with its feedback, as JSON lines')
    .option('--from <date>', 'first day (UTC) or instant, inclusive')
    .option('--to <date>', 'last day (UTC, inclusive) or instant (exclusive)')
    .option('--team <id...>', 'only these teams (default: every team in the config)')
    .option('--out <file>', 'write to this file (default: stdout)')
    .action(async (_opts: unknown, command: Command) => {
      const args = ctx.args(command, exportSchema);
      const { config } = readConfigFile(args.config);
      const teams = args.team ?? config.teams.map((t) => t.id);
      const unknown = teams.filter((t) => !config.teams.some((c) => c.id === t));
      if (unknown.length > 0) throw new CliError(`no team ${unknown.join(', ')} in ${args.config}`);
      const aws = ctx.aws(args.region);
      const table = await resolveTable(aws, args);
      const store = dynamoStaffCaseStore(aws.db, table);
      const file = args.out ? createWriteStream(args.out) : undefined;
      const write = (line: string) => (file ? file.write(line) : ctx.deps.out(line));
      let count = 0;
      try {
        for (const teamId of teams) {
          const range = { ...(args.from ? { from: args.from } : {}), ...(args.to ? { to: args.to } : {}) };
          for await (const c of casesCreated(aws.db, table, teamId, range)) {
            const feedback = await store.feedback(c.feedbackId);
            write(`${JSON.stringify({ case: c, feedback: feedback ?? null })}\n`);
            count += 1;
          }
        }
      } finally {
        if (file) {
          file.end();
          await finished(file);
        }
      }
      if (file) ctx.deps.out(`wrote ${count} case(s) to ${args.out}\n`);
      else ctx.deps.err(`${count} case(s)\n`);
    });
}
