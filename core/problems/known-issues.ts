/**
 * The public known-issues page (docs/known-issues.md): what a site's page lists, the "notify me
 * when fixed" subscription behind its form, and the staff side that makes a problem public.
 *
 * Only `publicTitle`, `publicMessage`, the status and the time it was fixed ever leave here for
 * the page: never the internal title, the description, the cases or anyone's data. A subscription
 * goes through the intake's double opt-in (core/contacts): an address not yet confirmed at the site
 * gets the one confirmation email it may get (at most one a day, within the site's hourly quota),
 * and only a confirmed address is ever told that the problem was fixed.
 */
import * as z from 'zod/mini';
import type { Principal } from '../../shared/auth/principal.ts';
import type { Clock } from '../../shared/clock.ts';
import type { Config } from '../../shared/config/schema.ts';
import { contactRefOf } from '../../shared/domain/contact.ts';
import type { ContactStore } from '../../shared/domain/contact-ports.ts';
import { NotFound, StateConflict, ValidationFailed } from '../../shared/domain/errors.ts';
import type { KnownIssueStore } from '../../shared/domain/known-issue-ports.ts';
import { type Problem, type PublicFields, publicFieldIssues } from '../../shared/domain/problem.ts';
import type { ProblemStore } from '../../shared/domain/staff-ports.ts';
import { DAY_MS } from '../../shared/domain/time.ts';
import { subscriptionIdOf } from '../../shared/repository/known-issue-item.ts';
import '../../shared/zod-locale.ts';
import { confirmationNotice } from '../contacts/index.ts';

/** A fixed problem stays on the page this long after it was resolved, marked fixed. */
export const FIXED_SHOWN_MS = 30 * DAY_MS;

/** What the page shows of one problem: nothing else. */
export interface KnownIssue {
  problemId: string;
  publicTitle: string;
  publicMessage: string;
  status: 'open' | 'resolved';
  resolvedAt?: string;
  /** Where the widget shows "we know about this" (from the problem's linked cases). */
  touchpoints: string[];
}

export interface KnownIssueDeps {
  knownIssues: KnownIssueStore;
  contacts: ContactStore;
  clock: Clock;
  config: Pick<Config, 'sites' | 'intake' | 'service'>;
}

/** The known issues of a site's page: open first, newest first; fixed ones for 30 days. */
export async function knownIssuesOf(
  siteId: string,
  deps: Pick<KnownIssueDeps, 'knownIssues' | 'clock' | 'config'>,
) {
  const site = deps.config.sites.find((s) => s.id === siteId);
  if (!site) throw new NotFound('site', siteId);
  const now = deps.clock.now().getTime();
  const issues = (await deps.knownIssues.forSite(siteId))
    .filter(
      (p) =>
        p.public === true && p.publicTitle && p.publicMessage && (p.publicSiteIds ?? []).includes(siteId),
    )
    .filter(
      (p) =>
        p.status === 'open' ||
        (p.resolvedAt !== undefined && now - Date.parse(p.resolvedAt) < FIXED_SHOWN_MS),
    )
    .map(publicView)
    .sort((a, b) => (a.status === b.status ? 0 : a.status === 'open' ? -1 : 1));
  return { site, issues };
}

function publicView(p: Problem): KnownIssue {
  return {
    problemId: p.problemId,
    publicTitle: p.publicTitle as string,
    publicMessage: p.publicMessage as string,
    status: p.status,
    ...(p.status === 'resolved' && p.resolvedAt ? { resolvedAt: p.resolvedAt } : {}),
    touchpoints: p.touchpoints,
  };
}

const emailField = z
  .email('must be an email address')
  .check(z.maxLength(254, 'must be at most 254 characters'));

export type SubscribeOutcome =
  /** The address was confirmed at the site before: a subscriber now. */
  | 'subscribed'
  /** Pending: a confirmation email is on its way. */
  | 'confirmation_sent'
  /** Pending: the address had its one confirmation today, or the site's quota is used up. */
  | 'confirmation_not_due';

/**
 * "Notify me when fixed": an open public problem of the site, and an email address. Bad input is
 * a 400 naming `email`, and nothing is stored. The page answers the same whatever the outcome, so
 * it tells nobody whether an address is known.
 */
export async function subscribe(
  input: { siteId: string; problemId: string; email: unknown; locale?: string },
  deps: KnownIssueDeps,
): Promise<SubscribeOutcome> {
  const { site, issues } = await knownIssuesOf(input.siteId, deps);
  const issue = issues.find((i) => i.problemId === input.problemId);
  if (!issue) throw new NotFound('known issue', input.problemId);
  const raw = typeof input.email === 'string' ? input.email.trim() : input.email;
  const parsed = emailField.safeParse(raw);
  if (!parsed.success || typeof raw !== 'string') {
    throw new ValidationFailed([{ path: 'email', message: 'must be an email address' }]);
  }
  if (issue.status !== 'open') {
    throw new StateConflict('problem_resolved', `problem ${input.problemId} is already fixed`);
  }
  const email = raw;
  const now = deps.clock.now();
  const ref = contactRefOf(site.id, email);
  const subscription = {
    problemId: issue.problemId,
    siteId: site.id,
    hash: ref.hash,
    email,
    ...(input.locale ? { locale: input.locale } : {}),
    createdAt: now.toISOString(),
  };
  if ((await deps.contacts.status(ref)) === 'confirmed') {
    await deps.knownIssues.subscribe(subscription);
    return 'subscribed';
  }
  // The intake's limits: one confirmation per address per day, within the site's hourly quota.
  let due = await deps.contacts.reserveConfirmation(ref, now);
  if (due && !(await deps.contacts.takeQuota(site.id, now, deps.config.intake.confirmationsPerSitePerHour))) {
    await deps.contacts.unreserveConfirmation(ref, now);
    due = false;
  }
  const confirmation = due
    ? withPurpose(
        confirmationNotice(
          ref,
          { email, locale: input.locale ?? site.defaultLocale },
          { id: site.id, name: site.name },
          now,
          // Its unsubscribe link names the subscription, as a case's names the case.
          subscriptionIdOf(issue.problemId, ref),
        ),
      )
    : undefined;
  try {
    await deps.knownIssues.subscribe(subscription, confirmation);
  } catch (error) {
    // Nothing was stored: the stamp goes back, so a retry may ask for the confirmation again.
    if (due) await deps.contacts.unreserveConfirmation(ref, now);
    throw error;
  }
  return due ? 'confirmation_sent' : 'confirmation_not_due';
}

const withPurpose = (notice: ReturnType<typeof confirmationNotice>) => ({
  ...notice,
  data: { ...notice.data, purpose: 'known_issue' },
});

/**
 * Staff change a problem's public face (PATCH /v1/problems/{id}): each field given replaces the
 * stored one (`null` clears it); the result must hold as a whole (a public problem has a title,
 * a message and at least one site), each issue named in one 400.
 */
export async function updatePublicFields(
  problemId: string,
  patch: { [K in keyof PublicFields]?: PublicFields[K] | null },
  /** Any staff member may (a problem belongs to no team). */
  _principal: Principal,
  deps: { problems: ProblemStore; clock: Clock; config: Pick<Config, 'sites'> },
): Promise<Problem> {
  const was = await deps.problems.get(problemId);
  if (was === undefined) throw new NotFound('problem', problemId);
  const next: Problem = { ...was, version: was.version + 1, updatedAt: deps.clock.now().toISOString() };
  for (const key of ['public', 'publicTitle', 'publicMessage', 'publicSiteIds'] as const) {
    if (!(key in patch)) continue;
    const value = patch[key];
    if (value === null || value === undefined) delete next[key];
    else (next as unknown as Record<string, unknown>)[key] = value;
  }
  const issues = publicFieldIssues(
    next,
    deps.config.sites.map((s) => s.id),
  );
  if (issues.length > 0) throw new ValidationFailed(issues);
  if ((await deps.problems.setPublic(next, was)) === 'stale') {
    throw new StateConflict('problem_changed', `problem ${problemId} changed meanwhile; try again`);
  }
  return next;
}
