/// <reference lib="dom" />
/**
 * Problems: the API has no list route, so the list is the problems linked to the cases the member
 * can see plus the ones created in this browser; create, link cases, resolve, reopen.
 */
import { api } from '../api.ts';
import { field, h, replace } from '../dom.ts';
import { label, t } from '../i18n.ts';
import type {
  CaseList,
  CaseResource,
  LinkCasesResponse,
  ProblemResponse,
  ResolveProblemResponse,
} from '../types.ts';
import { errorBox, heading, notice, shortId, type ViewContext } from '../ui.ts';

const knownKey = 'closeloop.problems';
const known = (): string[] => {
  try {
    return JSON.parse(localStorage.getItem(knownKey) ?? '[]') as string[];
  } catch {
    return [];
  }
};
const remember = (problemId: string) =>
  localStorage.setItem(knownKey, JSON.stringify([...new Set([problemId, ...known()])].slice(0, 50)));

async function visibleCases(): Promise<CaseResource[]> {
  const items: CaseResource[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 4; page++) {
    const { data } = await api<CaseList>('GET', '/v1/cases', { query: { limit: '100', cursor } });
    items.push(...data.items);
    cursor = data.cursor ?? undefined;
    if (!cursor) break;
  }
  return items;
}

export async function problemsView(ctx: ViewContext): Promise<void> {
  replace(ctx.root, heading(t('problemsTitle')), h('p', {}, t('loading')));
  let cases: CaseResource[];
  let problems: ProblemResponse[];
  try {
    cases = await visibleCases();
    const ids = [...new Set([...known(), ...cases.flatMap((c) => (c.problemId ? [c.problemId] : []))])];
    const answers = await Promise.allSettled(
      ids.map((id) => api<ProblemResponse>('GET', `/v1/problems/${encodeURIComponent(id)}`)),
    );
    problems = answers.flatMap((a) => (a.status === 'fulfilled' ? [a.value.data] : []));
    problems.sort((a, b) => b.problem.createdAt.localeCompare(a.problem.createdAt));
  } catch (error) {
    replace(ctx.root, heading(t('problemsTitle')), errorBox(error));
    return;
  }
  const linkable = cases.filter((c) => !c.problemId && c.status !== 'closed' && c.status !== 'resolved');

  replace(
    ctx.root,
    heading(t('problemsTitle')),
    h('p', { class: 'intro' }, t('problemsIntro')),
    h('div', { class: 'flash', 'aria-live': 'polite' }, ctx.flash),
    createForm(ctx),
    problems.length === 0
      ? h('p', { class: 'empty' }, t('problemsNone'))
      : h(
          'ul',
          { class: 'problems' },
          problems.map((p) => h('li', {}, problemCard(ctx, p, linkable))),
        ),
  );
}

/** Submits a form's request, then re-renders with a notice, or shows the error in the form. */
function submitter(ctx: ViewContext, run: () => Promise<string>) {
  return async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const button = form.querySelector('button[type=submit]') as HTMLButtonElement;
    const message = form.querySelector('.form-message') as HTMLElement;
    button.disabled = true;
    replace(message);
    try {
      ctx.rerender(notice(await run()));
    } catch (error) {
      replace(message, errorBox(error));
      button.disabled = false;
    }
  };
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
          submit: submitter(ctx, async () => {
            const { data } = await api<ProblemResponse>('POST', '/v1/problems', {
              body: {
                title: title.value,
                description: description.value,
                ...(customerMessage.value.trim() ? { customerMessage: customerMessage.value } : {}),
              },
            });
            remember(data.problem.problemId);
            return `${t('create')}: ${data.problem.title}`;
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

function problemCard(
  ctx: ViewContext,
  { problem, caseIds }: ProblemResponse,
  linkable: CaseResource[],
): HTMLElement {
  const path = `/v1/problems/${encodeURIComponent(problem.problemId)}`;
  const forms: HTMLElement[] = [];
  if (problem.status === 'open') {
    if (linkable.length > 0) {
      const boxes = linkable.map((c) => h('input', { type: 'checkbox', name: 'caseIds', value: c.caseId }));
      forms.push(
        h(
          'form',
          {
            class: 'link-cases',
            on: {
              submit: submitter(ctx, async () => {
                const ids = boxes.filter((b) => b.checked).map((b) => b.value);
                const { data } = await api<LinkCasesResponse>('POST', `${path}/cases`, {
                  body: { caseIds: ids },
                });
                return `${t('link')}: ${data.linked.length}`;
              }),
            },
          },
          h(
            'fieldset',
            {},
            h('legend', {}, t('linkCases')),
            linkable.map((c, i) =>
              h(
                'label',
                { class: 'check' },
                boxes[i],
                `${label(c.category)} #${shortId(c.caseId)} · ${label(c.status)} · ${c.teamId}`,
              ),
            ),
          ),
          h('button', { type: 'submit' }, t('link')),
          h('div', { class: 'form-message' }),
        ),
      );
    }
    const message = h('textarea', {
      name: 'customerMessage',
      rows: 2,
      maxlength: 4000,
      required: !problem.customerMessage,
    });
    message.value = problem.customerMessage ?? '';
    forms.push(
      h(
        'form',
        {
          class: 'resolve-problem',
          on: {
            submit: submitter(ctx, async () => {
              const { data } = await api<ResolveProblemResponse>('POST', `${path}/resolve`, {
                body: message.value.trim() ? { customerMessage: message.value } : {},
              });
              return t('problemResolved', { count: data.resolved.length, skipped: data.skipped.length });
            }),
          },
        },
        field(t('resolveMessage'), message),
        h('button', { type: 'submit', class: 'primary' }, t('resolveProblem')),
        h('div', { class: 'form-message' }),
      ),
    );
  } else {
    forms.push(
      h(
        'form',
        {
          class: 'reopen-problem',
          on: {
            submit: submitter(ctx, async () => {
              await api<ProblemResponse>('POST', `${path}/reopen`, { body: {} });
              return `${t('reopenProblem')}: ${problem.title}`;
            }),
          },
        },
        h('button', { type: 'submit' }, t('reopenProblem')),
        h('div', { class: 'form-message' }),
      ),
    );
  }
  return h(
    'article',
    { class: 'card problem', 'data-problem': problem.problemId },
    h(
      'h2',
      {},
      problem.title,
      ' ',
      h('span', { class: `badge problem-${problem.status}` }, t(`problemStatus_${problem.status}` as const)),
    ),
    h('p', {}, problem.description),
    h('p', { class: 'muted' }, t('linkedCases', { count: caseIds.length })),
    caseIds.length > 0 &&
      h(
        'ul',
        { class: 'chips' },
        caseIds.map((id) => h('li', {}, h('a', { href: `#/cases/${id}` }, `#${shortId(id)}`))),
      ),
    forms,
  );
}
