import { randomUUID } from 'node:crypto';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { dynamoStaffBurstStore } from '../../shared/adapters/burst-store.ts';
import { dynamoCaseReader } from '../../shared/adapters/case-reader.ts';
import { dynamoContactStore } from '../../shared/adapters/contact-store.ts';
import { documentClient } from '../../shared/adapters/dynamo.ts';
import { dynamoInvitationReader } from '../../shared/adapters/invitation-store.ts';
import {
  dynamoNoticeLedger,
  dynamoSuppressionList,
  dynamoUnsubscribeKeys,
} from '../../shared/adapters/notice-store.ts';
import { cachedSecret } from '../../shared/adapters/secrets.ts';
import { sesMailer } from '../../shared/adapters/ses-mailer.ts';
import { systemClock } from '../../shared/clock.ts';
import { bakedConfig } from '../../shared/config/baked.ts';
import { requireEnv } from '../../shared/env.ts';
import { lambdaEntry } from '../../shared/observability.ts';
import { makeNotifyHandler } from './handler.ts';

// Lambda entry (notify queue event source): env and config are read once, at cold start; the link
// secret (AWSCURRENT: links are signed with it) on first use, then cached (shared/adapters/secrets.ts).
const env = requireEnv(['TABLE_NAME', 'LINK_SECRET_ARN', 'PUBLIC_BASE_URL']);
const config = bakedConfig();
const db = documentClient();

export const handler = lambdaEntry(
  makeNotifyHandler({
    config,
    publicBaseUrl: env.PUBLIC_BASE_URL,
    linkSecret: cachedSecret(env.LINK_SECRET_ARN, { clock: systemClock }),
    unsubscribeKeys: dynamoUnsubscribeKeys(db, env.TABLE_NAME),
    ledger: dynamoNoticeLedger(db, env.TABLE_NAME),
    suppression: dynamoSuppressionList(db, env.TABLE_NAME),
    contacts: dynamoContactStore(db, env.TABLE_NAME),
    bursts: dynamoStaffBurstStore(db, env.TABLE_NAME),
    cases: dynamoCaseReader(db, env.TABLE_NAME),
    invitations: dynamoInvitationReader(db, env.TABLE_NAME),
    // No SDK retries: a send whose answer was lost would go out twice. A failed send releases its
    // claim and the queue's redelivery retries it (docs/design.md#once-per-recipient).
    mailer: sesMailer(new SESv2Client({ maxAttempts: 1 }), {
      configurationSetName: process.env.SES_CONFIGURATION_SET || undefined,
    }),
    clock: systemClock,
    newId: randomUUID,
  }),
);
