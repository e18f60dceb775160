import { type SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { type Mailer, MailOutcomeUnknownError, TransientMailError } from '../domain/notice-ports.ts';

/** SES answers that mean "nothing was sent, try again later". */
const TRANSIENT_NAMES = new Set([
  'TooManyRequestsException',
  'ThrottlingException',
  'Throttling',
  'LimitExceededException',
  'SendingPausedException',
  'ServiceUnavailable',
  'InternalFailure',
  'InternalServerError',
]);
/** Network errors raised before a request reaches SES (so it cannot have been sent). */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

type SdkError = Error & { $metadata?: { httpStatusCode?: number }; code?: string };

/** Throttling, a 5xx or a connection that never opened: SES did not take the message. */
export function isTransientSesError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const e = error as SdkError;
  if (TRANSIENT_NAMES.has(e.name)) return true;
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined && status >= 500) return true;
  return e.code !== undefined && NOT_SENT_CODES.has(e.code);
}

/**
 * No HTTP answer at all, and not a connection that never opened (a timeout, a reset socket): SES
 * may have taken the message. A refusal (MessageRejected, an unverified identity) has its 4xx.
 */
export function isUnknownSesOutcome(error: unknown): boolean {
  if (!(error instanceof Error) || isTransientSesError(error)) return false;
  return (error as SdkError).$metadata?.httpStatusCode === undefined;
}

/**
 * SESv2 SendEmail with simple content: SES builds the MIME message (UTF-8 subject and bodies)
 * and adds our headers (List-Unsubscribe…), so we never assemble MIME by hand.
 */
export function sesMailer(client: SESv2Client, opts: { configurationSetName?: string } = {}): Mailer {
  return {
    async send(mail) {
      try {
        const result = await client.send(
          new SendEmailCommand({
            FromEmailAddress: mail.from,
            Destination: { ToAddresses: [mail.to] },
            ...(opts.configurationSetName ? { ConfigurationSetName: opts.configurationSetName } : {}),
            ...(mail.tags?.length
              ? { EmailTags: mail.tags.map((t) => ({ Name: t.name, Value: t.value })) }
              : {}),
            Content: {
              Simple: {
                Subject: { Data: mail.subject, Charset: 'UTF-8' },
                Body: {
                  Text: { Data: mail.text, Charset: 'UTF-8' },
                  Html: { Data: mail.html, Charset: 'UTF-8' },
                },
                ...(mail.headers.length
                  ? { Headers: mail.headers.map((h) => ({ Name: h.name, Value: h.value })) }
                  : {}),
              },
            },
          }),
        );
        return { messageId: result.MessageId ?? '' };
      } catch (error) {
        if (isTransientSesError(error)) {
          throw new TransientMailError(`SES: ${(error as Error).name}: ${(error as Error).message}`, error);
        }
        if (isUnknownSesOutcome(error)) {
          throw new MailOutcomeUnknownError(`SES: ${(error as Error).name}: no answer`, error);
        }
        throw error;
      }
    },
  };
}
