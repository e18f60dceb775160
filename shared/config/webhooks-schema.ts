/**
 * Outbound webhooks and the Slack adapter (docs/webhooks.md): which events go where. Part of the
 * config schema (./schema.ts); `npm run config-docs` turns the `.describe()` texts into
 * docs/config.md.
 */
import * as z from 'zod';
import { WEBHOOK_EVENT_TYPES } from '../domain/webhooks.ts';
import { idSchema } from './schema-parts.ts';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** https anywhere; plain http only to this machine (the local stack's sink, a test peer). */
export function webhookUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `must be an https URL (got ${JSON.stringify(value)})`;
  }
  if (url.username || url.password) return 'must not carry a user name or password';
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)) return undefined;
  return `must be an https URL; http only for localhost or 127.0.0.1 (got ${JSON.stringify(value)})`;
}

const secretNameSchema = z
  .string(unlessMissing('must be the name of a Secrets Manager secret'))
  .trim()
  .min(1, 'must not be empty')
  .max(512, 'must be at most 512 characters');

function unlessMissing(message: string) {
  return { error: (issue: { input?: unknown }) => (issue.input === undefined ? undefined : message) };
}

const eventTypeSchema = z.enum(WEBHOOK_EVENT_TYPES, {
  error: (iss) =>
    iss.input === undefined
      ? undefined
      : `unknown event ${JSON.stringify(iss.input)} (known: ${WEBHOOK_EVENT_TYPES.join(', ')})`,
});

export const webhookSchema = z.strictObject({
  id: idSchema.describe(
    "The endpoint's id: in its deliveries' `webhook-id` and in its disabled flag; unique among `webhooks`.",
  ),
  url: z
    .string()
    .superRefine((value, ctx) => {
      const problem = webhookUrlProblem(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .describe('Where each delivery is POSTed: https (plain http only for localhost or 127.0.0.1).'),
  events: z
    .array(eventTypeSchema)
    .min(1, 'needs at least one event')
    .refine((list) => new Set(list).size === list.length, 'must not repeat an event')
    .describe(
      `The events it receives, any of: ${WEBHOOK_EVENT_TYPES.map((t) => `\`${t}\``).join(', ')} (\`insight.spike\` is accepted but not sent yet).`,
    ),
  secretName: secretNameSchema.describe(
    'Secrets Manager name of its signing secret, `whsec_` and base64 of 24 to 64 random bytes (the Standard Webhooks format).',
  ),
  includePersonalData: z
    .boolean()
    .default(false)
    .describe(
      "`true`: deliveries carry the customer's email and name, the comment and the context (what erasure removes) when known; `false`: never.",
    ),
});
export type Webhook = z.infer<typeof webhookSchema>;

export const slackSchema = z.strictObject({
  webhookSecretName: secretNameSchema.describe(
    'Secrets Manager name of the Slack incoming-webhook URL (a secret: whoever holds it can post to the channel).',
  ),
  escalations: z
    .enum(['all', 'critical'])
    .default('all')
    .describe(
      'Which escalations are posted: `all` (every rung of every case) or those of `critical` cases only.',
    ),
});
export type Slack = z.infer<typeof slackSchema>;
