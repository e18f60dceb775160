/**
 * The command tree: each command parses and checks its arguments, runs the use case or the
 * config edit over the adapters, and answers on stdout; errors go to stderr with exit 2 (bad
 * arguments, each named) or 1 (the command failed). `run` never calls process.exit, so tests
 * drive it in process.
 */
import { Command, CommanderError } from 'commander';
import type * as z from 'zod';
import type { Clock } from '../shared/clock.ts';
import type { AwsClients, AwsFactory } from './aws.ts';
import { registerDlq } from './commands/dlq.ts';
import { registerErase } from './commands/erase.ts';
import { registerExport } from './commands/export.ts';
import { registerReconcile } from './commands/reconcile.ts';
import { registerSites } from './commands/sites.ts';
import { registerStaff } from './commands/staff.ts';
import { CliError, EXIT, UsageError } from './errors.ts';
import { STAGES } from './names.ts';
import { checked, DEFAULT_CONFIG, type GlobalOptions, globalSchema } from './options.ts';

export interface CliDeps {
  out(text: string): void;
  err(text: string): void;
  clock: Clock;
  aws: AwsFactory;
  /** Random bytes for new keys (default node:crypto). */
  random?: (bytes: number) => Buffer;
  /** The whole of stdin (`sites store-server-key`). */
  stdin?: () => Promise<string>;
}

export interface Context {
  deps: CliDeps;
  /**
   * The command's options with the global ones and its positional arguments, checked together so
   * every bad one is named at once.
   */
  args<S extends z.ZodObject>(
    command: Command,
    schema: S,
    positional?: Record<string, unknown>,
  ): GlobalOptions & z.output<S>;
  /** The AWS clients for the run (made once, in `--region`). */
  aws(region: string | undefined): AwsClients;
}

export function buildProgram(deps: CliDeps): Command {
  let clients: AwsClients | undefined;
  const ctx: Context = {
    deps,
    args: <S extends z.ZodObject>(command: Command, schema: S, positional: Record<string, unknown> = {}) =>
      checked(
        globalSchema.extend(schema.shape),
        { ...command.optsWithGlobals(), ...positional },
        Object.keys(positional),
      ) as GlobalOptions & z.output<S>,
    aws: (region) => {
      clients ??= deps.aws(region);
      return clients;
    },
  };
  const program = new Command('closeloop')
    .description(
      'Operator CLI of a deployed Closeloop: sites and keys, staff, DLQs, erasure, export, reconcile',
    )
    .option('--stage <stage>', `deployed stage: ${STAGES.join(' | ')}`, 'dev')
    .option('--region <region>', 'AWS region (default: the profile or AWS_REGION)')
    .option('--table <name>', "DynamoDB table (default: the stage's stateful stack table)")
    .option('--config <path>', 'config file', DEFAULT_CONFIG)
    .showHelpAfterError('(add --help for usage)')
    .configureHelp({ showGlobalOptions: true })
    .configureOutput({ writeOut: (s) => deps.out(s), writeErr: (s) => deps.err(s) })
    .exitOverride();
  registerSites(program, ctx);
  registerStaff(program, ctx);
  registerDlq(program, ctx);
  registerErase(program, ctx);
  registerExport(program, ctx);
  registerReconcile(program, ctx);
  return program;
}

/** Runs one command line (without `node closeloop`); answers the exit code. */
export async function run(argv: readonly string[], deps: CliDeps): Promise<number> {
  const program = buildProgram(deps);
  try {
    if (argv.length === 0) {
      program.outputHelp();
      return EXIT.usage;
    }
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; commander already wrote its own message for the rest.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (error instanceof UsageError) {
      deps.err(`error: ${error.problems.length === 1 ? 'bad argument' : 'bad arguments'}:\n`);
      for (const problem of error.problems) deps.err(`  ${problem}\n`);
      deps.err('(add --help for usage)\n');
      return EXIT.usage;
    }
    if (error instanceof CliError) {
      deps.err(`error: ${error.message}\n`);
      return EXIT.failed;
    }
    const name = error instanceof Error ? error.name : 'Error';
    const message = error instanceof Error ? error.message : String(error);
    deps.err(`error: ${name}: ${message}\n`);
    return EXIT.failed;
  }
}
