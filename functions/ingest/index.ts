import { randomUUID } from 'node:crypto';
import { contactHoursOf } from '../../core/invitations/index.ts';
import { documentClient } from '../../shared/adapters/dynamo.ts';
import { dynamoFeedbackStore } from '../../shared/adapters/feedback-store.ts';
import { dynamoImpressionCounter } from '../../shared/adapters/invitation-store.ts';
import { originVerified } from '../../shared/adapters/origin-verify.ts';
import { cachedSecret } from '../../shared/adapters/secrets.ts';
import { turnstileBotCheck } from '../../shared/adapters/turnstile.ts';
import { systemClock } from '../../shared/clock.ts';
import { bakedConfig } from '../../shared/config/baked.ts';
import { requireEnv } from '../../shared/env.ts';
import { lambdaEntry } from '../../shared/observability.ts';
import { makeIngestHandler } from './handler.ts';

// Lambda entry: env and config are read once, at cold start; a bad deploy fails here by name.
const env = requireEnv(['TABLE_NAME', 'ORIGIN_VERIFY_SECRET_ARN']);
const config = bakedConfig();
const db = documentClient();
// Each bot-checked site's Turnstile secret, read on first use and cached (rotation reaches warm functions).
const botSecrets = new Map(
  config.sites.flatMap((site) =>
    site.botCheck ? [[site.id, cachedSecret(site.botCheck.secretName, { clock: systemClock })] as const] : [],
  ),
);

export const handler = lambdaEntry(
  makeIngestHandler({
    sites: config.sites,
    feedback: dynamoFeedbackStore(db, env.TABLE_NAME, config.service.retentionDays),
    impressions: {
      counter: dynamoImpressionCounter(db, env.TABLE_NAME),
      timeZoneOf: (siteId) => contactHoursOf(config, siteId).timeZone,
    },
    botCheck: turnstileBotCheck({
      secretOf: (siteId) => {
        const secret = botSecrets.get(siteId);
        if (!secret) throw new Error(`site "${siteId}" has no bot check secret`);
        return secret;
      },
    }),
    clock: systemClock,
    newId: randomUUID,
  }),
).use(originVerified(cachedSecret(env.ORIGIN_VERIFY_SECRET_ARN, { clock: systemClock })));
