/**
 * `staff invite | remove`. Staff live in two places, both edited here: the config file (team
 * members get assignments and escalations; a team's `leadId` / `managerId` and the `executives`
 * are the ladder's rungs) and the stage's Cognito user pool (infra/staff-auth.ts: the username is
 * the member id, the groups are the team ids plus `admin`), which lets them sign in. Cognito
 * emails the invitee a temporary password; they set their own and a TOTP device on first sign-in.
 */
import type { Command } from 'commander';
import * as z from 'zod';
import { adminGroup } from '../../shared/auth/principal.ts';
import { LOCALES, memberSchema, teamSchema } from '../../shared/config/schema.ts';
import type { StaffDirectory } from '../adapters/cognito.ts';
import { configDiff, type RawConfig, readConfigFile, validateEdit, writeConfigFile } from '../config-file.ts';
import { CliError } from '../errors.ts';
import { type Stage, userPoolName } from '../names.ts';
import { unlessMissing } from '../options.ts';
import type { Context } from '../program.ts';

export const ROLES = ['member', 'lead', 'manager', 'executive', 'admin'] as const;
type Role = (typeof ROLES)[number];

const emailSchema = z.email(unlessMissing('must be an email address'));

const inviteSchema = z.object({
  email: emailSchema,
  team: teamSchema.shape.id,
  role: z.enum(ROLES, unlessMissing(`must be one of ${ROLES.join(', ')}`)),
  id: memberSchema.shape.id.optional(),
  name: memberSchema.shape.name.optional(),
  locale: z.enum(LOCALES, unlessMissing(`must be one of ${LOCALES.join(', ')}`)),
  userPool: z
    .string()
    .regex(/^[\w-]+_[0-9a-zA-Z]+$/, 'must be a user pool id such as ap-northeast-1_AbC123')
    .optional(),
  dryRun: z.boolean().default(false),
});

const removeSchema = z.object({
  email: emailSchema,
  userPool: inviteSchema.shape.userPool,
  dryRun: z.boolean().default(false),
});

const sameEmail = (a: unknown, b: string) => typeof a === 'string' && a.toLowerCase() === b.toLowerCase();

/** `Makoto.Tanaka@shop.example.jp` → `makoto-tanaka`: a member id the config accepts. */
export function memberIdFor(email: string): string {
  return (
    email
      .split('@')[0]!
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 64) || 'member'
  );
}

type Member = { id: string; name: string; email: string; locale: string };

function findMember(raw: RawConfig, email: string): Member | undefined {
  for (const team of raw.teams ?? []) {
    const member = (team.members as Member[] | undefined)?.find((m) => sameEmail(m.email, email));
    if (member) return member;
  }
  return undefined;
}

async function poolId(ctx: Context, stage: Stage, region: string | undefined, given?: string) {
  if (given) return given;
  const name = userPoolName(stage);
  const id = await ctx.aws(region).staff.poolIdByName(name);
  if (!id)
    throw new CliError(`no user pool ${name} in this account and region (pass --region or --user-pool)`);
  return id;
}

export function registerStaff(program: Command, ctx: Context): void {
  const staff = program.command('staff').description('staff: config team members and the Cognito user pool');

  staff
    .command('invite')
    .description(
      'add a member to a team (config) and create their sign-in (Cognito emails a temporary password)',
    )
    .argument('<email>', 'their email address')
    .option('--team <id>', 'team id from the config')
    .option('--role <role>', `${ROLES.join(' | ')}`, 'member')
    .option('--id <memberId>', 'member id = Cognito username (default: from the address)')
    .option('--name <name>', 'display name (default: the member id)')
    .option('--locale <locale>', 'ja | en', 'ja')
    .option('--user-pool <id>', "Cognito user pool id (default: the stage's staff pool)")
    .option('--dry-run', 'show the config change and the Cognito calls, change nothing')
    .action(async (email: string, _opts: unknown, command: Command) => {
      const args = ctx.args(command, inviteSchema, { email });
      const file = readConfigFile(args.config);
      const teamIndex = (file.raw.teams ?? []).findIndex((t) => t.id === args.team);
      if (teamIndex < 0) {
        const known = (file.raw.teams ?? []).map((t) => String(t.id)).join(', ');
        throw new CliError(`no team ${JSON.stringify(args.team)} in ${file.path} (teams: ${known})`);
      }
      const existing = findMember(file.raw, args.email);
      if (existing && args.id && existing.id !== args.id) {
        throw new CliError(
          `${args.email} is member ${existing.id} already; --id ${args.id} would make a second one`,
        );
      }
      const member: Member = existing ?? {
        id: args.id ?? memberIdFor(args.email),
        name: args.name ?? args.id ?? memberIdFor(args.email),
        email: args.email,
        locale: args.locale,
      };
      const after = structuredClone(file.raw);
      const team = after.teams![teamIndex]!;
      const members = (team.members as Member[]) ?? [];
      if (!members.some((m) => m.id === member.id)) team.members = [...members, member];
      const role = args.role as Role;
      if (role === 'lead') team.leadId = member.id;
      if (role === 'manager') team.managerId = member.id;
      if (role === 'executive' && !(after.executives ?? []).some((e) => sameEmail(e.email, member.email))) {
        after.executives = [
          ...(after.executives ?? []),
          { name: member.name, email: member.email, locale: member.locale },
        ];
      }
      validateEdit(after, file.path);
      const groups = [args.team, ...(role === 'admin' ? [adminGroup] : [])];

      if (args.dryRun) {
        ctx.deps.out(`dry run: nothing changed. ${file.path} would change:\n${configDiff(file.raw, after)}`);
        ctx.deps.out(
          `and the user pool ${args.userPool ?? userPoolName(args.stage as Stage)} would get user ${member.id} ` +
            `(${member.email}) in group(s) ${groups.join(', ')}\n`,
        );
        return;
      }
      const pool = await poolId(ctx, args.stage as Stage, args.region, args.userPool);
      const directory: StaffDirectory = ctx.aws(args.region).staff;
      const created = await directory.createUser(pool, { username: member.id, email: member.email });
      for (const group of groups) await directory.addToGroup(pool, member.id, group);
      writeConfigFile(file.path, after);
      ctx.deps.out(
        [
          created === 'created'
            ? `created sign-in ${member.id} for ${member.email} (Cognito emails a temporary password)`
            : `sign-in ${member.id} existed already`,
          `groups: ${groups.join(', ')}`,
          `wrote ${file.path}; deploy so assignments and escalations know ${member.id} (npx cdk deploy --all)`,
          '',
        ].join('\n'),
      );
    });

  staff
    .command('remove')
    .description('remove a member from every team and the executives (config) and delete their sign-in')
    .argument('<email>', 'their email address')
    .option('--user-pool <id>', "Cognito user pool id (default: the stage's staff pool)")
    .option('--dry-run', 'show the config change and the Cognito call, change nothing')
    .action(async (email: string, _opts: unknown, command: Command) => {
      const args = ctx.args(command, removeSchema, { email });
      const file = readConfigFile(args.config);
      const member = findMember(file.raw, args.email);
      const executive = (file.raw.executives ?? []).some((e) => sameEmail(e.email, args.email));
      if (!member && !executive) throw new CliError(`no member or executive ${args.email} in ${file.path}`);
      const after = structuredClone(file.raw);
      for (const team of after.teams ?? []) {
        team.members = ((team.members as Member[]) ?? []).filter((m) => !sameEmail(m.email, args.email));
      }
      after.executives = (after.executives ?? []).filter((e) => !sameEmail(e.email, args.email));
      validateEdit(after, file.path);
      const username = member?.id;
      if (args.dryRun) {
        ctx.deps.out(`dry run: nothing changed. ${file.path} would change:\n${configDiff(file.raw, after)}`);
        if (username) ctx.deps.out(`and sign-in ${username} would be deleted from the user pool\n`);
        return;
      }
      if (username) {
        const pool = await poolId(ctx, args.stage as Stage, args.region, args.userPool);
        const deleted = await ctx.aws(args.region).staff.deleteUser(pool, username);
        ctx.deps.out(
          deleted === 'deleted'
            ? `deleted sign-in ${username} (tokens issued before stay valid until they expire, an hour at most)\n`
            : `no sign-in ${username} (none to delete)\n`,
        );
      }
      writeConfigFile(file.path, after);
      ctx.deps.out(
        `wrote ${file.path}; deploy so no new case goes to them (their open cases stay assigned)\n`,
      );
    });
}
