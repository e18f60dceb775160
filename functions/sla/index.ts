import { dynamoStaffBurstStore } from '../../shared/adapters/burst-store.ts';
import { dynamoContactStore } from '../../shared/adapters/contact-store.ts';
import { documentClient } from '../../shared/adapters/dynamo.ts';
import { dynamoCustomerFacts, dynamoInvitationStore } from '../../shared/adapters/invitation-store.ts';
import { dynamoMetricsReader } from '../../shared/adapters/metrics-reader.ts';
import { dynamoProblemStore } from '../../shared/adapters/problem-store.ts';
import { dynamoSlaStore, dynamoTimerIndex } from '../../shared/adapters/sla-store.ts';
import { systemClock } from '../../shared/clock.ts';
import { bakedConfig } from '../../shared/config/baked.ts';
import { requireEnv } from '../../shared/env.ts';
import { lambdaEntry, metrics } from '../../shared/observability.ts';
import { makeSlaHandler } from './handler.ts';

// Lambda entry of the `rate(1 minute)` rule: env and config are read once, at cold start.
const env = requireEnv(['TABLE_NAME']);
const config = bakedConfig();
const db = documentClient();

export const handler = lambdaEntry(
  makeSlaHandler({
    timers: dynamoTimerIndex(db, env.TABLE_NAME),
    store: dynamoSlaStore(db, env.TABLE_NAME),
    contacts: dynamoContactStore(db, env.TABLE_NAME),
    bursts: dynamoStaffBurstStore(db, env.TABLE_NAME),
    invitations: {
      config,
      invitations: dynamoInvitationStore(db, env.TABLE_NAME, config.service.retentionDays, systemClock),
      customers: dynamoCustomerFacts(db, env.TABLE_NAME),
    },
    problems: {
      problems: dynamoProblemStore(db, env.TABLE_NAME),
      metrics: dynamoMetricsReader(db, env.TABLE_NAME),
      clock: systemClock,
      config,
    },
    config,
    clock: systemClock,
    metrics: metrics(),
  }),
);
