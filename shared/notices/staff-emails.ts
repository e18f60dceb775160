/** The staff emails, ja/en (rules: shared/notices/templates.ts). */
import type * as z from 'zod/mini';
import '../zod-locale.ts';
import {
  attainmentLabels,
  type Ctx,
  caseRefOf,
  categoryLabel,
  deadlineLabels,
  labelOf,
  levelLabels,
  percent,
  severityLabels,
  signed,
} from './email-parts.ts';
import { singleLine } from './escape.ts';
import type { Block, EmailDocument, Link } from './layout.ts';
import type { caseFacts, NoticeData, slaFacts } from './notice-data.ts';

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
    ...(ctx.caseId ? [[ctx.ja ? 'ケースID' : 'Case id', ctx.caseId] as [string, string]] : []),
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

export function staffNewCritical(ctx: Ctx, d: NoticeData<'staff_new_critical'>): EmailDocument {
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

export function staffPreBreach(ctx: Ctx, d: NoticeData<'staff_pre_breach'>): EmailDocument {
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

export function staffEscalation(ctx: Ctx, d: NoticeData<'staff_escalation'>): EmailDocument {
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
          caseRefOf(c),
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

type Asks = NonNullable<NoticeData<'staff_weekly_digest'>['asks']>;

/** Survey invitations and widget prompts by touchpoint, with each response rate. */
function askTable(ctx: Ctx, asks: Asks, allTeams: boolean): Block {
  const caption = ctx.ja
    ? 'タッチポイント別 アンケート依頼とウィジェット表示'
    : 'Survey invitations and widget prompts by touchpoint';
  return {
    kind: 'table',
    caption: allTeams ? (ctx.ja ? `${caption}（全チーム）` : `${caption} (all teams)`) : caption,
    head: ctx.ja
      ? [
          'タッチポイント',
          '依頼数',
          '開封数',
          '依頼への回答',
          '回答率',
          'ウィジェット表示数',
          '表示あたりの回答率',
        ]
      : [
          'Touchpoint',
          'Invited',
          'Opened',
          'Answered',
          'Response rate',
          'Prompts shown',
          'Prompt response rate',
        ],
    rows: asks.map((a) => [
      a.touchpoint,
      String(a.invited),
      String(a.opened),
      String(a.answered),
      percent(a.responseRate),
      String(a.prompted),
      percent(a.promptResponseRate),
    ]),
    empty: ctx.ja
      ? 'この週はアンケートの依頼もウィジェットの表示もありませんでした。'
      : 'No survey invitations sent and no widget prompts shown this week.',
  };
}

export function staffWeeklyDigest(ctx: Ctx, d: NoticeData<'staff_weekly_digest'>): EmailDocument {
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
      ...(d.asks ? [askTable(ctx, d.asks, allTeams)] : []),
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

const verdictLabels = {
  improved: { ja: '改善しました', en: 'improved' },
  no_change: { ja: '変化は見られません', en: 'no measurable change' },
  worse: { ja: '悪化しました', en: 'got worse' },
  too_early: { ja: 'まだ判断できません', en: 'too early to tell' },
} as const;

/** The before/after check of a resolved problem: did the fix show in the touchpoints' answers? */
export function staffProblemVerification(
  ctx: Ctx,
  d: NoticeData<'staff_problem_verification'>,
): EmailDocument {
  const title = singleLine(d.title);
  const verdict = verdictLabels[d.verdict][ctx.l];
  const windowRow = (w: typeof d.before, name: string): string[] => [
    name,
    `${singleLine(w.from)} – ${singleLine(w.to)}`,
    String(w.n),
    percent(w.negativeShare),
    signed(w.nps),
  ];
  const change = d.change === null ? '-' : `${d.change > 0 ? '+' : ''}${Math.round(d.change * 1000) / 10} pt`;
  return {
    lang: ctx.l,
    // Staff wrote the title: it stays out of the subject, like every text a person typed.
    title: ctx.ja ? `[効果確認] 解決した問題: ${verdict}` : `[Fix check] Resolved problem: ${verdict}`,
    greeting: staffGreeting(ctx),
    blocks: [
      { kind: 'facts', rows: [[ctx.ja ? '問題' : 'Problem', title]] },
      {
        kind: 'p',
        text: ctx.ja
          ? `${ctx.when(d.resolvedAt)} に解決した問題について、解決前後の同じ長さの期間でネガティブな回答の割合を比べました。結果: ${verdict}。`
          : `The problem resolved on ${ctx.when(d.resolvedAt)}: its touchpoints' share of negative answers, in equal windows before and after the fix. Verdict: ${verdict}.`,
      },
      {
        kind: 'table',
        caption: ctx.ja
          ? `タッチポイント: ${d.touchpoints.join(', ') || '-'}`
          : `Touchpoints: ${d.touchpoints.join(', ') || '-'}`,
        head: ctx.ja
          ? ['期間', '週', '回答数', 'ネガティブ率', 'NPS']
          : ['Window', 'Weeks', 'Responses', 'Negative share', 'NPS'],
        rows: [
          windowRow(d.before, ctx.ja ? '解決前' : 'Before'),
          windowRow(d.after, ctx.ja ? '解決後' : 'After'),
        ],
        empty: '-',
      },
      {
        kind: 'p',
        text: ctx.ja
          ? `ネガティブ率の変化: ${change}（p 値 ${d.pValue ?? '-'}、二つの割合の検定、有意水準 5%）`
          : `Change in negative share: ${change} (p-value ${d.pValue ?? '-'}, two-proportion test at 5%).`,
      },
      ...(d.reopened
        ? [
            {
              kind: 'note' as const,
              text: ctx.ja
                ? '設定により、この問題は再オープンされました（紐づくケースはそのままです）。'
                : 'As configured, the problem was reopened (its cases stay as they are).',
            },
          ]
        : []),
    ],
    footer: [],
  };
}
