import { confirmContact } from '../../core/contacts/index.ts';
import type { Clock } from '../../shared/clock.ts';
import { parseContactId } from '../../shared/domain/contact.ts';
import type { ContactStore } from '../../shared/domain/contact-ports.ts';
import { ratingVerdict } from '../../shared/domain/follow-up.ts';
import type {
  ActionResult,
  CaseActions,
  CaseCustomers,
  CaseReader,
  SuppressionList,
  UnsubscribeKeys,
  UsedTokens,
} from '../../shared/domain/notice-ports.ts';
import {
  type LinkPayload,
  singleUseActions,
  unsubscribeCaseOf,
  type VerifyResult,
  verifyLink,
} from '../../shared/domain/signed-link.ts';
import { type HttpEvent, type HttpResult, rawBody } from '../../shared/http.ts';
import { correlate, logger } from '../../shared/observability.ts';
import {
  casePage,
  confirmPage,
  conflictPage,
  donePage,
  expiredPage,
  invalidPage,
  leftTeamPage,
  notFoundPage,
  type Page,
  renderPage,
  usedPage,
} from './pages.ts';

export interface ActionsDeps {
  /**
   * The link secret's AWSCURRENT and AWSPREVIOUS values (all verify). Fetched per request, cached
   * by the source; `fresh` asks it to read again (shared/adapters/secrets.ts).
   */
  linkSecrets: (opts?: { fresh?: boolean }) => Promise<string | readonly string[]>;
  /** Each case's key for its unsubscribe links, and the address such a link unsubscribes. */
  unsubscribeKeys: Pick<UnsubscribeKeys, 'find'>;
  customers: CaseCustomers;
  clock: Clock;
  actions: CaseActions;
  cases: CaseReader;
  tokens: UsedTokens;
  suppression: SuppressionList;
  contacts: ContactStore;
}

/** Recorded as the timeline's `via` of what a link does. */
export const LINK_VIA = 'signed_link';

/**
 * `GET /v1/actions/{token}` shows what the link would do and a button; it changes nothing, so mail
 * scanners that prefetch links are harmless. `POST` performs the action once: single-use links
 * are spent in the same transaction as the action. RFC 8058 one-click unsubscribe POSTs
 * `List-Unsubscribe=One-Click` to the same URL.
 */
export function makeActionsHandler(deps: ActionsDeps) {
  return async function actions(event: HttpEvent): Promise<HttpResult> {
    const token = event.pathParameters?.token ?? '';
    let verified: VerifyResult;
    try {
      verified = await verify(token, deps);
    } catch (error) {
      logger.error('link keys unavailable', { error: error as Error });
      return renderPage(temporaryError, undefined);
    }
    const locale = verified.status === 'invalid' ? undefined : verified.payload.locale;
    try {
      const page = await respond(event.requestContext.http.method, verified, event, deps);
      return renderPage(page, locale);
    } catch (error) {
      logger.error('signed link action failed', { error: error as Error });
      return renderPage(temporaryError, locale);
    }
  };
}

/**
 * An unsubscribe link is checked with its case's own key, every other link with the link secret's
 * current and previous values. A link signed with a value newer than the one this function holds
 * (a rotation a moment ago) fails once; the secret is then read again (at most once a minute).
 */
async function verify(token: string, deps: ActionsDeps): Promise<VerifyResult> {
  const now = deps.clock.now();
  const caseId = unsubscribeCaseOf(token);
  if (caseId !== undefined) {
    const key = await deps.unsubscribeKeys.find(caseId);
    return key ? verifyLink(token, key, now) : { status: 'invalid', reason: 'signature' };
  }
  const verified = verifyLink(token, await deps.linkSecrets(), now);
  if (verified.status !== 'invalid' || verified.reason !== 'signature') return verified;
  return verifyLink(token, await deps.linkSecrets({ fresh: true }), now);
}

const temporaryError: Page = {
  statusCode: 503,
  title: { ja: '一時的なエラー', en: 'Temporary error' },
  message: {
    ja: '処理できませんでした。しばらくしてからもう一度お試しください。',
    en: 'Something went wrong on our side. Please try again in a moment.',
  },
};

async function respond(
  method: string,
  verified: VerifyResult,
  event: HttpEvent,
  deps: ActionsDeps,
): Promise<Page> {
  if (verified.status === 'invalid') {
    logger.warn('signed link refused', { reason: verified.reason });
    return invalidPage(verified.reason === 'signature' ? 403 : 400);
  }
  if (verified.status === 'expired') return expiredPage();
  const p = verified.payload;
  correlate({ caseId: p.caseId });
  if (!isComplete(p)) return invalidPage(400);
  if (method === 'GET' || method === 'HEAD') return show(p, deps);
  if (method === 'POST') return perform(p, rawBody(event).toString('utf8'), deps);
  return invalidPage(400);
}

/** The fields each action needs were signed in; a payload without them is not ours. */
function isComplete(p: LinkPayload): boolean {
  switch (p.act) {
    case 'acknowledge':
    case 'claim':
      return Boolean(p.caseId && p.memberId);
    case 'open':
      return Boolean(p.caseId);
    case 'rate':
      return Boolean(p.caseId && p.value && ratingVerdict(p.value));
    case 'unsubscribe':
      return Boolean(p.caseId || p.email);
    case 'confirm':
      return Boolean(p.contactId && parseContactId(p.contactId));
    case 'survey':
      // A survey link belongs to the survey page (/s/{token}), not to /v1/actions.
      return false;
  }
}

/** GET: read only. */
async function show(p: LinkPayload, deps: ActionsDeps): Promise<Page> {
  if (p.act === 'open') {
    const found = await deps.cases.get(p.caseId!);
    return found ? casePage(found) : notFoundPage();
  }
  if (p.act === 'survey') return invalidPage(400);
  if (singleUseActions.has(p.act) && (await deps.tokens.isUsed(p.jti))) return usedPage();
  return confirmPage(p.act, p);
}

/** POST: does it (once). */
async function perform(p: LinkPayload, body: string, deps: ActionsDeps): Promise<Page> {
  const once = { jti: p.jti, expiresAt: p.exp };
  switch (p.act) {
    case 'open':
      return show(p, deps);
    case 'unsubscribe': {
      // Idempotent, so not single-use: a mail client's repeated one-click POST gets the same answer.
      const oneClick = new URLSearchParams(body).get('List-Unsubscribe') === 'One-Click';
      // An erased customer has no address left to suppress, and no case of theirs mails them.
      const email = p.email ?? (await deps.customers.addressOf(p.caseId!));
      if (email !== undefined) {
        await deps.suppression.add(email, 'unsubscribe', deps.clock.now(), {
          via: oneClick ? 'one_click' : 'link',
          ...(p.caseId ? { caseId: p.caseId } : {}),
        });
      }
      logger.info('unsubscribed', { caseId: p.caseId, oneClick, addressFound: email !== undefined });
      return donePage('unsubscribe', p);
    }
    case 'confirm': {
      // Idempotent: a second press confirms nothing new and releases nothing twice.
      const confirmed = await confirmContact(parseContactId(p.contactId!)!, deps);
      logger.info('contact confirmed', confirmed);
      return donePage('confirm', p);
    }
    case 'acknowledge':
      return answer(p.act, p, await deps.actions.acknowledge(p.caseId!, p.memberId!, LINK_VIA, once));
    case 'claim':
      return answer(p.act, p, await deps.actions.claim(p.caseId!, p.memberId!, LINK_VIA, once));
    case 'rate':
      return answer(p.act, p, await deps.actions.rate(p.caseId!, p.value!, once));
    case 'survey':
      return invalidPage(400);
  }
}

function answer(act: 'acknowledge' | 'claim' | 'rate', p: LinkPayload, result: ActionResult): Page {
  logger.info('signed link action', { act, caseId: p.caseId, outcome: result.outcome });
  switch (result.outcome) {
    case 'done':
      return donePage(act, { ...p, verdict: p.value ? ratingVerdict(p.value) : undefined });
    case 'used':
      return usedPage();
    case 'conflict':
      return conflictPage(p.caseId, result.status);
    case 'forbidden':
      return leftTeamPage();
    case 'not_found':
      return notFoundPage();
  }
}
