/**
 * Email templates for every notice kind (shared/events/notice-requested.ts), in Japanese and
 * English, as HTML and plain text. Pure: the caller passes the signed links, the locale and the
 * time zone. Rules (invariant 9):
 * - subjects are fixed text plus the case id, a category label or config names, never user text
 *   (comments, customer names, staff messages), and are `headerSafe`;
 * - user text only reaches the body through the layout's blocks, which escape it;
 * - every customer email ends with an unsubscribe link.
 */
import * as z from 'zod/mini';
import '../zod-locale.ts';
import { isValidTimeZone } from '../domain/time.ts';
import type { NoticeKind } from '../events/notice-requested.ts';
import { headerSafe, singleLine } from './escape.ts';
import { type Block, type EmailDocument, type Link, renderHtml, renderText } from './layout.ts';
import type { NoticeLocale } from './locale.ts';

// ---------------------------------------------------------------------------------------------
// What each kind expects in `data` (the producers' side of the contract). Lenient: extra fields
// are ignored, most are optional; a missing required one makes the message poison (→ DLQ).
// ---------------------------------------------------------------------------------------------

const text = z.string().check(z.maxLength(20_000));
const label = z.string().check(z.maxLength(500));
const count = z.number().check(z.int(), z.nonnegative());
const share = z.nullable(z.number().check(z.gte(0), z.lte(1)));
const nps = () => z.nullable(z.number().check(z.gte(-100), z.lte(100)));
const optionalLabel = () => z.optional(label);

const caseFacts = z.object({
  caseId: optionalLabel(),
  siteId: optionalLabel(),
  siteName: optionalLabel(),
  category: optionalLabel(),
  severity: optionalLabel(),
  touchpoint: optionalLabel(),
  channel: optionalLabel(),
  teamId: optionalLabel(),
  teamName: optionalLabel(),
  assigneeId: optionalLabel(),
  assigneeName: optionalLabel(),
  acknowledgeBy: optionalLabel(),
  resolveBy: optionalLabel(),
  receivedAt: optionalLabel(),
  /** IANA zone for dates; else the caller's default (the team's calendar). */
  timeZone: optionalLabel(),
});

/**
 * Warnings and escalations, as the SLA engine (functions/sla) sends them: `clock` says which
 * deadline, `deadline` is its instant (else the case's acknowledgeBy / resolveBy is shown).
 */
const slaFacts = z.extend(caseFacts, {
  clock: z.enum(['acknowledge', 'resolve']),
  deadline: optionalLabel(),
  /** The case's status when the step fired (decides whether an acknowledge link makes sense). */
  status: optionalLabel(),
});

const nonEmptyText = () => text.check(z.minLength(1));

/** A flood digest (shared/domain/staff-bursts.ts): case facts only, never customer text. */
const batchSchema = z.optional(
  z.object({
    from: label,
    to: label,
    total: count,
    cases: z
      .array(
        z.object({
          caseId: label,
          category: optionalLabel(),
          touchpoint: optionalLabel(),
          severity: optionalLabel(),
          deadline: optionalLabel(),
        }),
      )
      .check(z.maxLength(200)),
  }),
);

export const noticeDataSchemas = {
  /** Double opt-in: fixed text only (nothing the submitter wrote), the site's name from config. */
  customer_confirm: z.object({ siteId: label, siteName: optionalLabel() }),
  customer_received: caseFacts,
  customer_progress: z.extend(caseFacts, { message: nonEmptyText() }),
  customer_resolved: z.extend(caseFacts, { message: nonEmptyText() }),
  customer_follow_up: z.extend(caseFacts, {
    /** good / bad buttons, or 1–5 stars. */
    scale: z._default(z.enum(['good_bad', 'one_to_five']), 'good_bad'),
  }),
  customer_problem_resolved: z.extend(caseFacts, { message: nonEmptyText(), problemTitle: optionalLabel() }),
  staff_new_critical: z.extend(caseFacts, {
    comment: z.optional(text),
    reasons: z.optional(z.array(label).check(z.maxLength(20))),
    rating: z.optional(z.object({ type: label, score: z.number() })),
    customerName: optionalLabel(),
    batch: batchSchema,
  }),
  staff_pre_breach: slaFacts,
  staff_escalation: z.extend(slaFacts, {
    /** The rung this email is: who it goes to. */
    level: z.enum(['lead', 'manager', 'executive']),
    /** 1 for the first rung (lead), … (the case's escalationLevel once this rung fired). */
    escalationLevel: z.optional(z.number().check(z.int(), z.positive())),
    batch: batchSchema,
  }),
  staff_weekly_digest: z.object({
    teamId: optionalLabel(),
    teamName: label,
    /** `yyyy-Www`. */
    week: label,
    from: optionalLabel(),
    to: optionalLabel(),
    timeZone: optionalLabel(),
    counts: z.object({ new: count, open: count, overdue: count }),
    /** The team's own responses that week (its team counters), when known. */
    team: z.optional(z.object({ responses: count, nps: nps(), csat: share })),
    /**
     * Whose responses `byTouchpoint` and `topReasons` count: the team's only, or every team's (the
     * touchpoint and reason counters are not kept per team, so a digest says so in the captions).
     */
    scope: z._default(z.enum(['team', 'all_teams']), 'team'),
    byTouchpoint: z._default(
      z
        .array(z.object({ touchpoint: label, responses: count, nps: nps(), csat: share }))
        .check(z.maxLength(50)),
      [],
    ),
    attainment: z._default(
      z.array(
        z.object({
          metric: z.enum([
            'acknowledgedWithin2h',
            'acknowledgedWithin6h',
            'closedWithin48h',
            'loopClosedWithin72h',
          ]),
          actual: share,
          target: z.number().check(z.gte(0), z.lte(1)),
        }),
      ),
      [],
    ),
    topReasons: z._default(z.array(z.object({ reason: label, count })).check(z.maxLength(20)), []),
  }),
} satisfies Record<NoticeKind, z.ZodMiniType>;

export type NoticeData<K extends NoticeKind> = z.output<(typeof noticeDataSchemas)[K]>;

/** The producer sent data this kind cannot be rendered from. */
export class NoticeDataInvalid extends Error {
  override readonly name = 'NoticeDataInvalid';
}

// ---------------------------------------------------------------------------------------------
// Labels
// ---------------------------------------------------------------------------------------------

const categoryLabels: Record<string, Record<NoticeLocale, string>> = {
  payment: { ja: 'お支払い', en: 'Payment' },
  delivery: { ja: '配送', en: 'Delivery' },
  pricing: { ja: '価格', en: 'Pricing' },
  product_info: { ja: '商品情報', en: 'Product information' },
  usability: { ja: '使いやすさ', en: 'Usability' },
  other: { ja: 'その他', en: 'Other' },
};

/** A category's label; an unknown category shows as its slug, reduced to slug characters. */
export function categoryLabel(category: string | undefined, locale: NoticeLocale): string {
  if (!category) return locale === 'ja' ? '未分類' : 'Uncategorised';
  return categoryLabels[category]?.[locale] ?? (category.replace(/[^a-z0-9_-]/gi, '').slice(0, 40) || '-');
}

const severityLabels = { critical: { ja: '重大', en: 'Critical' }, routine: { ja: '通常', en: 'Routine' } };
const deadlineLabels = {
  acknowledge: { ja: '初回対応', en: 'acknowledge' },
  resolve: { ja: '解決', en: 'resolve' },
};
const levelLabels = {
  lead: { ja: 'チームリーダー', en: 'team lead' },
  manager: { ja: 'マネージャー', en: 'manager' },
  executive: { ja: '役員', en: 'executive' },
};
const attainmentLabels = {
  acknowledgedWithin2h: { ja: '2時間以内に初回対応', en: 'Acknowledged within 2 h' },
  acknowledgedWithin6h: { ja: '6時間以内に初回対応', en: 'Acknowledged within 6 h' },
  closedWithin48h: { ja: '48時間以内にクローズ', en: 'Closed within 48 h' },
  loopClosedWithin72h: { ja: '72時間以内にループ完了', en: 'Loop closed within 72 h' },
};

const labelOf = <T extends Record<string, Record<NoticeLocale, string>>>(
  table: T,
  key: string | undefined,
  locale: NoticeLocale,
) => (key && key in table ? table[key as keyof T]![locale] : singleLine(key ?? '-'));

export function formatInstant(iso: string | undefined, locale: NoticeLocale, timeZone: string): string {
  if (!iso) return '-';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return singleLine(iso);
  const formatted = new Intl.DateTimeFormat(locale === 'ja' ? 'ja-JP' : 'en-GB', {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    timeZone,
    timeZoneName: 'short',
  }).format(date);
  return formatted;
}

const percent = (value: number | null) => (value === null ? '-' : `${Math.round(value * 100)}%`);
const signed = (value: number | null) =>
  value === null ? '-' : `${value > 0 ? '+' : ''}${Math.round(value)}`;

// ---------------------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------------------

export interface NoticeLinks {
  /** The double opt-in link (customer_confirm). */
  confirm?: string;
  acknowledge?: string;
  claim?: string;
  open?: string;
  unsubscribe?: string;
  /** Follow-up survey answers, each a signed single-use link. */
  rate?: { value: string; url: string }[];
}

export interface RenderInput {
  kind: NoticeKind;
  caseId?: string;
  data: Record<string, unknown>;
  recipient: { name?: string; email: string };
  locale: NoticeLocale;
  /** The service's name from config (the From display name). */
  serviceName: string;
  /** Default time zone for dates (the team's calendar, else the first calendar). */
  timeZone: string;
  links: NoticeLinks;
}

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

export const isCustomerKind = (kind: NoticeKind) => kind.startsWith('customer_');

export function parseNoticeData<K extends NoticeKind>(kind: K, data: unknown): NoticeData<K> {
  const parsed = noticeDataSchemas[kind].safeParse(data);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(data)'}: ${i.message}`);
    throw new NoticeDataInvalid(`data of ${kind}: ${issues.join('; ')}`);
  }
  return parsed.data as NoticeData<K>;
}

export function renderNotice(input: RenderInput): RenderedEmail {
  const doc = documentFor(input);
  return { subject: headerSafe(doc.title, 180), html: renderHtml(doc), text: renderText(doc) };
}

interface Ctx {
  l: NoticeLocale;
  ja: boolean;
  caseRef: string;
  tz: string;
  when: (iso: string | undefined) => string;
  input: RenderInput;
}

function documentFor(input: RenderInput): EmailDocument {
  const data = parseNoticeData(input.kind, input.data) as Record<string, unknown> & { timeZone?: string };
  const l = input.locale;
  const tz = validTimeZone(data.timeZone) ?? input.timeZone;
  const ctx: Ctx = {
    l,
    ja: l === 'ja',
    caseRef: caseRefOf(input.caseId ?? (data.caseId as string | undefined)),
    tz,
    when: (iso) => formatInstant(iso, l, tz),
    input,
  };
  switch (input.kind) {
    case 'customer_confirm':
      return customerConfirm(ctx, data as NoticeData<'customer_confirm'>);
    case 'customer_received':
      return customerReceived(ctx, data as NoticeData<'customer_received'>);
    case 'customer_progress':
      return customerMessage(ctx, data as NoticeData<'customer_progress'>, 'progress');
    case 'customer_resolved':
      return customerMessage(ctx, data as NoticeData<'customer_resolved'>, 'resolved');
    case 'customer_follow_up':
      return customerFollowUp(ctx, data as NoticeData<'customer_follow_up'>);
    case 'customer_problem_resolved':
      return customerMessage(ctx, data as NoticeData<'customer_problem_resolved'>, 'problem');
    case 'staff_new_critical':
      return staffNewCritical(ctx, data as NoticeData<'staff_new_critical'>);
    case 'staff_pre_breach':
      return staffPreBreach(ctx, data as NoticeData<'staff_pre_breach'>);
    case 'staff_escalation':
      return staffEscalation(ctx, data as NoticeData<'staff_escalation'>);
    case 'staff_weekly_digest':
      return staffWeeklyDigest(ctx, data as NoticeData<'staff_weekly_digest'>);
  }
}

function validTimeZone(zone: string | undefined): string | undefined {
  return zone && isValidTimeZone(zone) ? zone : undefined;
}

/** Case ids are ours (`case_<base64url>`); anything else is reduced to id characters. */
function caseRefOf(caseId: string | undefined): string {
  return (caseId ?? '').replace(/[^A-Za-z0-9_-]/g, '').slice(0, 64) || '-';
}

// ---- customers --------------------------------------------------------------------------------

function customerGreeting(ctx: Ctx): string {
  const name = singleLine(ctx.input.recipient.name);
  if (ctx.ja) return name ? `${name} 様` : 'お客様へ';
  return name ? `Dear ${name},` : 'Hello,';
}

function customerFooter(ctx: Ctx, siteName: string | undefined): Block[] {
  const service = siteName ?? ctx.input.serviceName;
  const footer: Block[] = [
    {
      kind: 'note',
      text: ctx.ja
        ? `このメールは ${service} にお寄せいただいたご意見について、ご連絡を希望された方にお送りしています。受付番号: ${ctx.caseRef}`
        : `You receive this email because you asked ${service} to contact you about your feedback. Reference: ${ctx.caseRef}`,
    },
  ];
  const url = ctx.input.links.unsubscribe;
  if (url) {
    footer.push({
      kind: 'note',
      text: ctx.ja ? '今後このようなメールが不要な場合は、配信を停止できます。' : 'No more emails like this?',
      link: { label: ctx.ja ? '配信停止' : 'Unsubscribe', url },
    });
  }
  return footer;
}

/**
 * The first and only mail an unconfirmed address gets: no greeting by name, no case reference,
 * nothing the submitter typed, so it cannot carry an attacker's words to a stranger.
 */
function customerConfirm(ctx: Ctx, d: NoticeData<'customer_confirm'>): EmailDocument {
  const service = d.siteName ?? ctx.input.serviceName;
  const confirm = ctx.input.links.confirm;
  const footer: Block[] = [
    {
      kind: 'note',
      text: ctx.ja
        ? `このメールアドレスで ${service} にご意見が送信されました。お心当たりがない場合は、このメールを無視してください。確認されない限り、これ以上メールは届きません。`
        : `Feedback was sent to ${service} with this email address. If this was not you, ignore this email: unless the address is confirmed, no further email will follow.`,
    },
  ];
  const unsubscribe = ctx.input.links.unsubscribe;
  if (unsubscribe) {
    footer.push({
      kind: 'note',
      text: ctx.ja ? '今後このアドレスへのメールを止める場合:' : 'Never email this address again:',
      link: { label: ctx.ja ? '配信停止' : 'Unsubscribe', url: unsubscribe },
    });
  }
  return {
    lang: ctx.l,
    title: ctx.ja ? `メールアドレスのご確認（${service}）` : `Please confirm your email address (${service})`,
    greeting: ctx.ja ? 'お客様へ' : 'Hello,',
    blocks: [
      {
        kind: 'p',
        text: ctx.ja
          ? 'ご意見についてのご連絡をこのアドレスにお送りしてよいか、確認させてください。'
          : 'Before we write to you about your feedback, please confirm that this address is yours.',
      },
      ...(confirm
        ? [
            {
              kind: 'actions' as const,
              links: [{ label: ctx.ja ? 'メールアドレスを確認する' : 'Confirm my address', url: confirm }],
            },
          ]
        : []),
    ],
    footer,
  };
}

function customerReceived(ctx: Ctx, d: NoticeData<'customer_received'>): EmailDocument {
  return {
    lang: ctx.l,
    title: ctx.ja
      ? `ご意見を受け付けました（受付番号 ${ctx.caseRef}）`
      : `We received your feedback (ref. ${ctx.caseRef})`,
    greeting: customerGreeting(ctx),
    blocks: [
      {
        kind: 'p',
        text: ctx.ja
          ? 'このたびは貴重なご意見をお寄せいただき、ありがとうございます。'
          : 'Thank you for taking the time to tell us about your experience.',
      },
      {
        kind: 'p',
        text: ctx.ja
          ? '担当チームが内容を確認し、対応状況をこのメールアドレスにお知らせします。'
          : 'The team responsible is looking into it and will keep you posted at this address.',
      },
      {
        kind: 'facts',
        rows: [
          [ctx.ja ? '受付番号' : 'Reference', ctx.caseRef],
          [ctx.ja ? '受付日時' : 'Received', ctx.when(d.receivedAt)],
        ],
      },
    ],
    footer: customerFooter(ctx, d.siteName),
  };
}

function customerMessage(
  ctx: Ctx,
  d: NoticeData<'customer_progress'> & { problemTitle?: string },
  which: 'progress' | 'resolved' | 'problem',
): EmailDocument {
  const titles = {
    progress: { ja: 'ご意見への対応状況のお知らせ', en: 'An update on your feedback' },
    resolved: { ja: 'ご意見への対応が完了しました', en: 'We have resolved your feedback' },
    problem: { ja: 'ご報告いただいた問題は解決しました', en: 'The problem you reported has been fixed' },
  }[which];
  const intro = {
    progress: {
      ja: 'お寄せいただいたご意見について、担当者からのご連絡です。',
      en: 'Here is an update from the team handling your feedback.',
    },
    resolved: {
      ja: 'お寄せいただいたご意見への対応が完了しましたので、ご報告いたします。',
      en: 'We have finished working on the feedback you sent us.',
    },
    problem: {
      ja: 'ご報告いただいた問題の原因を特定し、解決いたしました。ご不便をおかけし申し訳ございませんでした。',
      en: 'We found the cause of the problem you reported and fixed it. We are sorry for the trouble.',
    },
  }[which];
  return {
    lang: ctx.l,
    title: ctx.ja ? `${titles.ja}（受付番号 ${ctx.caseRef}）` : `${titles.en} (ref. ${ctx.caseRef})`,
    greeting: customerGreeting(ctx),
    blocks: [
      { kind: 'p', text: intro[ctx.l] },
      ...(d.problemTitle ? [{ kind: 'p' as const, text: d.problemTitle }] : []),
      { kind: 'quote', label: ctx.ja ? '担当者より' : 'From our team', text: d.message },
      { kind: 'facts', rows: [[ctx.ja ? '受付番号' : 'Reference', ctx.caseRef]] },
    ],
    footer: customerFooter(ctx, d.siteName),
  };
}

const ratingLabels: Record<string, Record<NoticeLocale, string>> = {
  good: { ja: '解決した 👍', en: 'Yes, it is fixed 👍' },
  bad: { ja: '解決していない 👎', en: 'No, still a problem 👎' },
  '1': { ja: '1（不満）', en: '1 (poor)' },
  '2': { ja: '2', en: '2' },
  '3': { ja: '3', en: '3' },
  '4': { ja: '4', en: '4' },
  '5': { ja: '5（満足）', en: '5 (great)' },
};

export const ratingValues = { good_bad: ['good', 'bad'], one_to_five: ['1', '2', '3', '4', '5'] } as const;

function customerFollowUp(ctx: Ctx, d: NoticeData<'customer_follow_up'>): EmailDocument {
  const links: Link[] = (ctx.input.links.rate ?? []).map((r) => ({
    label: ratingLabels[r.value]?.[ctx.l] ?? r.value,
    url: r.url,
  }));
  return {
    lang: ctx.l,
    title: ctx.ja
      ? `その後、問題は解決しましたか？（受付番号 ${ctx.caseRef}）`
      : `Did our fix work for you? (ref. ${ctx.caseRef})`,
    greeting: customerGreeting(ctx),
    blocks: [
      {
        kind: 'p',
        text: ctx.ja
          ? '先日はご意見をお寄せいただきありがとうございました。その後、問題は解決しましたか？'
          : 'Thank you again for your feedback. Is the problem you told us about solved now?',
      },
      {
        kind: 'p',
        text:
          d.scale === 'one_to_five'
            ? ctx.ja
              ? '対応の満足度を 1〜5 でお選びください（ワンクリックで送信されます）。'
              : 'Please rate our response from 1 to 5 (one click, nothing else to fill in).'
            : ctx.ja
              ? '該当するボタンを押してください（ワンクリックで送信されます）。'
              : 'Please pick one (one click, nothing else to fill in).',
      },
      { kind: 'actions', links },
    ],
    footer: customerFooter(ctx, d.siteName),
  };
}

// ---- staff -------------------------------------------------------------------------------------

function staffGreeting(ctx: Ctx): string | undefined {
  const name = singleLine(ctx.input.recipient.name);
  if (!name) return undefined;
  return ctx.ja ? `${name} さん` : `Hi ${name},`;
}

function staffActions(ctx: Ctx): Block[] {
  const { acknowledge, claim, open } = ctx.input.links;
  const links: Link[] = [];
  if (acknowledge)
    links.push({ label: ctx.ja ? '対応開始（確認済みにする）' : 'Acknowledge', url: acknowledge });
  if (claim) links.push({ label: ctx.ja ? '自分が担当する' : 'Claim (assign to me)', url: claim });
  if (open) links.push({ label: ctx.ja ? 'ケースを開く' : 'Open the case', url: open });
  if (links.length === 0) return [];
  return [
    { kind: 'actions', links },
    {
      kind: 'note',
      text: ctx.ja
        ? 'ボタンを押すと確認画面が開きます。操作は確認画面のボタンを押したときに行われ、各リンクは一度だけ使えます。'
        : 'Each button opens a confirmation page; nothing changes until you confirm there, and each link works once.',
    },
  ];
}

function caseFactRows(ctx: Ctx, d: z.output<typeof caseFacts>): [string, string][] {
  const rows: [string, string][] = [
    [ctx.ja ? 'ケース' : 'Case', ctx.caseRef],
    [ctx.ja ? '重要度' : 'Severity', labelOf(severityLabels, d.severity, ctx.l)],
    [ctx.ja ? 'カテゴリ' : 'Category', categoryLabel(d.category, ctx.l)],
  ];
  if (d.touchpoint) rows.push([ctx.ja ? 'タッチポイント' : 'Touchpoint', d.touchpoint]);
  if (d.channel) rows.push([ctx.ja ? 'チャネル' : 'Channel', d.channel]);
  if (d.teamName ?? d.teamId) rows.push([ctx.ja ? 'チーム' : 'Team', (d.teamName ?? d.teamId)!]);
  if (d.assigneeName ?? d.assigneeId)
    rows.push([ctx.ja ? '担当者' : 'Assignee', (d.assigneeName ?? d.assigneeId)!]);
  if (d.acknowledgeBy) rows.push([ctx.ja ? '初回対応期限' : 'Acknowledge by', ctx.when(d.acknowledgeBy)]);
  if (d.resolveBy) rows.push([ctx.ja ? '解決期限' : 'Resolve by', ctx.when(d.resolveBy)]);
  return rows;
}

function staffNewCritical(ctx: Ctx, d: NoticeData<'staff_new_critical'>): EmailDocument {
  if (d.batch) return staffDigest(ctx, d, d.batch, 'new_critical');
  const cat = categoryLabel(d.category, ctx.l);
  const rows = caseFactRows(ctx, d);
  if (d.rating) rows.push([ctx.ja ? '評価' : 'Rating', `${d.rating.type.toUpperCase()} ${d.rating.score}`]);
  if (d.reasons?.length) rows.push([ctx.ja ? '理由' : 'Reasons', d.reasons.join(', ')]);
  if (d.customerName) rows.push([ctx.ja ? 'お客様' : 'Customer', d.customerName]);
  if (d.receivedAt) rows.push([ctx.ja ? '受付日時' : 'Received', ctx.when(d.receivedAt)]);
  return {
    lang: ctx.l,
    title: ctx.ja
      ? `[重大] 新しいケース ${ctx.caseRef}（${cat}）`
      : `[Critical] New case ${ctx.caseRef} (${cat})`,
    greeting: staffGreeting(ctx),
    blocks: [
      {
        kind: 'p',
        text: ctx.ja
          ? '重大なフィードバックからケースが作成され、あなたのチームに割り当てられました。'
          : 'A critical piece of feedback opened a case for your team.',
      },
      { kind: 'facts', rows },
      ...(d.comment
        ? [{ kind: 'quote' as const, label: ctx.ja ? 'コメント' : 'Comment', text: d.comment }]
        : []),
      ...staffActions(ctx),
    ],
    footer: [],
  };
}

/** The deadline instant a warning or escalation is about. */
function deadlineOf(d: z.output<typeof slaFacts>): string | undefined {
  return d.deadline ?? (d.clock === 'acknowledge' ? d.acknowledgeBy : d.resolveBy);
}

function staffPreBreach(ctx: Ctx, d: NoticeData<'staff_pre_breach'>): EmailDocument {
  const which = deadlineLabels[d.clock][ctx.l];
  const due = deadlineOf(d);
  return {
    lang: ctx.l,
    title: ctx.ja
      ? `[期限間近] ケース ${ctx.caseRef} の${which}期限が近づいています`
      : `[Due soon] Case ${ctx.caseRef}: ${which} deadline approaching`,
    greeting: staffGreeting(ctx),
    blocks: [
      {
        kind: 'p',
        text: ctx.ja
          ? `このケースの${which}期限は ${ctx.when(due)} です。期限を過ぎるとエスカレーションされます。`
          : `This case must be ${d.clock === 'acknowledge' ? 'acknowledged' : 'resolved'} by ${ctx.when(due)}; after that it escalates.`,
      },
      { kind: 'facts', rows: caseFactRows(ctx, d) },
      ...staffActions(ctx),
    ],
    footer: [],
  };
}

function staffEscalation(ctx: Ctx, d: NoticeData<'staff_escalation'>): EmailDocument {
  if (d.batch) return staffDigest(ctx, d, d.batch, d.level);
  const which = deadlineLabels[d.clock][ctx.l];
  const due = deadlineOf(d);
  const level = levelLabels[d.level][ctx.l];
  const rung = d.escalationLevel ?? { lead: 1, manager: 2, executive: 3 }[d.level];
  const owner = d.assigneeName ?? d.assigneeId ?? '-';
  return {
    lang: ctx.l,
    title: ctx.ja
      ? `[エスカレーション ${rung}: ${level}] ケース ${ctx.caseRef} が${which}期限を過ぎました`
      : `[Escalation ${rung}: ${level}] Case ${ctx.caseRef} missed its ${which} deadline`,
    greeting: staffGreeting(ctx),
    blocks: [
      {
        kind: 'p',
        text: ctx.ja
          ? `ケース ${ctx.caseRef} は${which}期限（${ctx.when(due)}）を過ぎました。担当者は ${owner} です。エスカレーション段階 ${rung}（${level}）としてお知らせします。`
          : `Case ${ctx.caseRef} missed its ${which} deadline (${ctx.when(due)}) while ${owner} had it. You are receiving this as escalation rung ${rung} (${level}).`,
      },
      {
        kind: 'facts',
        rows: [
          ...caseFactRows(ctx, d),
          [ctx.ja ? '過ぎた期限' : 'Deadline missed', `${which}: ${ctx.when(due)}`],
          [ctx.ja ? '段階' : 'Rung', `${rung} (${level})`],
        ],
      },
      ...staffActions(ctx),
    ],
    footer: [],
  };
}

type Batch = NonNullable<NoticeData<'staff_new_critical'>['batch']>;

/** One mail for a window's worth of alerts (a flood from the public key, or a busy ladder rung). */
function staffDigest(
  ctx: Ctx,
  d: { teamName?: string },
  batch: Batch,
  lane: 'new_critical' | 'lead' | 'manager' | 'executive',
): EmailDocument {
  const team = d.teamName ? singleLine(d.teamName) : '-';
  const n = batch.total;
  const span = `${ctx.when(batch.from)} – ${ctx.when(batch.to)}`;
  const critical = lane === 'new_critical';
  const level = critical ? '' : levelLabels[lane][ctx.l];
  const title = critical
    ? ctx.ja
      ? `[重大] 新しいケース ${n} 件（${team}、10 分間のまとめ）`
      : `[Critical] ${n} new cases for ${team} (10-minute digest)`
    : ctx.ja
      ? `[エスカレーション: ${level}] ${n} 件のケースが期限を過ぎました（${team}、10 分間のまとめ）`
      : `[Escalation: ${level}] ${n} cases missed a deadline (${team}, 10-minute digest)`;
  const intro = critical
    ? ctx.ja
      ? `${span} に、確認されていないアドレスからの重大なケースが続けて作成されたため、まとめてお知らせします。`
      : `Critical cases from unconfirmed addresses kept arriving between ${span}, so they come in one email.`
    : ctx.ja
      ? `${span} にこの段階（${level}）へエスカレーションされたケースのまとめです。`
      : `These cases climbed to this rung (${level}) between ${span}.`;
  return {
    lang: ctx.l,
    title,
    greeting: staffGreeting(ctx),
    blocks: [
      { kind: 'p', text: intro },
      {
        kind: 'table',
        caption: ctx.ja ? 'ケース' : 'Cases',
        head: ctx.ja
          ? ['ケース', 'カテゴリ', 'タッチポイント', '期限']
          : ['Case', 'Category', 'Touchpoint', 'Deadline'],
        rows: batch.cases.map((c) => [
          caseRefOf(c.caseId),
          categoryLabel(c.category, ctx.l),
          c.touchpoint ?? '-',
          c.deadline ? ctx.when(c.deadline) : '-',
        ]),
        empty: '-',
      },
      ...(batch.total > batch.cases.length
        ? [
            {
              kind: 'p' as const,
              text: ctx.ja
                ? `ほか ${batch.total - batch.cases.length} 件`
                : `and ${batch.total - batch.cases.length} more`,
            },
          ]
        : []),
    ],
    footer: [],
  };
}

function staffWeeklyDigest(ctx: Ctx, d: NoticeData<'staff_weekly_digest'>): EmailDocument {
  const team = singleLine(d.teamName);
  const week = singleLine(d.week);
  const none = ctx.ja ? 'データはありません。' : 'No data this week.';
  const allTeams = d.scope === 'all_teams';
  return {
    lang: ctx.l,
    title: ctx.ja ? `[週次レポート] ${team} ${week}` : `[Weekly digest] ${team} ${week}`,
    greeting: staffGreeting(ctx),
    blocks: [
      {
        kind: 'p',
        text: ctx.ja
          ? `${team} の ${week} のまとめです${d.from && d.to ? `（${ctx.when(d.from)} 〜 ${ctx.when(d.to)}）` : ''}。`
          : `Here is the week ${week} for ${team}${d.from && d.to ? ` (${ctx.when(d.from)} to ${ctx.when(d.to)})` : ''}.`,
      },
      {
        kind: 'table',
        caption: ctx.ja ? 'ケース' : 'Cases',
        head: ctx.ja ? ['新規', '未完了', '期限超過'] : ['New', 'Open', 'Overdue'],
        rows: [[String(d.counts.new), String(d.counts.open), String(d.counts.overdue)]],
        empty: none,
      },
      ...(d.team
        ? [
            {
              kind: 'table' as const,
              caption: ctx.ja ? `${team} の NPS / CSAT` : `NPS / CSAT of ${team}`,
              head: ctx.ja ? ['回答数', 'NPS', 'CSAT'] : ['Responses', 'NPS', 'CSAT'],
              rows: [[String(d.team.responses), signed(d.team.nps), percent(d.team.csat)]],
              empty: none,
            },
          ]
        : []),
      {
        kind: 'table',
        caption: allTeams
          ? ctx.ja
            ? 'タッチポイント別 NPS / CSAT（全チーム）'
            : 'NPS / CSAT by touchpoint (all teams)'
          : ctx.ja
            ? 'タッチポイント別 NPS / CSAT'
            : 'NPS / CSAT by touchpoint',
        head: ctx.ja
          ? ['タッチポイント', '回答数', 'NPS', 'CSAT']
          : ['Touchpoint', 'Responses', 'NPS', 'CSAT'],
        rows: d.byTouchpoint.map((r) => [r.touchpoint, String(r.responses), signed(r.nps), percent(r.csat)]),
        empty: none,
      },
      {
        kind: 'table',
        caption: ctx.ja ? 'SLA 達成率（目標比）' : 'SLA attainment against targets',
        head: ctx.ja ? ['指標', '実績', '目標', '達成'] : ['Measure', 'Actual', 'Target', 'Met'],
        rows: d.attainment.map((a) => [
          attainmentLabels[a.metric][ctx.l],
          percent(a.actual),
          percent(a.target),
          a.actual === null ? '-' : a.actual >= a.target ? '✓' : '✗',
        ]),
        empty: none,
      },
      {
        kind: 'table',
        caption: allTeams
          ? ctx.ja
            ? '主な理由（全チーム）'
            : 'Top reasons (all teams)'
          : ctx.ja
            ? '主な理由'
            : 'Top reasons',
        head: ctx.ja ? ['理由', '件数'] : ['Reason', 'Count'],
        rows: d.topReasons.map((r) => [r.reason, String(r.count)]),
        empty: none,
      },
    ],
    footer: [],
  };
}
