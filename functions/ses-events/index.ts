import { documentClient } from '../../shared/adapters/dynamo.ts';
import { dynamoNoticeLedger, dynamoSuppressionList } from '../../shared/adapters/notice-store.ts';
import { systemClock } from '../../shared/clock.ts';
import { requireEnv } from '../../shared/env.ts';
import { lambdaEntry } from '../../shared/observability.ts';
import { makeSesEventsHandler } from './handler.ts';

// Lambda entry for SES send, delivery, bounce and complaint events (EventBridge rule).
const env = requireEnv(['TABLE_NAME']);
const db = documentClient();

export const handler = lambdaEntry(
  makeSesEventsHandler({
    suppression: dynamoSuppressionList(db, env.TABLE_NAME),
    ledger: dynamoNoticeLedger(db, env.TABLE_NAME),
    clock: systemClock,
  }),
);
