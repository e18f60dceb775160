/// <reference lib="dom" />
/**
 * My queue: the active cases of the member's teams, overdue first then by the nearest deadline
 * (sorted here: the API lists newest first), with a live countdown to each case's deadline.
 */
import { api } from '../api.ts';
import { loadNames, type Names } from '../directory.ts';
import { field, h, replace } from '../dom.ts';
import { formatDateTime, label, t } from '../i18n.ts';
import { serverNow, startCountdowns, syncLocalClock } from '../time.ts';
import type {
  CaseList,
  CaseResource,
  CaseStatus,
  LinkCasesResponse,
  ProblemListItem,
  ProblemResponse,
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
import { openProblems, problemHash } from './problems.ts';

const activeStatuses: CaseStatus[] = ['open', 'acknowledged', 'waiting_on_customer', 'reopened'];
const allStatuses: CaseStatus[] = [...activeStatuses, 'resolved', 'closed'];
const pageSize = 100;
const maxPages = 4;

/** The deadline that matters now: acknowledge-by until acknowledged, then resolve-by; none while paused or done. */
export function activeDeadline(c: CaseResource): { at: string; kind: 'dueAck' | 'dueResolve' } | undefined {
  if (c.status === 'open' || c.status === 'reopened') return { at: c.acknowledgeBy, kind: 'dueAck' };
  if (c.status === 'acknowledged') return { at: c.resolveBy, kind: 'dueResolve' };
  return undefined;
}

/** Overdue first, then the nearest deadline; cases without a running deadline last, newest first. */
export function queueOrder(a: CaseResource, b: CaseResource): number {
  const da = activeDeadline(a);
  const db = activeDeadline(b);
  const ta = da ? Date.parse(da.at) : Number.POSITIVE_INFINITY;
  const tb = db ? Date.parse(db.at) : Number.POSITIVE_INFINITY;
  if (ta !== tb) return ta - tb;
  return b.createdAt.localeCompare(a.createdAt);
}

export async function queueView(ctx: ViewContext): Promise<void> {
  const q = ctx.query;
  const status = q.get('status') ?? 'active';
  const team = q.get('team') ?? '';
  const mine = q.get('mine') === '1';
  const overdue = q.get('overdue') === '1';
  const statusParam = status === 'all' ? undefined : status === 'active' ? activeStatuses.join(',') : status;

  replace(ctx.root, heading(t('queueTitle')), h('p', {}, t('loading')));
  // For "link to problem"; the queue works without it.
  const problemsAnswer = openProblems().then(
    (list) => list,
    () => undefined,
  );
  const namesAnswer = loadNames();
  let items: CaseResource[] = [];
  let truncated = false;
  try {
    if (ctx.config.auth.kind === 'local') await syncLocalClock();
    let cursor: string | undefined;
    for (let page = 0; page < maxPages; page++) {
      const { data } = await api<CaseList>('GET', '/v1/cases', {
        query: {
          status: statusParam,
          team: team || undefined,
          assignee: mine ? ctx.session.memberId : undefined,
          overdue: overdue ? 'true' : undefined,
          limit: String(pageSize),
          cursor,
        },
      });
      items.push(...data.items);
      cursor = data.cursor ?? undefined;
      if (!cursor) break;
      truncated = page === maxPages - 1;
    }
  } catch (error) {
    replace(ctx.root, heading(t('queueTitle')), errorBox(error));
    return;
  }
  items = items.sort(queueOrder);
  const names = await namesAnswer;

  // Every team the viewer may see, those without cases yet included.
  const teamIds = [
    ...new Set(
      [...names.teamIds, ...ctx.session.teamIds, ...items.map((c) => c.teamId), team].filter(Boolean),
    ),
  ].sort();
  const statusSelect = h(
    'select',
    { name: 'status' },
    h('option', { value: 'active' }, t('allActive')),
    allStatuses.map((s) => h('option', { value: s }, label(s))),
    h('option', { value: 'all' }, t('allStates')),
  );
  statusSelect.value = status;
  const teamSelect = h(
    'select',
    { name: 'team' },
    h('option', { value: '' }, t('allTeams')),
    teamIds.map((id) => h('option', { value: id }, names.team(id))),
  );
  teamSelect.value = team;
  const mineBox = h('input', { type: 'checkbox', name: 'mine', checked: mine });
  const overdueBox = h('input', { type: 'checkbox', name: 'overdue', checked: overdue });
  const filters = h(
    'form',
    {
      class: 'filters',
      'aria-label': t('filterApply'),
      on: {
        submit: (event) => {
          event.preventDefault();
          const next = new URLSearchParams();
          if (statusSelect.value !== 'active') next.set('status', statusSelect.value);
          if (teamSelect.value) next.set('team', teamSelect.value);
          if (mineBox.checked) next.set('mine', '1');
          if (overdueBox.checked) next.set('overdue', '1');
          const qs = next.toString();
          ctx.navigate(qs ? `#/queue?${qs}` : '#/queue');
        },
      },
    },
    field(t('filterStatus'), statusSelect),
    field(t('filterTeam'), teamSelect),
    h('label', { class: 'check' }, mineBox, t('filterMine')),
    h('label', { class: 'check' }, overdueBox, t('filterOverdue')),
    h('button', { type: 'submit' }, t('filterApply')),
  );

  const now = serverNow();
  const overdueCount = items.filter((c) => {
    const d = activeDeadline(c);
    return d !== undefined && Date.parse(d.at) < now;
  }).length;

  const problems = await problemsAnswer;
  const boxes = items.map((c) =>
    h('input', {
      type: 'checkbox',
      name: 'select',
      value: c.caseId,
      disabled: !linkable(c),
      'aria-label': t('selectCase', { case: caseLabel(c) }),
    }),
  );
  const selectAll = h('input', { type: 'checkbox', name: 'selectAll', 'aria-label': t('selectAll') });
  const selected = h('p', {
    class: 'selected-count',
    'aria-live': 'polite',
    'data-testid': 'selected-count',
  });
  const enabled = boxes.filter((b) => !b.disabled);
  const syncSelection = () => {
    const n = enabled.filter((b) => b.checked).length;
    selectAll.checked = n > 0 && n === enabled.length;
    selectAll.indeterminate = n > 0 && n < enabled.length;
    selected.textContent = t('selectedCount', { count: n });
  };
  for (const b of enabled) b.addEventListener('change', syncSelection);
  selectAll.disabled = enabled.length === 0;
  selectAll.addEventListener('change', () => {
    for (const b of enabled) b.checked = selectAll.checked;
    syncSelection();
  });
  syncSelection();

  const table =
    items.length === 0
      ? h('p', { class: 'empty' }, t('queueEmpty'))
      : h(
          'table',
          { class: 'queue' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', { scope: 'col', class: 'select' }, selectAll),
              [
                t('colDue'),
                t('colCase'),
                t('colStatus'),
                t('colSeverity'),
                t('colTouchpoint'),
                t('colTeam'),
                t('colAssignee'),
                t('colOpened'),
              ].map((c) => h('th', { scope: 'col' }, c)),
            ),
          ),
          h(
            'tbody',
            {},
            items.map((c, i) => row(c, boxes[i] as HTMLInputElement, names)),
          ),
        );

  replace(
    ctx.root,
    heading(t('queueTitle')),
    h('p', { class: 'intro' }, t('queueIntro')),
    h('div', { class: 'flash', 'aria-live': 'polite' }, ctx.flash),
    filters,
    h(
      'p',
      { class: 'summary', 'data-testid': 'queue-summary' },
      t('queueSummary', { count: items.length, overdue: overdueCount }),
    ),
    truncated && h('p', { class: 'alert info' }, t('queueMore', { count: items.length })),
    items.length > 0 && linkBar(ctx, boxes, selected, problems),
    table,
  );
  ctx.onCleanup(startCountdowns(ctx.root));
}

/** A case a problem can take: not closed and not linked to one already. */
const linkable = (c: CaseResource) => !c.problemId && c.status !== 'closed';
const newProblem = '__new';

/**
 * "Link to problem" for the cases ticked in the table: an open problem from the list, or a new one
 * (created first, then linked; a failed link leaves it selected for another try).
 */
function linkBar(
  ctx: ViewContext,
  boxes: HTMLInputElement[],
  selected: HTMLElement,
  problems: ProblemListItem[] | undefined,
): HTMLElement {
  const target = h(
    'select',
    { name: 'problem' },
    (problems ?? []).map(({ problem, caseCount }) =>
      h(
        'option',
        { value: problem.problemId },
        `${problem.title} (${t('linkedCases', { count: caseCount })})`,
      ),
    ),
    h('option', { value: newProblem }, t('linkTargetNew')),
  );
  target.value = problems?.[0]?.problem.problemId ?? newProblem;
  const title = h('input', { name: 'title', type: 'text', maxlength: 200 });
  const description = h('textarea', { name: 'description', rows: 2, maxlength: 4000 });
  const newFields = h(
    'div',
    { class: 'new-problem' },
    field(t('problemTitle'), title),
    field(t('problemDescription'), description),
  );
  const syncTarget = () => {
    const isNew = target.value === newProblem;
    newFields.hidden = !isNew;
    title.required = isNew;
    description.required = isNew;
  };
  target.addEventListener('change', syncTarget);
  syncTarget();
  const message = h('div', { class: 'form-message' });
  return h(
    'form',
    {
      class: 'card link-bar',
      'aria-labelledby': 'link-bar-title',
      on: {
        submit: submitter(async () => {
          const ids = boxes.filter((b) => b.checked && !b.disabled).map((b) => b.value);
          if (ids.length === 0) throw new InputProblem(t('linkNoneSelected'));
          let problemId = target.value;
          let problemTitle = target.selectedOptions[0]?.textContent ?? '';
          let created = false;
          if (problemId === newProblem) {
            const { data } = await api<ProblemResponse>('POST', '/v1/problems', {
              body: { title: title.value, description: description.value },
            });
            problemId = data.problem.problemId;
            problemTitle = data.problem.title;
            created = true;
            target.prepend(h('option', { value: problemId }, problemTitle));
            target.value = problemId;
            syncTarget();
          }
          try {
            const { data } = await api<LinkCasesResponse>(
              'POST',
              `/v1/problems/${encodeURIComponent(problemId)}/cases`,
              {
                body: { caseIds: ids },
              },
            );
            ctx.rerender(
              notice(
                t('casesLinked', {
                  title: data.problem.title,
                  count: data.linked.length,
                  already: data.alreadyLinked.length,
                }),
                h('a', { href: problemHash(problemId) }, data.problem.title),
              ),
            );
          } catch (error) {
            if (!created) throw error;
            replace(
              message,
              h(
                'p',
                {},
                t('createdButNotLinked', { title: problemTitle }),
                ' ',
                h('a', { href: problemHash(problemId) }, problemTitle),
              ),
              errorBox(error),
            );
          }
        }),
      },
    },
    h('h2', { id: 'link-bar-title' }, t('linkBarTitle')),
    selected,
    problems === undefined && h('p', { class: 'hint' }, t('openProblemsFailed')),
    h('div', { class: 'link-controls' }, field(t('linkTarget'), target), newFields),
    h('button', { type: 'submit' }, t('linkToProblem')),
    message,
  );
}

function row(c: CaseResource, box: HTMLInputElement, names: Names): HTMLTableRowElement {
  const deadline = activeDeadline(c);
  return h(
    'tr',
    { 'data-case': c.caseId, class: `severity-${c.severity}` },
    h('td', { class: 'select' }, box),
    h(
      'td',
      { class: 'due' },
      deadline
        ? [
            h('span', { class: 'due-kind' }, t(deadline.kind)),
            h('time', { class: 'countdown', datetime: deadline.at, 'data-deadline': deadline.at }),
          ]
        : h('span', { class: 'muted' }, c.status === 'waiting_on_customer' ? t('paused') : t('noDeadline')),
    ),
    h(
      'td',
      {},
      h(
        'a',
        { href: `#/cases/${c.caseId}` },
        `${label(c.category)} `,
        h('span', { class: 'id' }, caseLabel(c)),
      ),
      c.problemId && [
        ' ',
        h('a', { class: 'badge problem-link', href: problemHash(c.problemId) }, t('linkedToProblem')),
      ],
    ),
    h('td', {}, badge(c.status)),
    h('td', {}, badge(c.severity, 'severity')),
    h('td', {}, label(c.touchpoint)),
    h('td', { class: 'team', 'data-team': c.teamId }, names.team(c.teamId)),
    h('td', { class: 'owner', 'data-member': c.assigneeId }, names.member(c.teamId, c.assigneeId)),
    h('td', { class: 'opened' }, h('time', { datetime: c.createdAt }, formatDateTime(c.createdAt))),
  );
}
