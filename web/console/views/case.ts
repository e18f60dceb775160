/// <reference lib="dom" />
/**
 * One case: the customer's words first, the facts and deadlines with a reassign control, a form per
 * action the case's state allows, and the timeline split in two tracks: what passed between the
 * team and the customer, and what stayed inside the team. Every change sends the version the page
 * was loaded with as `If-Match`; a 409 (the case changed meanwhile) reloads the page and says so.
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
      h('div', { class: 'col' }, feedbackCard(detail), detailsCard(ctx, c, version, names)),
      h('div', { class: 'col' }, actionsCard(ctx, c, version)),
    ),
    h(
      'div',
      { class: 'tracks' },
      conversationCard(detail, names),
      internalCard(detail.timeline.filter(isInternal), c, names),
    ),
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
    { class: 'card customer-words', 'aria-labelledby': 'fb-title' },
    h('h2', { id: 'fb-title' }, t('customerWords')),
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
      contextValue(fb?.context?.orderId) &&
        pair(t('orderId'), contextValue(fb?.context?.orderId), 'order-id'),
      contextValue(fb?.context?.pageUrl) &&
        pair(t('pageUrl'), pageLink(contextValue(fb?.context?.pageUrl)), 'page-url'),
      pair(t('customerLocale'), detail.case.customerLocale, 'customer-locale'),
      pair(t('contactConsent'), detail.case.contactConsent ? t('yes') : t('no')),
    ),
  );
}

/** A widget context field as text; empty when absent. */
function contextValue(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
    ? String(value)
    : '';
}

/**
 * The page the customer wrote from. The customer's browser sends it, so only an http(s) address
 * becomes a link: a `javascript:` one would run in the console when clicked.
 */
function pageLink(url: string): Child {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return url;
  return h('a', { href: parsed.href, rel: 'noopener noreferrer', target: '_blank' }, url);
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

function detailsCard(ctx: ViewContext, c: CaseResource, version: number, names: Names): HTMLElement {
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
    working.includes(c.status) && reassignForm(ctx, c, version, names),
  );
}

/** Hands the case to another member of its team, chosen by name. */
function reassignForm(
  ctx: ViewContext,
  c: CaseResource,
  version: number,
  names: Names,
): HTMLFormElement | null {
  const members = names.members(c.teamId);
  // Without the directory there are no names to choose from, and ids would invite typos.
  if (members.length === 0) return null;
  const select = h(
    'select',
    { name: 'assigneeId' },
    members.map((m) =>
      h(
        'option',
        { value: m.memberId, selected: m.memberId === c.assigneeId },
        m.available ? m.name : t('memberUnavailable', { name: m.name }),
      ),
    ),
  );
  const button = h('button', { type: 'submit' }, t('reassign'));
  const message = h('div', { class: 'form-message' });
  return h(
    'form',
    {
      class: 'reassign',
      'aria-label': t('reassign'),
      on: {
        submit: async (event) => {
          event.preventDefault();
          button.disabled = true;
          replace(message);
          try {
            await api<CaseChange>('POST', `/v1/cases/${encodeURIComponent(c.caseId)}/assign`, {
              ifMatch: version,
              body: { assigneeId: select.value },
            });
            ctx.rerender(notice(t('reassigned', { name: names.member(c.teamId, select.value) })));
          } catch (error) {
            // The owner may have changed too: a choice made on the old page means little now.
            if (error instanceof ApiError && (error.status === 409 || error.status === 412)) {
              ctx.rerender(errorBox(error));
            } else {
              replace(message, errorBox(error));
              button.disabled = false;
            }
          }
        },
      },
    },
    field(t('reassignTo'), select),
    button,
    message,
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
function eventBody(e: TimelineEvent, omit: readonly string[] = []): Child[] {
  const d = e.data;
  const textKeys = ['text', 'note', 'message', 'reason', 'customerMessage', 'rootCause'].filter(
    (k) => !omit.includes(k),
  );
  // Ids, deadlines and fields the page shows elsewhere; what is left is worth a glance.
  const hidden = new Set([
    ...textKeys,
    ...omit,
    'assigneeId',
    'previousAssigneeId',
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

const isCustomerNotice = (e: TimelineEvent): boolean =>
  e.type === 'notice_sent' && typeof e.data.kind === 'string' && e.data.kind.startsWith('customer_');

/** Everything but what the customer wrote or was sent (the conversation track has those). */
const isInternal = (e: TimelineEvent): boolean =>
  e.actor !== 'customer' && e.type !== 'update_sent' && !isCustomerNotice(e);

function actorName(actor: string, c: CaseResource, names: Names): string {
  return actor.startsWith('staff:') ? names.member(c.teamId, actor.slice('staff:'.length)) : actor;
}

function eventHead(title: string, at: string, actor: Child, via?: string): HTMLElement {
  return h(
    'div',
    { class: 'event-head' },
    h('strong', {}, title),
    h('time', { datetime: at }, formatDateTime(at)),
    h(
      'span',
      { class: 'actor' },
      t('byActor', { actor: String(actor) }),
      via && [' · ', t('viaChannel', { via })],
    ),
  );
}

/** Who had the case and who has it now, by name (a case's first assignment has no one before). */
function handover(e: TimelineEvent, c: CaseResource, names: Names): Child {
  const { assigneeId, previousAssigneeId } = e.data;
  if (typeof assigneeId !== 'string') return null;
  const to = names.member(c.teamId, assigneeId);
  return h(
    'p',
    { class: 'transition handover' },
    typeof previousAssigneeId === 'string'
      ? `${names.member(c.teamId, previousAssigneeId)} → ${to}`
      : `→ ${to}`,
  );
}

function internalCard(events: TimelineEvent[], c: CaseResource, names: Names): HTMLElement {
  return h(
    'section',
    { class: 'card timeline-card track-internal', 'aria-labelledby': 'internal-title' },
    h('h2', { id: 'internal-title' }, t('trackInternal')),
    h('p', { class: 'muted' }, t('trackInternalHint')),
    h(
      'ol',
      { class: 'timeline', 'data-testid': 'timeline' },
      events.map((e) =>
        h(
          'li',
          {
            'data-type': e.type,
            'data-kind': typeof e.data.kind === 'string' ? e.data.kind : undefined,
            class: `event event-type-${e.type}`,
          },
          eventHead(label(e.type), e.at, actorName(e.actor, c, names), e.via),
          e.type === 'assigned' && handover(e, c, names),
          // The resolution's message to the customer is part of the conversation.
          eventBody(e, e.type === 'resolved' ? ['customerMessage'] : []),
        ),
      ),
    ),
  );
}

/** How a message reached the customer: the status of its notice, if one was sent. */
interface Delivery {
  noticeId: string;
  status: string;
  at: string;
}

/** One entry of the conversation: the customer's words, or what the team sent them. */
interface Said {
  type: string;
  at: string;
  fromCustomer: boolean;
  title: string;
  actor: string;
  text?: string;
  /** The notice kind of a notice with no message of its own. */
  kind?: string;
  /** The notice kinds that deliver this message (a progress update, a resolution). */
  deliveredBy?: readonly string[];
  delivery?: Delivery;
}

const messageKinds: Record<string, readonly string[]> = {
  update_sent: ['customer_progress'],
  resolved: ['customer_resolved', 'customer_problem_resolved'],
};

/** A released copy (`<id>:released`) delivers the notice that was held for the opt-in. */
const baseNoticeId = (id: unknown): string => String(id ?? '').replace(/:released$/, '');

/**
 * The conversation in order: the feedback, each message the team wrote for the customer with the
 * notice that carried it, notices with no message of their own (receipt, follow-up survey), and
 * what the customer did through their links.
 */
function conversationOf(detail: CaseDetail): Said[] {
  const said: Said[] = [];
  const fb = detail.feedback;
  if (fb) {
    said.push({
      type: 'feedback',
      at: fb.receivedAt,
      fromCustomer: true,
      title: t('customerWrote'),
      actor: 'customer',
      text: fb.comment || ratingText(fb.rating),
    });
  }
  for (const e of detail.timeline) {
    const text = e.type === 'resolved' ? e.data.customerMessage : e.data.message;
    const kinds = messageKinds[e.type];
    if (kinds && typeof text === 'string' && text) {
      said.push({
        type: e.type,
        at: e.at,
        fromCustomer: false,
        title: t(e.type === 'resolved' ? 'messageResolution' : 'messageProgress'),
        actor: e.actor,
        text,
        deliveredBy: kinds,
      });
    } else if (isCustomerNotice(e)) {
      const kind = String(e.data.kind);
      const noticeId = baseNoticeId(e.data.noticeId);
      const delivery = { noticeId, status: String(e.data.status ?? ''), at: e.at };
      // A retry or a released copy updates its notice; else the oldest message still waiting for one.
      const carried =
        said.find((s) => s.delivery?.noticeId === noticeId) ??
        said.find((s) => !s.delivery && s.deliveredBy?.includes(kind));
      if (carried) carried.delivery = delivery;
      else {
        said.push({
          type: e.type,
          at: e.at,
          fromCustomer: false,
          title: noticeKindLabel(kind),
          actor: e.actor,
          kind,
          delivery,
        });
      }
    } else if (e.actor === 'customer') {
      const words = e.data.comment ?? e.data.reason;
      said.push({
        type: e.type,
        at: e.at,
        fromCustomer: true,
        title: label(e.type),
        actor: e.actor,
        ...(typeof words === 'string' && words ? { text: words } : {}),
      });
    }
  }
  return said;
}

const noticeKindLabel = (kind: string): string => {
  const key = `noticeKind_${kind}` as MessageKey;
  return key in noticeKindKeys ? t(key) : kind;
};
const noticeKindKeys = {
  noticeKind_customer_received: true,
  noticeKind_customer_confirm: true,
  noticeKind_customer_progress: true,
  noticeKind_customer_resolved: true,
  noticeKind_customer_problem_resolved: true,
  noticeKind_customer_follow_up: true,
  noticeKind_customer_survey_invitation: true,
} satisfies Partial<Record<MessageKey, true>>;

const deliveryKeys = {
  delivery_sent: true,
  delivery_failed: true,
  delivery_suppressed: true,
  delivery_no_consent: true,
  delivery_held: true,
  delivery_superseded: true,
  delivery_erased: true,
  delivery_batched: true,
  delivery_pending: true,
} satisfies Partial<Record<MessageKey, true>>;

/** Reached the customer's mailbox (as far as SES says). */
const reached = (s: Said): boolean => s.delivery?.status === 'sent' || s.delivery?.status === 'batched';

function deliveryLine(s: Said, c: CaseResource): Child {
  if (s.fromCustomer) return null;
  const status = s.delivery?.status ?? (c.contactConsent ? 'pending' : 'no_consent');
  const key = `delivery_${status}` as MessageKey;
  return h(
    'p',
    { class: `delivery delivery-${status}`, 'data-status': status },
    key in deliveryKeys ? t(key) : status,
    s.delivery && [' · ', h('time', { datetime: s.delivery.at }, formatDateTime(s.delivery.at))],
  );
}

function lastToldLine(said: Said[]): HTMLElement {
  const last = said
    .filter(reached)
    .sort((a, b) => Date.parse(a.delivery?.at ?? '') - Date.parse(b.delivery?.at ?? ''))
    .at(-1);
  return h(
    'p',
    { class: 'last-told', 'data-testid': 'last-told' },
    last?.delivery
      ? t('lastTold', {
          what: last.text ? t('quoted', { title: last.title, text: last.text }) : last.title,
          when: formatDateTime(last.delivery.at),
        })
      : t('notYetTold'),
  );
}

function conversationCard(detail: CaseDetail, names: Names): HTMLElement {
  const c = detail.case;
  const said = conversationOf(detail);
  return h(
    'section',
    { class: 'card timeline-card track-conversation', 'aria-labelledby': 'conversation-title' },
    h('h2', { id: 'conversation-title' }, t('trackConversation')),
    lastToldLine(said),
    h(
      'ol',
      { class: 'timeline conversation', 'data-testid': 'conversation' },
      said.map((s) =>
        h(
          'li',
          {
            'data-type': s.type,
            'data-kind': s.kind,
            class: `event said ${s.fromCustomer ? 'said-customer' : 'said-team'} event-type-${s.type}`,
          },
          eventHead(s.title, s.at, s.fromCustomer ? t('theCustomer') : actorName(s.actor, c, names)),
          s.text && h('p', { class: 'event-text' }, s.text),
          deliveryLine(s, c),
        ),
      ),
    ),
  );
}
