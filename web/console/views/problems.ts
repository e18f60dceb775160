/// <reference lib="dom" />
/**
 * Problems: the list from `GET /v1/problems` (open, resolved or all, kept in the hash as
 * `#/problems?status=…`), a page at a time, and the form that creates one. The detail of one
 * problem is views/problem.ts.
 */
import { api } from '../api.ts';
import { field, h, replace } from '../dom.ts';
import { formatDateTime, t } from '../i18n.ts';
import type { ProblemList, ProblemListItem, ProblemResource, ProblemResponse } from '../types.ts';
import { errorBox, heading, notice, submitter, type ViewContext } from '../ui.ts';

const filters = ['all', 'open', 'resolved'] as const;
type Filter = (typeof filters)[number];
const pageSize = 20;

const filterOf = (value: string | null): Filter =>
  filters.includes(value as Filter) ? (value as Filter) : 'all';
const filterHash = (f: Filter) => (f === 'all' ? '#/problems' : `#/problems?status=${f}`);
export const problemHash = (problemId: string) => `#/problems/${encodeURIComponent(problemId)}`;

/** One page of the list; `status` undefined: open ones first, then resolved. */
async function listPage(status: Filter, cursor?: string): Promise<ProblemList> {
  const { data } = await api<ProblemList>('GET', '/v1/problems', {
    query: { status: status === 'all' ? undefined : status, limit: String(pageSize), cursor },
  });
  return data;
}

/** The open problems, newest first (for the queue's "link to problem"); at most 300. */
export async function openProblems(): Promise<ProblemListItem[]> {
  const items: ProblemListItem[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 3; page++) {
    const { data } = await api<ProblemList>('GET', '/v1/problems', {
      query: { status: 'open', limit: '100', cursor },
    });
    items.push(...data.items);
    cursor = data.cursor ?? undefined;
    if (!cursor) break;
  }
  return items;
}

export function problemBadge(status: ProblemResource['status']): HTMLElement {
  return h('span', { class: `badge problem-${status}` }, t(`problemStatus_${status}` as const));
}

/** The verdict of the last fix check; a `worse` / `no_change` one flagged for a look. */
export function fixCheck(problem: ProblemResource, flagged: boolean): HTMLElement {
  const v = problem.verification;
  if (!v) return h('span', { class: 'muted' }, t('notChecked'));
  const verdict = t(`verdict_${v.verdict}` as const);
  return flagged
    ? h('strong', { class: 'flag', 'data-testid': 'flag' }, '⚑ ', t('flagged', { verdict }))
    : h('span', { class: `verdict verdict-${v.verdict}` }, verdict);
}

export const timeOf = (iso: string | undefined): HTMLElement =>
  iso ? h('time', { datetime: iso }, formatDateTime(iso)) : h('span', { class: 'muted' }, t('none'));

function problemRow({ problem, caseCount, customerCount, flagged }: ProblemListItem): HTMLElement {
  return h(
    'tr',
    { 'data-problem': problem.problemId, class: flagged ? 'flagged' : undefined },
    h('th', { scope: 'row' }, h('a', { href: problemHash(problem.problemId) }, problem.title)),
    h('td', {}, problemBadge(problem.status)),
    h('td', {}, problem.teams.join(', ') || h('span', { class: 'muted' }, t('none'))),
    h('td', { class: 'num', 'data-testid': 'case-count' }, caseCount),
    h('td', { class: 'num', 'data-testid': 'customer-count' }, customerCount),
    h('td', {}, timeOf(problem.createdAt)),
    h('td', {}, timeOf(problem.status === 'resolved' ? problem.resolvedAt : undefined)),
    h('td', {}, fixCheck(problem, flagged)),
  );
}

export async function problemsView(ctx: ViewContext): Promise<void> {
  const status = filterOf(ctx.query.get('status'));
  replace(ctx.root, heading(t('problemsTitle')), h('p', {}, t('loading')));
  let first: ProblemList;
  try {
    first = await listPage(status);
  } catch (error) {
    replace(ctx.root, heading(t('problemsTitle')), errorBox(error));
    return;
  }

  const nav = h(
    'nav',
    { class: 'segmented', 'aria-label': t('problemsFilterLabel') },
    h(
      'ul',
      {},
      filters.map((f) =>
        h(
          'li',
          {},
          h(
            'a',
            { href: filterHash(f), 'aria-current': f === status ? 'true' : undefined },
            t(`problemsFilter_${f}` as const),
          ),
        ),
      ),
    ),
  );

  replace(
    ctx.root,
    heading(t('problemsTitle')),
    h('p', { class: 'intro' }, t('problemsIntro')),
    h('div', { class: 'flash', 'aria-live': 'polite' }, ctx.flash),
    createForm(ctx),
    nav,
    first.items.length === 0
      ? h('p', { class: 'empty' }, t(`problemsNone_${status}` as const))
      : problemTable(first, status),
  );
}

/** The table and, while the API has more, a button that appends the next page. */
function problemTable(first: ProblemList, status: Filter): HTMLElement[] {
  const tbody = h('tbody', {}, first.items.map(problemRow));
  const table = h(
    'table',
    { class: 'problems' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        [
          t('colProblem'),
          t('colStatus'),
          t('colTeams'),
          t('colCases'),
          t('colCustomers'),
          t('colCreated'),
          t('colResolved'),
          t('colFixCheck'),
        ].map((c) => h('th', { scope: 'col' }, c)),
      ),
    ),
    tbody,
  );
  let cursor = first.cursor;
  const message = h('div', { class: 'form-message' });
  const more = h('button', { type: 'button', class: 'more', hidden: !cursor }, t('problemsMore'));
  more.addEventListener('click', async () => {
    if (!cursor) return;
    more.disabled = true;
    replace(message);
    try {
      const next = await listPage(status, cursor);
      const rows = next.items.map(problemRow);
      tbody.append(...rows);
      cursor = next.cursor;
      more.hidden = !cursor;
      // Keyboard users carry on at the first new row rather than at the page's end.
      rows[0]?.querySelector('a')?.focus();
    } catch (error) {
      replace(message, errorBox(error));
    } finally {
      more.disabled = false;
    }
  });
  return [table, h('div', { class: 'paging' }, more, message)];
}

function createForm(ctx: ViewContext): HTMLElement {
  const title = h('input', { name: 'title', type: 'text', required: true, maxlength: 200 });
  const description = h('textarea', { name: 'description', rows: 3, required: true, maxlength: 4000 });
  const customerMessage = h('textarea', { name: 'customerMessage', rows: 3, maxlength: 4000 });
  return h(
    'details',
    { class: 'card create-problem' },
    h('summary', {}, t('createProblem')),
    h(
      'form',
      {
        on: {
          submit: submitter(async () => {
            const { data } = await api<ProblemResponse>('POST', '/v1/problems', {
              body: {
                title: title.value,
                description: description.value,
                ...(customerMessage.value.trim() ? { customerMessage: customerMessage.value } : {}),
              },
            });
            ctx.navigate(
              problemHash(data.problem.problemId),
              notice(t('problemCreated', { title: data.problem.title })),
            );
          }),
        },
      },
      field(t('problemTitle'), title),
      field(t('problemDescription'), description),
      field(t('problemCustomerMessage'), customerMessage),
      h('button', { type: 'submit', class: 'primary' }, t('create')),
      h('div', { class: 'form-message' }),
    ),
  );
}
