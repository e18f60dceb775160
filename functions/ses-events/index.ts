import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { documentClient } from '../../shared/adapters/dynamo.ts';
import { dynamoSuppressionList } from '../../shared/adapters/notice-store.ts';
import { systemClock } from '../../shared/clock.ts';
import { requireEnv } from '../../shared/env.ts';
import { logger } from '../../shared/observability.ts';
import { makeSesEventsHandler } from './handler.ts';

// Lambda entry for SES bounce / complaint events (EventBridge rule).
const env = requireEnv(['TABLE_NAME']);

export const handler = middy(
  makeSesEventsHandler({
    suppression: dynamoSuppressionList(documentClient(), env.TABLE_NAME),
    clock: systemClock,
  }),
).use(injectLambdaContext(logger));
