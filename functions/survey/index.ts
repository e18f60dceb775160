import { randomUUID } from 'node:crypto';
import { documentClient } from '../../shared/adapters/dynamo.ts';
import { dynamoFeedbackStore } from '../../shared/adapters/feedback-store.ts';
import { dynamoInvitationStore } from '../../shared/adapters/invitation-store.ts';
import { originVerified } from '../../shared/adapters/origin-verify.ts';
import { dynamoPosterStore } from '../../shared/adapters/poster-store.ts';
import { cachedSecret, cachedVerifyingSecrets } from '../../shared/adapters/secrets.ts';
import { systemClock } from '../../shared/clock.ts';
import { bakedConfig } from '../../shared/config/baked.ts';
import { requireEnv } from '../../shared/env.ts';
import { lambdaEntry } from '../../shared/observability.ts';
import { makeSurveyHandler } from './handler.ts';

// Lambda entry for GET/POST /s/{token} and GET /s/{token}/qr.svg (the hosted survey page).
const env = requireEnv(['TABLE_NAME', 'LINK_SECRET_ARN', 'ORIGIN_VERIFY_SECRET_ARN', 'PUBLIC_BASE_URL']);
// The config: the sites' names and languages, the reasons' categories, the promoters' review links.
const config = bakedConfig();
const db = documentClient();
const retentionDays = config.service.retentionDays;

export const handler = lambdaEntry(
  makeSurveyHandler({
    // AWSCURRENT and AWSPREVIOUS: survey links mailed before the last rotation still verify.
    linkSecrets: cachedVerifyingSecrets(env.LINK_SECRET_ARN, { clock: systemClock }),
    invitations: dynamoInvitationStore(db, env.TABLE_NAME, retentionDays, systemClock),
    posters: dynamoPosterStore(db, env.TABLE_NAME),
    feedback: dynamoFeedbackStore(db, env.TABLE_NAME, retentionDays),
    clock: systemClock,
    config,
    newId: randomUUID,
    publicBaseUrl: () => env.PUBLIC_BASE_URL,
  }),
).use(originVerified(cachedSecret(env.ORIGIN_VERIFY_SECRET_ARN, { clock: systemClock })));
