/**
 * `sites add | rotate-key | store-server-key`: the site entries of the config file. Keys are made
 * here (crypto random), shown once, and only their SHA-256 goes into config (README "Deploy",
 * docs/threat-model.md "Two credentials per site"). A config change takes effect with the next
 * `cdk deploy`: the functions bake the config in.
 */
import { PutSecretValueCommand, ResourceNotFoundException } from '@aws-sdk/client-secrets-manager';
import type { Command } from 'commander';
import * as z from 'zod';
import { LOCALES, siteSchema } from '../../shared/config/schema.ts';
import { configDiff, type RawConfig, readConfigFile, validateEdit, writeConfigFile } from '../config-file.ts';
import { CliError } from '../errors.ts';
import { generateKey, type KeyKind, sha256Hex } from '../keys.ts';
import { type Stage, serverKeySecretName } from '../names.ts';
import { unlessMissing } from '../options.ts';
import type { Context } from '../program.ts';

const KINDS = ['site', 'server'] as const;
const hashField = { site: 'siteKeyHash', server: 'serverKeyHash' } as const;

const hashesOf = (value: unknown): string[] =>
  value === undefined ? [] : typeof value === 'string' ? [value] : (value as string[]);
/** One hash is stored as a string, two (a rotation) as a list, as the example config does. */
const storeHashes = (hashes: string[]) => (hashes.length === 1 ? hashes[0] : hashes);

function siteEntry(raw: RawConfig, siteId: string): Record<string, unknown> {
  const site = raw.sites?.find((s) => s.id === siteId);
  if (!site) {
    const known = (raw.sites ?? []).map((s) => String(s.id)).join(', ') || 'none';
    throw new CliError(`no site ${JSON.stringify(siteId)} in the config (sites: ${known})`);
  }
  return site;
}

/** Writes the edit, or with --dry-run shows it; either way after validating it. */
function finishEdit(ctx: Context, path: string, before: RawConfig, after: RawConfig, dryRun: boolean): void {
  validateEdit(after, path);
  if (dryRun) {
    ctx.deps.out(`dry run: ${path} is not changed; the change would be:\n${configDiff(before, after)}`);
    return;
  }
  writeConfigFile(path, after);
  ctx.deps.out(`wrote ${path}\n`);
}

const addSchema = z.object({
  siteId: siteSchema.shape.id,
  origin: siteSchema.shape.origins,
  locale: z.enum(LOCALES, unlessMissing(`must be one of ${LOCALES.join(', ')}`)),
  name: siteSchema.shape.name.optional(),
  dryRun: z.boolean().default(false),
});

const rotateSchema = z.object({
  siteId: siteSchema.shape.id,
  kind: z.enum(KINDS, unlessMissing(`must be one of ${KINDS.join(', ')}`)),
  finish: z.boolean().default(false),
  storeSecret: z.boolean().default(false),
  dryRun: z.boolean().default(false),
});

const storeSchema = z.object({ siteId: siteSchema.shape.id });

export function registerSites(program: Command, ctx: Context): void {
  const sites = program.command('sites').description('client sites in the config file and their keys');

  sites
    .command('add')
    .description('add a site: new site key and server key, printed once; their SHA-256 goes into config')
    .argument('<siteId>', 'site id (lower case letters and digits, "-" or "_" between)')
    .option('--origin <url...>', 'allowed browser origin(s), e.g. https://shop.example.jp')
    .option('--locale <locale>', 'default locale: ja | en', 'ja')
    .option('--name <name>', 'display name (default: the site id)')
    .option('--dry-run', 'show the config change, write nothing')
    .action((siteId: string, _opts: unknown, command: Command) => {
      const args = ctx.args(command, addSchema, { siteId });
      const file = readConfigFile(args.config);
      if (file.raw.sites?.some((s) => s.id === args.siteId)) {
        throw new CliError(
          `site ${args.siteId} is already in ${file.path} (rotate its keys with sites rotate-key)`,
        );
      }
      const siteKey = generateKey('site', ctx.deps.random);
      const serverKey = generateKey('server', ctx.deps.random);
      const entry = {
        id: args.siteId,
        name: args.name ?? args.siteId,
        origins: args.origin,
        siteKeyHash: sha256Hex(siteKey),
        serverKeyHash: sha256Hex(serverKey),
        defaultLocale: args.locale,
      };
      const after: RawConfig = { ...file.raw, sites: [...(file.raw.sites ?? []), entry] };
      if (args.dryRun) {
        finishEdit(ctx, file.path, file.raw, after, true);
        ctx.deps.out('(the keys of a real run are new ones; none is shown for a dry run)\n');
        return;
      }
      finishEdit(ctx, file.path, file.raw, after, false);
      const secret = serverKeySecretName(args.stage as Stage, args.siteId);
      ctx.deps.out(
        [
          `site ${args.siteId} added. Its keys, shown this once (config keeps only their SHA-256):`,
          `  site key   (public, the widget's data-site-key / X-Site-Key): ${siteKey}`,
          `  server key (secret, the shop backend's X-Server-Key):          ${serverKey}`,
          `Next: npx cdk deploy --all${args.stage === 'prod' ? ' -c stage=prod' : ''}`,
          `then keep the server key in ${secret} (the deploy creates it with a value of its own):`,
          `  closeloop sites store-server-key ${args.siteId} --stage ${args.stage}   (reads the key from stdin)`,
          '',
        ].join('\n'),
      );
    });

  sites
    .command('rotate-key')
    .description('start a key rotation (a second hash, both keys valid) or, with --finish, drop the old hash')
    .argument('<siteId>', 'site id')
    .option('--kind <kind>', 'which key: site | server')
    .option('--finish', 'end the rotation: keep only the new key')
    .option('--store-secret', "server key: also put the new key in the stage's Secrets Manager secret")
    .option('--dry-run', 'show the config change, write nothing')
    .action(async (siteId: string, _opts: unknown, command: Command) => {
      const args = ctx.args(command, rotateSchema, { siteId });
      if (args.storeSecret && (args.kind !== 'server' || args.finish)) {
        throw new CliError('--store-secret goes with --kind server when starting a rotation');
      }
      const file = readConfigFile(args.config);
      const field = hashField[args.kind];
      const site = siteEntry(file.raw, args.siteId);
      const current = hashesOf(site[field]);
      const index = file.raw.sites!.indexOf(site);
      const withHashes = (hashes: string[]): RawConfig => ({
        ...file.raw,
        sites: file.raw.sites!.map((s, i) => (i === index ? { ...s, [field]: storeHashes(hashes) } : s)),
      });

      if (args.finish) {
        if (current.length !== 2) {
          throw new CliError(
            `no ${args.kind} key rotation under way for ${args.siteId} (${field} has one hash)`,
          );
        }
        const after = withHashes([current[0]!]);
        finishEdit(ctx, file.path, file.raw, after, args.dryRun);
        if (!args.dryRun) {
          ctx.deps.out(
            `dropped the old ${args.kind} key hash of ${args.siteId}; deploy to stop accepting it.\n`,
          );
        }
        return;
      }
      if (current.length >= 2) {
        throw new CliError(
          `a ${args.kind} key rotation of ${args.siteId} is under way (two hashes): finish it first with --finish`,
        );
      }
      const key = generateKey(args.kind as KeyKind, ctx.deps.random);
      const after = withHashes([sha256Hex(key), ...current]);
      if (args.dryRun) {
        finishEdit(ctx, file.path, file.raw, after, true);
        ctx.deps.out('(the key of a real run is a new one; none is shown for a dry run)\n');
        return;
      }
      validateEdit(after, file.path);
      if (args.storeSecret) await storeServerKey(ctx, args.stage as Stage, args.region, args.siteId, key);
      finishEdit(ctx, file.path, file.raw, after, false);
      ctx.deps.out(
        [
          `new ${args.kind} key of ${args.siteId}, shown this once (config keeps only its SHA-256):`,
          `  ${key}`,
          current.length === 0
            ? `${args.siteId} had no ${args.kind} key: this is its only one.`
            : 'Both the old and the new key are valid once deployed.',
          `Next: deploy, switch every client to the new key, then: closeloop sites rotate-key ${args.siteId} --kind ${args.kind} --finish, and deploy again.`,
          '',
        ].join('\n'),
      );
    });

  sites
    .command('store-server-key')
    .description(
      "put a server key (read from stdin) into the stage's Secrets Manager secret, if its SHA-256 is in config",
    )
    .argument('<siteId>', 'site id')
    .action(async (siteId: string, _opts: unknown, command: Command) => {
      const args = ctx.args(command, storeSchema, { siteId });
      const file = readConfigFile(args.config);
      const site = siteEntry(file.raw, args.siteId);
      if (!ctx.deps.stdin) throw new CliError('no stdin to read the key from');
      const key = (await ctx.deps.stdin()).trim();
      if (!hashesOf(site.serverKeyHash).includes(sha256Hex(key))) {
        throw new CliError(`that key's SHA-256 is not a serverKeyHash of ${args.siteId} in ${file.path}`);
      }
      await storeServerKey(ctx, args.stage as Stage, args.region, args.siteId, key);
    });
}

async function storeServerKey(
  ctx: Context,
  stage: Stage,
  region: string | undefined,
  siteId: string,
  key: string,
): Promise<void> {
  const secretId = serverKeySecretName(stage, siteId);
  const aws = ctx.aws(region);
  try {
    await aws.secrets.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: key }));
  } catch (error) {
    if (error instanceof ResourceNotFoundException) {
      throw new CliError(`no secret ${secretId} (deploy the stage with the site in its config first)`);
    }
    throw error;
  }
  ctx.deps.out(`stored the server key of ${siteId} in ${secretId}\n`);
}
