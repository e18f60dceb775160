import { dynamoContactStore } from '../../shared/adapters/contact-store.ts';
import { documentClient } from '../../shared/adapters/dynamo.ts';
import { dynamoKnownIssueStore } from '../../shared/adapters/known-issue-store.ts';
import { originVerified } from '../../shared/adapters/origin-verify.ts';
import { cachedSecret } from '../../shared/adapters/secrets.ts';
import { systemClock } from '../../shared/clock.ts';
import { bakedConfig } from '../../shared/config/baked.ts';
import { requireEnv } from '../../shared/env.ts';
import { lambdaEntry } from '../../shared/observability.ts';
import { makeKnownIssuesHandler } from './handler.ts';

// Lambda entry for GET /known-issues/{siteId} and POST /known-issues/{siteId}/{problemId}/subscribe.
const env = requireEnv(['TABLE_NAME', 'ORIGIN_VERIFY_SECRET_ARN']);
// The config: the sites' names and languages, the confirmation quota, the calendars' zone.
const config = bakedConfig();
const db = documentClient();

export const handler = lambdaEntry(
  makeKnownIssuesHandler({
    knownIssues: dynamoKnownIssueStore(db, env.TABLE_NAME),
    contacts: dynamoContactStore(db, env.TABLE_NAME),
    clock: systemClock,
    config,
    timeZone: config.calendars[0]?.timeZone ?? 'UTC',
  }),
).use(originVerified(cachedSecret(env.ORIGIN_VERIFY_SECRET_ARN, { clock: systemClock })));
