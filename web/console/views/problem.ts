/// <reference lib="dom" />
/**
 * One problem (`#/problems/{id}`): what it is, its linked cases, whether the fix worked
 * (`GET /v1/problems/{id}/impact`), and the forms that link more cases, resolve it with a message
 * to every linked customer, or reopen it.
 */
import { api } from '../api.ts';
import { field, h, replace } from '../dom.ts';
import { formatPercent, formatPoints, formatPValue, label, t } from '../i18n.ts';
import type {
  CaseDetail,
  CaseList,
  CaseResource,
  Impact,
  LinkCasesResponse,
  ProblemResource,
  ProblemResponse,
  ResolveProblemResponse,
} from '../types.ts';
import {
  badge,
  caseLabel,
  errorBox,
  heading,
  InputProblem,
  notice,
  submitter,
  type ViewContext,
} from '../ui.ts';
import { fixCheck, problemBadge, timeOf } from './problems.ts';

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };
const settle = <T>(p: Promise<T>): Promise<Settled<T>> =>
  p.then(
    (value) => ({ ok: true, value }),
    (error: unknown) => ({ ok: false, error }),
  );

const activeStatuses = ['open', 'acknowledged', 'waiting_on_customer', 'reopened'];

/** The active cases the member can see that no problem has yet (up to 400). */
async function linkableCases(): Promise<CaseResource[]> {
  const items: CaseResource[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 4; page++) {
    const { data } = await api<CaseList>('GET', '/v1/cases', {
      query: { status: activeStatuses.join(','), limit: '100', cursor },
    });
    items.push(...data.items);
    cursor = data.cursor ?? undefined;
    if (!cursor) break;
  }
  return items.filter((c) => !c.problemId);
}

const who = (actor: string | undefined) => (actor ?? '').replace(/^staff:/, '');

export async function problemView(ctx: ViewContext): Promise<void> {
  const problemId = ctx.params[0] ?? '';
  const path = `/v1/problems/${encodeURIComponent(problemId)}`;
  const back = h('a', { class: 'back', href: '#/problems' }, t('backToProblems'));
  replace(ctx.root, back, heading(t('problemsTitle')), h('p', {}, t('loading')));
  let detail: ProblemResponse;
  try {
    detail = (await api<ProblemResponse>('GET', path)).data;
  } catch (error) {
    replace(ctx.root, back, heading(t('problemsTitle')), errorBox(error));
    return;
  }
  const { problem, caseIds } = detail;
  const [impact, linked, linkable] = await Promise.all([
    settle(api<Impact>('GET', `${path}/impact`).then((r) => r.data)),
    Promise.all(
      caseIds.map((id) =>
        settle(api<CaseDetail>('GET', `/v1/cases/${encodeURIComponent(id)}`).then((r) => r.data.case)),
      ),
    ),
    problem.status === 'open' ? settle(linkableCases()) : Promise.resolve(undefined),
  ]);

  replace(
    ctx.root,
    back,
    h(
      'div',
      { class: 'problem-head' },
      heading(problem.title),
      problemBadge(problem.status),
      problem.verification && fixCheck(problem, flagged(problem)),
    ),
    h('div', { class: 'flash', 'aria-live': 'polite' }, ctx.flash),
    h(
      'div',
      { class: 'case-grid' },
      h(
        'div',
        {},
        factsCard(problem),
        linkedCard(ctx, caseIds, linked),
        h(
          'section',
          { class: 'card impact', 'aria-labelledby': 'impact-title' },
          impactSection(problem, impact),
        ),
      ),
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'problem-actions' },
        h('h2', { id: 'problem-actions' }, t('actions')),
        problem.status === 'open'
          ? [linkForm(ctx, path, problem, linkable), resolveForm(ctx, path, problem)]
          : reopenForm(ctx, path, problem),
        publicForm(ctx, path, problem),
      ),
    ),
  );
}

const flagged = (p: ProblemResource) =>
  p.verification?.verdict === 'worse' || p.verification?.verdict === 'no_change';

function factsCard(problem: ProblemResource): HTMLElement {
  const pair = (term: string, ...value: (Node | string)[]) => [h('dt', {}, term), h('dd', {}, ...value)];
  const list = (values: string[]) => (values.length > 0 ? values.join(', ') : t('none'));
  const atBy = (at: string | undefined, by: string | undefined) =>
    h('span', {}, timeOf(at), by ? ` · ${who(by)}` : '');
  return h(
    'section',
    { class: 'card' },
    h('h2', {}, t('details')),
    h('p', { class: 'problem-description' }, problem.description),
    h(
      'dl',
      { class: 'facts' },
      pair(t('problemCreatedAt'), atBy(problem.createdAt, problem.createdBy)),
      problem.status === 'resolved' &&
        pair(t('problemResolvedAt'), atBy(problem.resolvedAt, problem.resolvedBy)),
      pair(t('problemResolutions'), String(problem.resolutions)),
      pair(t('problemTeams'), list(problem.teams)),
      pair(t('problemTouchpoints'), list(problem.touchpoints.map(label))),
      pair(t('problemSites'), list(problem.siteIds)),
      pair(t('problemMessage'), problem.customerMessage ?? t('none')),
      problem.verification &&
        pair(
          t('problemLastCheck'),
          fixCheck(problem, flagged(problem)),
          ' · ',
          timeOf(problem.verification.at),
        ),
    ),
  );
}

function linkedCard(ctx: ViewContext, caseIds: string[], linked: Settled<CaseResource>[]): HTMLElement {
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'linked-title' },
    h('h2', { id: 'linked-title' }, t('linkedCasesTitle')),
    h('p', { 'data-testid': 'linked-count' }, t('linkedCases', { count: caseIds.length })),
    !ctx.session.admin && h('p', { class: 'hint' }, t('linkedCasesScope')),
    caseIds.length === 0
      ? h('p', { class: 'muted' }, t('linkedCasesNone'))
      : h(
          'ul',
          { class: 'linked-cases' },
          caseIds.map((id, i) => {
            const answer = linked[i];
            const c = answer?.ok ? answer.value : undefined;
            return h(
              'li',
              { 'data-case': id },
              h(
                'a',
                { href: `#/cases/${encodeURIComponent(id)}` },
                c ? `${label(c.category)} ${caseLabel(c)}` : caseLabel({ caseId: id }),
              ),
              c && [
                ' ',
                badge(c.status),
                ' ',
                h('span', { class: 'muted' }, `${label(c.touchpoint)} · ${c.teamId}`),
              ],
            );
          }),
        ),
  );
}

function impactSection(problem: ProblemResource, answer: Settled<Impact>): (HTMLElement | false)[] {
  const title = h('h2', { id: 'impact-title' }, t('impactTitle'));
  if (!answer.ok) return [title, errorBox(answer.error)];
  const impact = answer.value;
  const open = problem.status === 'open';
  const row = (name: string, w: Impact['before']) =>
    h(
      'tr',
      {},
      h('th', { scope: 'row' }, name),
      h('td', {}, `${w.from} – ${w.to}`),
      h('td', { class: 'num' }, w.n),
      h('td', { class: 'num' }, formatPercent(w.negativeShare)),
      h('td', { class: 'num' }, w.nps === null ? '—' : w.nps.toFixed(1)),
    );
  const verdictText =
    open && impact.verdict === 'too_early'
      ? t('verdictText_open')
      : t(`verdictText_${impact.verdict}` as const, { from: impact.after.from, to: impact.after.to });
  return [
    title,
    impact.touchpoints.length === 0
      ? h('p', { class: 'muted' }, t('impactNoTouchpoints'))
      : h(
          'p',
          { class: 'intro' },
          t('impactIntro', {
            touchpoints: impact.touchpoints.map(label).join(', '),
            weeks: impact.windowWeeks,
          }),
        ),
    h(
      'table',
      { class: 'impact' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          [t('impactWindow'), t('impactWeeks'), t('impactResponses'), t('impactNegative'), t('nps')].map(
            (c) => h('th', { scope: 'col' }, c),
          ),
        ),
      ),
      h('tbody', {}, row(t('impactBefore'), impact.before), row(t('impactAfter'), impact.after)),
    ),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, t('impactChange')),
      h('dd', { 'data-testid': 'impact-change' }, formatPoints(impact.change)),
      h('dt', {}, t('impactPValue')),
      h('dd', { 'data-testid': 'impact-p' }, formatPValue(impact.pValue)),
      h('dt', {}, t('impactVerdict')),
      h(
        'dd',
        {},
        h(
          'strong',
          { class: `verdict verdict-${impact.verdict}`, 'data-testid': 'impact-verdict' },
          t(`verdict_${impact.verdict}` as const),
        ),
      ),
    ),
    h('p', { 'data-testid': 'impact-explained' }, verdictText),
    !open && h('p', { class: 'hint' }, t('impactCaveat')),
  ];
}

function linkForm(
  ctx: ViewContext,
  path: string,
  problem: ProblemResource,
  answer: Settled<CaseResource[]> | undefined,
): HTMLElement {
  const title = h('h3', {}, t('linkCases'));
  if (!answer) return h('div', {});
  if (!answer.ok) return h('div', { class: 'action' }, title, errorBox(answer.error));
  const cases = answer.value;
  if (cases.length === 0)
    return h('div', { class: 'action' }, title, h('p', { class: 'muted' }, t('linkCasesNone')));
  const boxes = cases.map((c) => h('input', { type: 'checkbox', name: 'caseIds', value: c.caseId }));
  return h(
    'form',
    {
      class: 'action link-cases',
      on: {
        submit: submitter(async () => {
          const ids = boxes.filter((b) => b.checked).map((b) => b.value);
          if (ids.length === 0) throw new InputProblem(t('linkNoneSelected'));
          const { data } = await api<LinkCasesResponse>('POST', `${path}/cases`, { body: { caseIds: ids } });
          ctx.rerender(
            notice(
              t('casesLinked', {
                title: problem.title,
                count: data.linked.length,
                already: data.alreadyLinked.length,
              }),
            ),
          );
        }),
      },
    },
    h(
      'fieldset',
      {},
      h('legend', {}, t('linkCases')),
      cases.map((c, i) =>
        h(
          'label',
          { class: 'check', 'data-case': c.caseId },
          boxes[i],
          `${label(c.category)} ${caseLabel(c)} · ${label(c.status)} · ${c.teamId}`,
        ),
      ),
    ),
    h('button', { type: 'submit' }, t('link')),
    h('div', { class: 'form-message' }),
  );
}

function resolveForm(ctx: ViewContext, path: string, problem: ProblemResource): HTMLElement {
  const message = h('textarea', {
    name: 'customerMessage',
    rows: 3,
    maxlength: 4000,
    required: !problem.customerMessage,
  });
  message.value = problem.customerMessage ?? '';
  return h(
    'form',
    {
      class: 'action resolve-problem',
      on: {
        submit: submitter(async () => {
          const { data } = await api<ResolveProblemResponse>('POST', `${path}/resolve`, {
            body: message.value.trim() ? { customerMessage: message.value } : {},
          });
          ctx.rerender(
            notice(t('problemResolved', { count: data.resolved.length, skipped: data.skipped.length })),
          );
        }),
      },
    },
    h('h3', {}, t('resolveProblem')),
    field(t('resolveMessage'), message),
    h('button', { type: 'submit', class: 'primary' }, t('resolveProblem')),
    h('div', { class: 'form-message' }),
  );
}

function reopenForm(ctx: ViewContext, path: string, problem: ProblemResource): HTMLElement {
  const reason = h('input', { name: 'reason', type: 'text', maxlength: 500 });
  return h(
    'form',
    {
      class: 'action reopen-problem',
      on: {
        submit: submitter(async () => {
          await api<ProblemResponse>('POST', `${path}/reopen`, {
            body: reason.value.trim() ? { reason: reason.value } : {},
          });
          ctx.rerender(notice(t('problemReopened', { title: problem.title })));
        }),
      },
    },
    h('h3', {}, t('reopenProblem')),
    field(t('reopenReason'), reason),
    h('button', { type: 'submit' }, t('reopenProblem')),
    h('div', { class: 'form-message' }),
  );
}

/**
 * The problem's public face on the sites' known-issues pages (docs/known-issues.md): never the
 * internal title. The sites start as those of its linked cases, the likeliest to be asked.
 */
function publicForm(ctx: ViewContext, path: string, problem: ProblemResource): HTMLElement {
  const shown = h('input', { type: 'checkbox', name: 'public', checked: problem.public === true });
  const title = h('input', { name: 'publicTitle', type: 'text', maxlength: 120 });
  title.value = problem.publicTitle ?? '';
  const message = h('textarea', { name: 'publicMessage', rows: 3, maxlength: 1000 });
  message.value = problem.publicMessage ?? '';
  const sites = h('input', { name: 'publicSiteIds', type: 'text' });
  sites.value = (problem.publicSiteIds?.length ? problem.publicSiteIds : problem.siteIds).join(', ');
  const text = (v: string) => (v.trim() ? v.trim() : null);
  return h(
    'form',
    {
      class: 'action public-problem',
      on: {
        submit: submitter(async () => {
          await api<ProblemResponse>('PATCH', path, {
            body: {
              public: shown.checked,
              publicTitle: text(title.value),
              publicMessage: text(message.value),
              publicSiteIds: sites.value
                .split(',')
                .map((s) => s.trim())
                .filter(Boolean),
            },
          });
          ctx.rerender(notice(t(shown.checked ? 'problemPublished' : 'problemUnpublished')));
        }),
      },
    },
    h('h3', {}, t('publicFace')),
    h('p', { class: 'hint' }, t('publicFaceHint')),
    h('div', { class: 'field checkbox' }, h('label', {}, shown, ' ', t('publicShown'))),
    field(t('publicTitle'), title),
    field(t('publicMessage'), message),
    field(t('publicSites'), sites, t('publicSitesHint')),
    h('button', { type: 'submit' }, t('savePublicFace')),
    h('div', { class: 'form-message' }),
  );
}
