/**
 * The survey page's use cases (docs/survey.md): open a survey from its token and
 * answer it. A personal token names one invitation: its answer becomes the customer's feedback in
 * the same transaction that marks the invitation answered, so it is answered once, and the table
 * stream carries the feedback to triage like any other. A poster's token names a touchpoint: its
 * answers are anonymous feedback, as many as people scan it.
 */
import type { Clock } from '../../shared/clock.ts';
import type { Config } from '../../shared/config/schema.ts';
import type { Issue } from '../../shared/domain/errors.ts';
import { Forbidden, LinkExpired, LinkUsed, NotFound } from '../../shared/domain/errors.ts';
import {
  bodyHashOf,
  type Feedback,
  type FeedbackInput,
  feedbackIdFor,
} from '../../shared/domain/feedback.ts';
import {
  askTallies,
  type Invitation,
  type InvitationStatus,
  isInvitationId,
  isPromoter,
  type SurveySpec,
} from '../../shared/domain/invitation.ts';
import type { InvitationStore } from '../../shared/domain/invitation-ports.ts';
import type { FeedbackStore } from '../../shared/domain/ports.ts';
import { type Poster, type PosterStore, posterIdOfToken } from '../../shared/domain/poster.ts';
import { type VerifyResult, verifyLink } from '../../shared/domain/signed-link.ts';
import { parseSurveyAnswer, type SurveyAnswer } from '../../shared/domain/survey-answer.ts';

export interface SurveyDeps {
  /** The link secret's current and previous values; `fresh` reads them again (a rotation just now). */
  linkSecrets: (opts?: { fresh?: boolean }) => Promise<string | readonly string[]>;
  invitations: InvitationStore;
  posters: Pick<PosterStore, 'get'>;
  /** Where a poster's anonymous answers go (the intake's conditional put). */
  feedback: FeedbackStore;
  clock: Clock;
  config: Pick<Config, 'sites' | 'invitations'>;
  /** A fresh id for each poster answer (they are not single-use). */
  newId: () => string;
}

/** What the page asks and in which language. */
export interface SurveyView {
  kind: 'personal' | 'poster';
  siteId: string;
  touchpoint: string;
  survey: SurveySpec;
  locale: 'ja' | 'en';
}

type Target =
  | (SurveyView & { kind: 'personal'; invitation: Invitation })
  | (SurveyView & { kind: 'poster'; poster: Poster });

export type SurveyChannel = 'email' | 'qr';

export type AnswerOutcome =
  | {
      outcome: 'answered';
      view: SurveyView;
      feedbackId: string;
      promoter: boolean;
      /** The site's review or referral link, for a promoter. */
      reviewUrl?: string;
    }
  /** Nothing stored: the page is shown again naming each problem. */
  | { outcome: 'invalid'; view: SurveyView; issues: Issue[] };

/** Races lost to moves that leave the survey open (a send, a contact state write) before giving up. */
const MAX_ANSWER_ATTEMPTS = 3;

/**
 * The statuses an answer may come in: a QR answered before the email went cancels the email (the
 * sweep sends only `scheduled` ones at their version); a `skipped` one was never mailed, but its
 * printed code still works until it closes.
 */
const ANSWERABLE: ReadonlySet<InvitationStatus> = new Set(['scheduled', 'sent', 'issued', 'skipped']);

/**
 * The survey behind a token, or why not: NotFound (malformed, not a survey, no such invitation or
 * poster), Forbidden (a forged signature), LinkUsed (answered), LinkExpired (closed).
 */
export async function resolveSurvey(token: string, deps: SurveyDeps): Promise<Target> {
  const posterId = posterIdOfToken(token);
  if (posterId !== undefined) {
    const poster = await deps.posters.get(posterId);
    if (!poster) throw new NotFound('survey', token.slice(0, 12));
    return {
      kind: 'poster',
      poster,
      siteId: poster.siteId,
      touchpoint: poster.touchpoint,
      survey: poster.survey,
      locale: siteLocale(deps.config, poster.siteId),
    };
  }
  const link = await surveyLinkOf(token, deps);
  const invitation = await deps.invitations.get(link.invitationId);
  if (!invitation) throw new NotFound('survey', link.invitationId);
  if (invitation.status === 'answered') throw new LinkUsed();
  if (
    link.expired ||
    !ANSWERABLE.has(invitation.status) ||
    deps.clock.now().getTime() >= Date.parse(invitation.closesAt)
  ) {
    throw new LinkExpired();
  }
  return {
    kind: 'personal',
    invitation,
    siteId: invitation.siteId,
    touchpoint: invitation.touchpoint,
    survey: invitation.survey,
    locale: invitation.customer.locale,
  };
}

/**
 * The QR code's check: a genuine survey link, or a poster that exists. It reads no invitation, so
 * a code printed before an answer still renders (scanning it then shows "already answered").
 */
export async function checkSurveyToken(token: string, deps: SurveyDeps): Promise<void> {
  const posterId = posterIdOfToken(token);
  if (posterId !== undefined) {
    if (!(await deps.posters.get(posterId))) throw new NotFound('survey', token.slice(0, 12));
    return;
  }
  if ((await surveyLinkOf(token, deps)).expired) throw new LinkExpired();
}

/** GET: the survey to show; a personal one is stamped opened (once). */
export async function openSurvey(token: string, deps: SurveyDeps): Promise<SurveyView> {
  const target = await resolveSurvey(token, deps);
  if (target.kind === 'personal' && !target.invitation.openedAt) {
    await deps.invitations.markOpened(target.invitation, deps.clock.now().toISOString());
  }
  return viewOf(target);
}

/**
 * POST: the answer, checked against the survey, stored as feedback. A personal survey is answered
 * in one change at the version read; losing that race to another answer (or to the sweep closing
 * it) answers what the invitation now is.
 */
export async function answerSurvey(
  token: string,
  fields: Record<string, unknown>,
  channel: SurveyChannel,
  deps: SurveyDeps,
): Promise<AnswerOutcome> {
  const target = await resolveSurvey(token, deps);
  const view = viewOf(target);
  const parsed = parseSurveyAnswer(fields, target.survey);
  if (!parsed.ok) return { outcome: 'invalid', view, issues: parsed.issues };
  const now = deps.clock.now();
  const feedback =
    target.kind === 'personal'
      ? await answerInvitation(target.invitation, parsed.answer, channel, now, deps)
      : await answerPoster(target.poster, parsed.answer, now, deps);
  const promoter = isPromoter(target.survey.type, parsed.answer.score);
  const reviewUrl = promoter ? deps.config.invitations.reviewUrls[target.siteId] : undefined;
  return {
    outcome: 'answered',
    view,
    feedbackId: feedback.feedbackId,
    promoter,
    ...(reviewUrl ? { reviewUrl } : {}),
  };
}

async function answerInvitation(
  inv: Invitation,
  answer: SurveyAnswer,
  channel: SurveyChannel,
  now: Date,
  deps: SurveyDeps,
  attempt = 1,
): Promise<Feedback> {
  const at = now.toISOString();
  const email = inv.customer.email;
  const input: FeedbackInput = {
    siteId: inv.siteId,
    touchpoint: inv.touchpoint,
    channel,
    rating: { type: inv.survey.type, score: answer.score },
    ...(answer.reasons.length > 0 ? { reasons: answer.reasons } : {}),
    ...(answer.comment === undefined ? {} : { comment: answer.comment }),
    customer: {
      ...(email ? { email } : {}),
      ...(inv.customer.name ? { name: inv.customer.name } : {}),
      locale: inv.customer.locale,
      ...(inv.customer.since ? { since: inv.customer.since } : {}),
      // Consent is to be written to, which needs an address.
      contactConsent: inv.customer.contactConsent && email !== undefined,
    },
    context: { ...(inv.orderId ? { orderId: inv.orderId } : {}), invitationId: inv.invitationId },
  };
  const feedback: Feedback = {
    ...input,
    feedbackId: feedbackIdFor(inv.siteId, `survey:${inv.invitationId}`),
    receivedAt: at,
    bodyHash: bodyHashOf(input),
    // The shop named this customer when it sent the event: their address is vouched for.
    keyKind: 'server',
  };
  const contact = await deps.invitations.contactState(inv.contactKey);
  const applied = await deps.invitations.apply({
    invitation: {
      ...inv,
      status: 'answered',
      answeredAt: at,
      feedbackId: feedback.feedbackId,
      version: inv.version + 1,
    },
    expectedVersion: inv.version,
    contact: {
      contactKey: inv.contactKey,
      state: { ...contact, lastAnsweredAt: at, version: contact.version + 1 },
      expectedVersion: contact.version,
    },
    log: [{ at, invitationId: inv.invitationId, what: 'answered', touchpoint: inv.touchpoint }],
    feedback,
    counters: askTallies(inv, 'answered'),
  });
  if (applied) return feedback;
  // Someone moved first: another answer (409), the sweep closing it (410), or the sweep sending it
  // or the contact state moving under us, after which it is still open and the answer goes again.
  const current = await deps.invitations.get(inv.invitationId);
  if (!current || current.status === 'answered' || attempt >= MAX_ANSWER_ATTEMPTS) throw new LinkUsed();
  if (!ANSWERABLE.has(current.status) || now.getTime() >= Date.parse(current.closesAt)) {
    throw new LinkExpired();
  }
  return answerInvitation(current, answer, channel, now, deps, attempt + 1);
}

async function answerPoster(poster: Poster, answer: SurveyAnswer, now: Date, deps: SurveyDeps) {
  const input: FeedbackInput = {
    siteId: poster.siteId,
    touchpoint: poster.touchpoint,
    channel: 'qr',
    rating: { type: poster.survey.type, score: answer.score },
    ...(answer.reasons.length > 0 ? { reasons: answer.reasons } : {}),
    ...(answer.comment === undefined ? {} : { comment: answer.comment }),
    context: { posterId: poster.posterId },
  };
  const feedback: Feedback = {
    ...input,
    feedbackId: feedbackIdFor(poster.siteId, `poster:${poster.posterId}:${deps.newId()}`),
    receivedAt: now.toISOString(),
    bodyHash: bodyHashOf(input),
    // Anyone who walks past can scan it: nobody vouches for the person.
    keyKind: 'site',
  };
  await deps.feedback.putNew(feedback);
  return feedback;
}

function viewOf(target: Target): SurveyView {
  const { kind, siteId, touchpoint, survey, locale } = target;
  return { kind, siteId, touchpoint, survey, locale };
}

function siteLocale(config: Pick<Config, 'sites'>, siteId: string): 'ja' | 'en' {
  const locale = config.sites.find((s) => s.id === siteId)?.defaultLocale ?? 'ja';
  return locale.toLowerCase().startsWith('en') ? 'en' : 'ja';
}

/** The invitation a genuine survey link names (Forbidden: forged; NotFound: not a survey link). */
async function surveyLinkOf(
  token: string,
  deps: SurveyDeps,
): Promise<{ invitationId: string; expired: boolean }> {
  const verified = await verify(token, deps);
  if (verified.status === 'invalid') {
    if (verified.reason === 'signature') throw new Forbidden('this link is not genuine');
    throw new NotFound('survey', 'malformed');
  }
  if (verified.payload.act !== 'survey' || !isInvitationId(verified.payload.jti)) {
    throw new NotFound('survey', 'not a survey link');
  }
  return { invitationId: verified.payload.jti, expired: verified.status === 'expired' };
}

/** A link signed a moment after a rotation fails once; the secret is then read again. */
async function verify(token: string, deps: SurveyDeps): Promise<VerifyResult> {
  const now = deps.clock.now();
  const verified = verifyLink(token, await deps.linkSecrets(), now);
  if (verified.status !== 'invalid' || verified.reason !== 'signature') return verified;
  return verifyLink(token, await deps.linkSecrets({ fresh: true }), now);
}
