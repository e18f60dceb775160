/// <reference lib="dom" />
/**
 * One case: the feedback, the facts and deadlines, the timeline, and a form per action the case's
 * state allows. Every change sends the version the page was loaded with as `If-Match`; a 409 (the
 * case changed meanwhile) reloads the page and says so.
 */
import { ApiError, api } from '../api.ts';
import { loadNames, type Names } from '../directory.ts';
import { type Child, field, h, replace } from '../dom.ts';
import { formatDateTime, label, type MessageKey, t } from '../i18n.ts';
import { startCountdowns, syncLocalClock } from '../time.ts';
import type { CaseChange, CaseDetail, CaseResource, CaseStatus, TimelineEvent } from '../types.ts';
import { badge, caseLabel, errorBox, heading, notice, shortId, type ViewContext } from '../ui.ts';

const working: CaseStatus[] = ['open', 'acknowledged', 'waiting_on_customer', 'reopened'];

export async function caseView(ctx: ViewContext): Promise<void> {
  const caseId = ctx.params[0] ?? '';
  replace(ctx.root, heading(t('caseTitle', { id: shortId(caseId) })), h('p', {}, t('loading')));
  const namesAnswer = loadNames();
  let detail: CaseDetail;
  let version: number;
  try {
    if (ctx.config.auth.kind === 'local') await syncLocalClock();
    const answer = await api<CaseDetail>('GET', `/v1/cases/${encodeURIComponent(caseId)}`);
    detail = answer.data;
    version = answer.version ?? detail.case.version;
  } catch (error) {
    replace(
      ctx.root,
      h('a', { href: '#/queue' }, t('backToQueue')),
      heading(t('caseTitle', { id: shortId(caseId) })),
      errorBox(error),
    );
    return;
  }
  const c = detail.case;
  const names = await namesAnswer;

  replace(
    ctx.root,
    h('a', { href: '#/queue', class: 'back' }, t('backToQueue')),
    h(
      'div',
      { class: 'case-head' },
      heading(t('caseTitle', { id: caseLabel(c) })),
      badge(c.status),
      badge(c.severity, 'severity'),
      c.escalationLevel > 0 &&
        h('span', { class: 'badge escalated' }, `${t('escalation')} ${c.escalationLevel}`),
    ),
    h('div', { class: 'flash', 'aria-live': 'polite' }, ctx.flash),
    h(
      'div',
      { class: 'case-grid' },
      h('div', { class: 'col' }, feedbackCard(detail), detailsCard(c, version, names)),
      h('div', { class: 'col' }, actionsCard(ctx, c, version)),
    ),
    timelineCard(detail.timeline),
  );
  ctx.onCleanup(startCountdowns(ctx.root));
}

function ratingText(rating: { type: string; score: number } | undefined): string {
  if (!rating) return '—';
  const scale: Record<string, string> = { nps: '/ 10', csat: '/ 5', ces: '/ 7' };
  if (rating.type === 'thumbs') return `${label('thumbs')} ${rating.score === 1 ? '👍' : '👎'}`;
  return `${label(rating.type)} ${rating.score} ${scale[rating.type] ?? ''}`.trim();
}

function feedbackCard(detail: CaseDetail): HTMLElement {
  const fb = detail.feedback;
  const customer = fb?.customer;
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'fb-title' },
    h('h2', { id: 'fb-title' }, t('feedback')),
    h('p', { class: 'rating', 'data-testid': 'rating' }, ratingText(fb?.rating)),
    fb?.comment
      ? h('blockquote', { class: 'comment' }, fb.comment)
      : h('p', { class: 'muted' }, t('noComment')),
    fb?.reasons?.length
      ? h(
          'ul',
          { class: 'chips', 'aria-label': t('reasons') },
          fb.reasons.map((r) => h('li', {}, label(r))),
        )
      : null,
    h(
      'dl',
      { class: 'facts' },
      pair(t('customer'), [customer?.name, customer?.email].filter(Boolean).join(' · ') || '—'),
      pair(t('customerLocale'), detail.case.customerLocale, 'customer-locale'),
      pair(t('contactConsent'), detail.case.contactConsent ? t('yes') : t('no')),
    ),
  );
}

function pair(term: string, value: Child, testId?: string): Child[] {
  return [h('dt', {}, term), h('dd', testId ? { 'data-testid': testId } : {}, value)];
}

function deadline(iso: string, running: boolean): Child {
  return [
    h('time', { datetime: iso }, formatDateTime(iso)),
    running && [' ', h('span', { class: 'countdown', 'data-deadline': iso })],
  ];
}

function detailsCard(c: CaseResource, version: number, names: Names): HTMLElement {
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'details-title' },
    h('h2', { id: 'details-title' }, t('details')),
    h(
      'dl',
      { class: 'facts' },
      pair(t('colTouchpoint'), label(c.touchpoint)),
      pair(t('channel'), c.channel),
      pair(t('category'), label(c.category)),
      pair(t('sentiment'), label(c.sentiment)),
      pair(t('colTeam'), names.team(c.teamId)),
      pair(t('colAssignee'), names.member(c.teamId, c.assigneeId), 'assignee'),
      pair(t('acknowledgeBy'), deadline(c.acknowledgeBy, c.status === 'open' || c.status === 'reopened')),
      pair(
        t('resolveBy'),
        c.status === 'waiting_on_customer'
          ? [
              h('time', { datetime: c.resolveBy }, formatDateTime(c.resolveBy)),
              ' ',
              h('span', { class: 'muted' }, t('paused')),
            ]
          : deadline(c.resolveBy, c.status === 'acknowledged'),
      ),
      c.problemId
        ? pair(t('problem'), h('a', { href: `#/problems/${encodeURIComponent(c.problemId)}` }, c.problemId))
        : null,
      pair(t('routedBy'), c.routedBy),
      pair(t('colOpened'), formatDateTime(c.createdAt)),
      pair(t('version'), String(version), 'version'),
    ),
  );
}

interface ActionSpec {
  action: string;
  title: string;
  from: CaseStatus[];
  fields?: () => { controls: HTMLElement[]; body: () => unknown };
  primary?: boolean;
}

const textarea = (name: string, required = false) =>
  h('textarea', { name, rows: 3, required, maxlength: 4000 });
const input = (name: string) => h('input', { name, type: 'text', maxlength: 500 });
const lines = (el: HTMLTextAreaElement) =>
  el.value
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);

function actionSpecs(c: CaseResource): ActionSpec[] {
  return [
    {
      action: 'acknowledge',
      title: t('actAcknowledge'),
      from: ['open', 'reopened'],
      primary: true,
      fields: () => {
        const note = input('note');
        return {
          controls: [field(t('ackNote'), note)],
          body: () => (note.value.trim() ? { note: note.value } : {}),
        };
      },
    },
    {
      action: 'resume',
      title: t('actResume'),
      from: ['waiting_on_customer'],
      primary: true,
    },
    {
      action: 'notes',
      title: t('actNote'),
      from: ['open', 'acknowledged', 'waiting_on_customer', 'resolved', 'reopened'],
      fields: () => {
        const text = textarea('text', true);
        return { controls: [field(t('noteText'), text)], body: () => ({ text: text.value }) };
      },
    },
    {
      action: 'updates',
      title: t('actUpdate'),
      from: working,
      fields: () => {
        const message = textarea('message', true);
        return {
          controls: [field(t('updateText'), message, c.contactConsent ? undefined : t('updateNoConsent'))],
          body: () => ({ message: message.value }),
        };
      },
    },
    {
      action: 'pause',
      title: t('actPause'),
      from: ['acknowledged'],
      fields: () => {
        const reason = input('reason');
        return {
          controls: [field(t('pauseReason'), reason)],
          body: () => (reason.value.trim() ? { reason: reason.value } : {}),
        };
      },
    },
    {
      action: 'resolve',
      title: t('actResolve'),
      from: working,
      primary: true,
      fields: () => {
        const message = textarea('customerMessage', true);
        const rootCause = textarea('rootCause', true);
        const internal = textarea('internal');
        const external = textarea('external');
        return {
          controls: [
            field(t('resolveMessage'), message, c.contactConsent ? undefined : t('updateNoConsent')),
            field(t('resolveRootCause'), rootCause),
            field(t('resolveInternal'), internal),
            field(t('resolveExternal'), external),
          ],
          body: () => ({
            customerMessage: message.value,
            rootCause: rootCause.value,
            actions: { internal: lines(internal), external: lines(external) },
          }),
        };
      },
    },
    {
      action: 'close',
      title: t('actClose'),
      from: ['resolved'],
      fields: () => {
        const reason = input('reason');
        return {
          controls: [field(t('closeReason'), reason)],
          body: () => (reason.value.trim() ? { reason: reason.value } : {}),
        };
      },
    },
    {
      action: 'reopen',
      title: t('actReopen'),
      from: ['resolved', 'closed'],
      fields: () => {
        const reason = input('reason');
        return {
          controls: [field(t('reopenReason'), reason)],
          body: () => (reason.value.trim() ? { reason: reason.value } : {}),
        };
      },
    },
  ];
}

function actionsCard(ctx: ViewContext, c: CaseResource, version: number): HTMLElement {
  const forms = actionSpecs(c)
    .filter((spec) => spec.from.includes(c.status))
    .map((spec) => actionForm(ctx, c, version, spec));
  return h(
    'section',
    { class: 'card actions', 'aria-labelledby': 'actions-title' },
    h('h2', { id: 'actions-title' }, t('actions')),
    forms.length ? forms : h('p', { class: 'muted' }, t('noActions')),
  );
}

function actionForm(ctx: ViewContext, c: CaseResource, version: number, spec: ActionSpec): HTMLFormElement {
  const parts = spec.fields?.() ?? { controls: [], body: () => ({}) };
  const message = h('div', { class: 'form-message' });
  const button = h('button', { type: 'submit', class: spec.primary ? 'primary' : undefined }, spec.title);
  const form = h(
    'form',
    {
      class: `action action-${spec.action}`,
      'data-action': spec.action,
      'aria-label': spec.title,
      on: {
        submit: async (event) => {
          event.preventDefault();
          button.disabled = true;
          replace(message);
          try {
            await api<CaseChange>('POST', `/v1/cases/${encodeURIComponent(c.caseId)}/${spec.action}`, {
              ifMatch: version,
              body: parts.body(),
            });
            ctx.rerender(notice(t('done', { action: spec.title })));
          } catch (error) {
            // A conflict means the page is out of date: reload it and keep the explanation on top.
            if (error instanceof ApiError && error.status === 409) ctx.rerender(errorBox(error));
            else {
              replace(message, errorBox(error));
              button.disabled = false;
            }
          }
        },
      },
    },
    parts.controls,
    button,
    message,
  );
  return form;
}

/** The words of an event worth reading: texts, the state change, actions; other scalar fields compactly. */
function eventBody(e: TimelineEvent): Child[] {
  const d = e.data;
  const textKeys = ['text', 'note', 'message', 'reason', 'customerMessage', 'rootCause'];
  // Ids, deadlines and fields the page shows elsewhere; what is left is worth a glance.
  const hidden = new Set([
    ...textKeys,
    'from',
    'to',
    'actions',
    'feedbackId',
    'receivedAt',
    'siteId',
    'problem',
    'problemId',
    'messageId',
    'noticeId',
    'step',
    'memberId',
    'acknowledgeBy',
    'resolveBy',
    'severityRule',
    'routedBy',
    'touchpoint',
    'channel',
    'sentiment',
    'teamId',
  ]);
  const out: Child[] = [];
  if (typeof d.from === 'string' && typeof d.to === 'string' && d.from !== d.to) {
    out.push(h('p', { class: 'transition' }, `${label(d.from)} → ${label(d.to)}`));
  }
  const prefixes: Record<string, MessageKey> = { customerMessage: 'toCustomer', rootCause: 'rootCause' };
  for (const key of textKeys) {
    const v = d[key];
    const prefix = prefixes[key];
    if (typeof v === 'string' && v) {
      out.push(
        h(
          'p',
          { class: `event-text event-${key}` },
          prefix && h('span', { class: 'event-key' }, `${t(prefix)} `),
          v,
        ),
      );
    }
  }
  const actions = d.actions as { internal?: string[]; external?: string[] } | undefined;
  const actionList = [...(actions?.internal ?? []), ...(actions?.external ?? [])];
  if (actionList.length)
    out.push(
      h(
        'ul',
        { class: 'event-actions' },
        actionList.map((a) => h('li', {}, a)),
      ),
    );
  const extras: string[] = [];
  for (const [key, v] of Object.entries(d)) {
    if (hidden.has(key)) continue;
    if (typeof v === 'string') extras.push(`${key}: ${label(v)}`);
    else if (typeof v === 'number' || typeof v === 'boolean') extras.push(`${key}: ${v}`);
    else if (Array.isArray(v) && v.length)
      extras.push(`${key}: ${v.map((x) => label(String(x))).join(', ')}`);
    else if (v && typeof v === 'object' && 'type' in v && 'score' in v) {
      const r = v as { type: unknown; score: unknown };
      extras.push(`${key}: ${String(r.type)} ${String(r.score)}`);
    }
  }
  if (extras.length) out.push(h('p', { class: 'event-extras' }, extras.join(' · ')));
  return out;
}

function timelineCard(timeline: TimelineEvent[]): HTMLElement {
  return h(
    'section',
    { class: 'card timeline-card', 'aria-labelledby': 'timeline-title' },
    h('h2', { id: 'timeline-title' }, t('timeline')),
    h(
      'ol',
      { class: 'timeline', 'data-testid': 'timeline' },
      timeline.map((e) =>
        h(
          'li',
          { 'data-type': e.type, class: `event event-type-${e.type}` },
          h(
            'div',
            { class: 'event-head' },
            h('strong', {}, label(e.type)),
            h('time', { datetime: e.at }, formatDateTime(e.at)),
            h(
              'span',
              { class: 'actor' },
              t('byActor', { actor: e.actor.replace(/^staff:/, '') }),
              ' · ',
              t('viaChannel', { via: e.via }),
            ),
          ),
          eventBody(e),
        ),
      ),
    ),
  );
}
