import { documentClient } from '../../shared/adapters/dynamo.ts';
import {
  dynamoAssignmentReader,
  dynamoFeedbackReader,
  dynamoTriageStore,
} from '../../shared/adapters/triage-store.ts';
import { systemClock } from '../../shared/clock.ts';
import { bakedConfig } from '../../shared/config/baked.ts';
import { requireEnv } from '../../shared/env.ts';
import { lambdaEntry } from '../../shared/observability.ts';
import { makeTriageHandler } from './handler.ts';

// Lambda entry: env and config are read once, at cold start; a bad deploy fails here by name.
const env = requireEnv(['TABLE_NAME']);
const config = bakedConfig();
const db = documentClient();

export const handler = lambdaEntry(
  makeTriageHandler({
    feedback: dynamoFeedbackReader(db, env.TABLE_NAME),
    assignments: dynamoAssignmentReader(db, env.TABLE_NAME),
    store: dynamoTriageStore(db, env.TABLE_NAME, config.service.retentionDays),
    clock: systemClock,
    config,
  }),
);
