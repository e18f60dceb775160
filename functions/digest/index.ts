import { dynamoDigestCases, dynamoDigestOutbox } from '../../shared/adapters/digest-store.ts';
import { documentClient } from '../../shared/adapters/dynamo.ts';
import { dynamoMetricsReader } from '../../shared/adapters/metrics-reader.ts';
import { systemClock } from '../../shared/clock.ts';
import { bakedConfig } from '../../shared/config/baked.ts';
import { requireEnv } from '../../shared/env.ts';
import { lambdaEntry } from '../../shared/observability.ts';
import { makeDigestHandler } from './handler.ts';

// Lambda entry of the weekly digest rule: env and config are read once, at cold start.
const env = requireEnv(['TABLE_NAME']);
const config = bakedConfig();
const db = documentClient();

export const handler = lambdaEntry(
  makeDigestHandler({
    config,
    metrics: dynamoMetricsReader(db, env.TABLE_NAME),
    cases: dynamoDigestCases(db, env.TABLE_NAME),
    outbox: dynamoDigestOutbox(db, env.TABLE_NAME),
    clock: systemClock,
  }),
);
