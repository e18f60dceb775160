import { documentClient } from '../../shared/adapters/dynamo.ts';
import { dynamoJourneyStore } from '../../shared/adapters/invitation-store.ts';
import { originVerified } from '../../shared/adapters/origin-verify.ts';
import { cachedSecret } from '../../shared/adapters/secrets.ts';
import { systemClock } from '../../shared/clock.ts';
import { bakedConfig } from '../../shared/config/baked.ts';
import { requireEnv } from '../../shared/env.ts';
import { lambdaEntry } from '../../shared/observability.ts';
import { makeEventsHandler } from './handler.ts';

// Lambda entry: env and config are read once, at cold start; the link secret (it signs the survey
// link in the answer) on first use, then cached.
const env = requireEnv(['TABLE_NAME', 'ORIGIN_VERIFY_SECRET_ARN', 'LINK_SECRET_ARN', 'PUBLIC_BASE_URL']);
const config = bakedConfig();

export const handler = lambdaEntry(
  makeEventsHandler({
    config,
    sites: config.sites,
    journeys: dynamoJourneyStore(documentClient(), env.TABLE_NAME, config.service.retentionDays, systemClock),
    clock: systemClock,
    linkSecret: cachedSecret(env.LINK_SECRET_ARN, { clock: systemClock }),
    publicBaseUrl: env.PUBLIC_BASE_URL,
  }),
).use(originVerified(cachedSecret(env.ORIGIN_VERIFY_SECRET_ARN, { clock: systemClock })));
