import { DeleteMessageBatchCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { ScanCommand, type ScanCommandInput } from '@aws-sdk/lib-dynamodb';
import { type LocalStack, type LocalStackOptions, startLocalStack } from '../../infra/local/stack.ts';
import { loadConfigFile } from '../../shared/config/load.ts';
import type { Config } from '../../shared/config/schema.ts';
import { normalizeAddress } from '../../shared/domain/address.ts';

export const exampleConfig = (): Config => loadConfigFile('closeloop.config.example.json');

/** A fresh in-memory stack on free ports; tests own what they start. */
export function startTestStack(over: Partial<LocalStackOptions> = {}): Promise<LocalStack> {
  return startLocalStack({ config: exampleConfig(), port: 0, memory: true, throttle: false, ...over });
}

/** Polls until `check` stops throwing, instead of sleeping a guessed time. */
export async function eventually<T>(
  check: () => Promise<T> | T,
  timeoutMs = 10_000,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }
}

/** Receives (and deletes) every message on the queue right now. */
export async function drainQueue(sqs: SQSClient, queueUrl: string): Promise<unknown[]> {
  const bodies: unknown[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    if (Messages.length === 0) return bodies;
    bodies.push(...Messages.map((m) => JSON.parse(m.Body ?? 'null')));
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
      }),
    );
  }
}

/** Every page of a scan for the items of one `type`; `extra` adds a projection or `Select`. */
export async function* pagesOfType(
  stack: LocalStack,
  type: string,
  extra: Pick<ScanCommandInput, 'Select' | 'ProjectionExpression' | 'ExpressionAttributeNames'> = {},
) {
  let start: Record<string, unknown> | undefined;
  do {
    const page = await stack.db.send(
      new ScanCommand({
        ...extra,
        TableName: stack.tableName,
        FilterExpression: '#t = :t',
        ExpressionAttributeNames: { ...extra.ExpressionAttributeNames, '#t': 'type' },
        ExpressionAttributeValues: { ':t': type },
        ExclusiveStartKey: start,
      }),
    );
    yield page;
    start = page.LastEvaluatedKey;
  } while (start);
}

export async function countItems(stack: LocalStack, type: string): Promise<number> {
  let count = 0;
  for await (const page of pagesOfType(stack, type, { Select: 'COUNT' })) count += page.Count ?? 0;
  return count;
}

/**
 * POSTs feedback as the body's site (else the first) would: as its page in a browser (the public
 * site key with the site's first origin), or with `key: 'server'` as its backend (the server key,
 * no Origin). `headers` override either.
 */
export function postFeedback(
  stack: LocalStack,
  body: unknown,
  headers: Record<string, string> = {},
  { key = 'site' }: { key?: 'site' | 'server' } = {},
): Promise<Response> {
  const siteId =
    typeof body === 'object' && body !== null ? (body as { siteId?: unknown }).siteId : undefined;
  const site = stack.sites.find((s) => s.siteId === siteId) ?? stack.sites[0]!;
  const credentials: Record<string, string> =
    key === 'server'
      ? { 'x-server-key': site.serverKey }
      : { 'x-site-key': site.siteKey, origin: site.origins[0]! };
  return fetch(`${stack.url}/v1/feedback`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...credentials, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** POSTs a journey event as the site's backend does (the server key, no Origin). */
export function postJourneyEvent(stack: LocalStack, body: { siteId: string } & Record<string, unknown>) {
  const site = stack.sites.find((s) => s.siteId === body.siteId) ?? stack.sites[0]!;
  return fetch(`${stack.url}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-server-key': site.serverKey },
    body: JSON.stringify(body),
  });
}

/**
 * A sign-up the shop's backend reports (`account_created` at shop-jp): the welcome rule invites at
 * once. Answers the invitation's survey link.
 */
export async function signUpInvited(stack: LocalStack, eventId: string, email: string): Promise<string> {
  const response = await postJourneyEvent(stack, {
    siteId: 'shop-jp',
    eventId,
    type: 'account_created',
    occurredAt: stack.clock.now().toISOString(),
    customer: { email, contactConsent: true, locale: 'ja' },
  });
  if (response.status !== 202) throw new Error(`POST /v1/events answered ${response.status}`);
  return ((await response.json()) as { invitation: { surveyUrl: string } }).invitation.surveyUrl;
}

/** POSTs the widget's batch of prompts shown, as the site's page does (the site key and its origin). */
export function postImpressions(
  stack: LocalStack,
  siteId: string,
  impressions: { touchpoint: string; count: number }[],
) {
  const site = stack.sites.find((s) => s.siteId === siteId) ?? stack.sites[0]!;
  return fetch(`${stack.url}/v1/impressions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-site-key': site.siteKey, origin: site.origins[0]! },
    body: JSON.stringify({ siteId, impressions }),
  });
}

/** Opens a survey link and answers it with `score`, as the customer's browser would. */
export async function answerSurvey(surveyUrl: string, score: number): Promise<void> {
  const page = await fetch(surveyUrl);
  if (page.status !== 200) throw new Error(`survey page answered ${page.status}`);
  const answer = await fetch(surveyUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `score=${score}`,
  });
  if (answer.status !== 200) throw new Error(`survey answer answered ${answer.status}`);
}

/**
 * Moves the stack's virtual clock on by whole days, the scheduled jobs running once per virtual
 * day (`POST /__local/clock` with a one-day step), so weeks pass in seconds.
 */
export async function advanceDays(stack: LocalStack, days: number): Promise<{ now: string; steps: number }> {
  const response = await fetch(`${stack.url}/__local/clock`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ advanceMinutes: days * 1440, stepMinutes: 1440 }),
  });
  if (response.status !== 200) throw new Error(`POST /__local/clock answered ${response.status}`);
  return (await response.json()) as { now: string; steps: number };
}

/**
 * Calls the staff API as a local member (`staff=<id>`) or, by default, as an admin, with a token
 * from `/__local/token`: the JSON answer and its status.
 */
export async function staffApi<T = Record<string, unknown>>(
  stack: LocalStack,
  method: string,
  path: string,
  body?: unknown,
  as = 'admin',
): Promise<{ status: number; body: T }> {
  const query = as === 'admin' ? 'admin=1' : `staff=${encodeURIComponent(as)}`;
  const { token } = (await (await fetch(`${stack.url}/__local/token?${query}`)).json()) as { token: string };
  const response = await fetch(`${stack.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, body: (await response.json()) as T };
}

export interface OutboxMail {
  to: string[];
  subject: string;
  text: string;
  html: string;
}

/** Every mail the SES peer took (`GET /__local/outbox`), oldest first. */
export const outboxMails = async (stack: LocalStack): Promise<OutboxMail[]> =>
  (await (await fetch(`${stack.url}/__local/outbox`)).json()) as OutboxMail[];

/** The mails to one address, compared as normalized addresses. */
export const mailsTo = async (stack: LocalStack, address: string): Promise<OutboxMail[]> =>
  (await outboxMails(stack)).filter((m) =>
    m.to.some((to) => normalizeAddress(to) === normalizeAddress(address)),
  );
