import { randomUUID } from 'node:crypto';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { makeNotifyHandler } from '../../functions/notify/handler.ts';
import { localCredentials, localRegion } from '../../infra/local/peers.ts';
import type { LocalStack } from '../../infra/local/stack.ts';
import { dynamoStaffBurstStore } from '../../shared/adapters/burst-store.ts';
import { dynamoCaseReader } from '../../shared/adapters/case-reader.ts';
import { dynamoContactStore } from '../../shared/adapters/contact-store.ts';
import { dynamoInvitationReader } from '../../shared/adapters/invitation-store.ts';
import {
  dynamoNoticeLedger,
  dynamoSuppressionList,
  dynamoUnsubscribeKeys,
} from '../../shared/adapters/notice-store.ts';
import { sesMailer } from '../../shared/adapters/ses-mailer.ts';
import type { Mailer } from '../../shared/domain/notice-ports.ts';

/**
 * functions/notify's handler over the stack's table, sending through SES local with the stack's
 * send events, as the stack's own notify pump does; `wrap` may put a fault between them.
 */
export function stackNotifyHandler(s: LocalStack, wrap: (mailer: Mailer) => Mailer = (m) => m) {
  const ses = new SESv2Client({
    region: localRegion,
    credentials: localCredentials,
    endpoint: s.endpoints.ses,
    maxAttempts: 1,
  });
  return makeNotifyHandler({
    config: s.config,
    publicBaseUrl: s.url,
    linkSecret: async () => s.linkSecret,
    unsubscribeKeys: dynamoUnsubscribeKeys(s.db, s.tableName),
    ledger: dynamoNoticeLedger(s.db, s.tableName),
    suppression: dynamoSuppressionList(s.db, s.tableName),
    contacts: dynamoContactStore(s.db, s.tableName),
    bursts: dynamoStaffBurstStore(s.db, s.tableName),
    cases: dynamoCaseReader(s.db, s.tableName),
    invitations: dynamoInvitationReader(s.db, s.tableName),
    mailer: wrap(s.withSendEvents(sesMailer(ses))),
    clock: s.clock,
    newId: randomUUID,
  });
}

/**
 * A sender that dies (its invocation never returns, as a Lambda killed mid-flight) before SES
 * gets the mail, or right after SES took it. `died` lists the recipients it died on.
 */
export function dyingSender(
  moment: 'before_send' | 'after_send',
  shouldDie: (to: string) => boolean = () => true,
) {
  const died: string[] = [];
  const wrap = (mailer: Mailer): Mailer => ({
    async send(mail) {
      if (!shouldDie(mail.to)) return mailer.send(mail);
      if (moment === 'after_send') await mailer.send(mail);
      died.push(mail.to);
      return new Promise<never>(() => {});
    },
  });
  return { wrap, died };
}
