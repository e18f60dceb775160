import { randomUUID } from 'node:crypto';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { documentClient } from '../../shared/adapters/dynamo.ts';
import { dynamoFeedbackStore } from '../../shared/adapters/feedback-store.ts';
import { systemClock } from '../../shared/clock.ts';
import { bakedConfig } from '../../shared/config/baked.ts';
import { requireEnv } from '../../shared/env.ts';
import { logger } from '../../shared/observability.ts';
import { makeIngestHandler } from './handler.ts';

// Lambda entry: env and config are read once, at cold start; a bad deploy fails here by name.
const env = requireEnv(['TABLE_NAME']);
const config = bakedConfig();

export const handler = middy(
  makeIngestHandler({
    sites: config.sites,
    feedback: dynamoFeedbackStore(documentClient(), env.TABLE_NAME, config.service.retentionDays),
    clock: systemClock,
    newId: randomUUID,
  }),
).use(injectLambdaContext(logger));
