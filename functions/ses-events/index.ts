import { documentClient } from '../../shared/adapters/dynamo.ts';
import { dynamoSuppressionList } from '../../shared/adapters/notice-store.ts';
import { systemClock } from '../../shared/clock.ts';
import { requireEnv } from '../../shared/env.ts';
import { lambdaEntry } from '../../shared/observability.ts';
import { makeSesEventsHandler } from './handler.ts';

// Lambda entry for SES bounce / complaint events (EventBridge rule).
const env = requireEnv(['TABLE_NAME']);

export const handler = lambdaEntry(
  makeSesEventsHandler({
    suppression: dynamoSuppressionList(documentClient(), env.TABLE_NAME),
    clock: systemClock,
  }),
);
