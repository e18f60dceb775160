import { randomBytes, randomUUID } from 'node:crypto';
import { dynamoStaffCaseStore } from '../../shared/adapters/case-store.ts';
import { dynamoCustomerData } from '../../shared/adapters/customer-data.ts';
import { documentClient } from '../../shared/adapters/dynamo.ts';
import { dynamoBroadcastStore } from '../../shared/adapters/known-issue-store.ts';
import { dynamoMetricsReader, dynamoRollupStore } from '../../shared/adapters/metrics-reader.ts';
import { originVerified } from '../../shared/adapters/origin-verify.ts';
import { dynamoPosterStore } from '../../shared/adapters/poster-store.ts';
import { dynamoProblemStore } from '../../shared/adapters/problem-store.ts';
import { cachedSecret } from '../../shared/adapters/secrets.ts';
import { systemClock } from '../../shared/clock.ts';
import { bakedConfig } from '../../shared/config/baked.ts';
import { requireEnv } from '../../shared/env.ts';
import { lambdaEntry } from '../../shared/observability.ts';
import { makeCasesHandler } from './handler.ts';

// Lambda entry of the staff API (behind the HTTP API's JWT authorizer): env and config are read
// once, at cold start; a bad deploy fails here by name.
const env = requireEnv(['TABLE_NAME', 'ORIGIN_VERIFY_SECRET_ARN', 'PUBLIC_BASE_URL']);
const config = bakedConfig();
const db = documentClient();

export const handler = lambdaEntry(
  makeCasesHandler({
    cases: dynamoStaffCaseStore(db, env.TABLE_NAME),
    problems: dynamoProblemStore(db, env.TABLE_NAME),
    broadcasts: dynamoBroadcastStore(db, env.TABLE_NAME),
    metrics: dynamoMetricsReader(db, env.TABLE_NAME),
    rollups: dynamoRollupStore(db, env.TABLE_NAME),
    customers: dynamoCustomerData(db, env.TABLE_NAME),
    clock: systemClock,
    config,
    newId: randomUUID,
    posters: dynamoPosterStore(db, env.TABLE_NAME),
    randomBytes,
    publicBaseUrl: () => env.PUBLIC_BASE_URL,
  }),
).use(originVerified(cachedSecret(env.ORIGIN_VERIFY_SECRET_ARN, { clock: systemClock })));
