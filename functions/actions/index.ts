import { linkCaseActions } from '../../core/cases/link-actions.ts';
import { dynamoCaseReader } from '../../shared/adapters/case-reader.ts';
import { dynamoStaffCaseStore } from '../../shared/adapters/case-store.ts';
import { dynamoContactStore } from '../../shared/adapters/contact-store.ts';
import { documentClient } from '../../shared/adapters/dynamo.ts';
import {
  dynamoCaseCustomers,
  dynamoSuppressionList,
  dynamoUnsubscribeKeys,
  dynamoUsedTokens,
} from '../../shared/adapters/notice-store.ts';
import { originVerified } from '../../shared/adapters/origin-verify.ts';
import { cachedSecret, cachedVerifyingSecrets } from '../../shared/adapters/secrets.ts';
import { systemClock } from '../../shared/clock.ts';
import { bakedConfig } from '../../shared/config/baked.ts';
import { requireEnv } from '../../shared/env.ts';
import { lambdaEntry } from '../../shared/observability.ts';
import { makeActionsHandler } from './handler.ts';

// Lambda entry for GET/POST /v1/actions/{token} (signed links in emails).
const env = requireEnv(['TABLE_NAME', 'LINK_SECRET_ARN', 'ORIGIN_VERIFY_SECRET_ARN']);
// The config: the link's actions run the staff API's use cases (SLA timer, attainment counters).
const config = bakedConfig();
const db = documentClient();

export const handler = lambdaEntry(
  makeActionsHandler({
    // AWSCURRENT and AWSPREVIOUS: links made before the last rotation still verify.
    linkSecrets: cachedVerifyingSecrets(env.LINK_SECRET_ARN, { clock: systemClock }),
    unsubscribeKeys: dynamoUnsubscribeKeys(db, env.TABLE_NAME),
    customers: dynamoCaseCustomers(db, env.TABLE_NAME),
    clock: systemClock,
    actions: linkCaseActions({
      cases: dynamoStaffCaseStore(db, env.TABLE_NAME),
      clock: systemClock,
      config,
    }),
    cases: dynamoCaseReader(db, env.TABLE_NAME),
    tokens: dynamoUsedTokens(db, env.TABLE_NAME),
    suppression: dynamoSuppressionList(db, env.TABLE_NAME),
    contacts: dynamoContactStore(db, env.TABLE_NAME),
  }),
).use(originVerified(cachedSecret(env.ORIGIN_VERIFY_SECRET_ARN, { clock: systemClock })));
