import type { Ctx } from './email-parts.ts';
import { singleLine } from './escape.ts';
import type { Block, EmailDocument, Link } from './layout.ts';
import type { NoticeLocale } from './locale.ts';
import type { NoticeData } from './notice-data.ts';

function customerGreeting(ctx: Ctx): string {
  const name = singleLine(ctx.input.recipient.name);
  if (ctx.ja) return name ? `${name} 様` : 'お客様へ';
  return name ? `Dear ${name},` : 'Hello,';
}

function customerFooter(ctx: Ctx, siteName: string | undefined): Block[] {
  const service = siteName ?? ctx.input.serviceName;
  return footerWith(
    ctx,
    ctx.ja
      ? `このメールは ${service} にお寄せいただいたご意見について、ご連絡を希望された方にお送りしています。受付番号: ${ctx.caseRef}`
      : `You receive this email because you asked ${service} to contact you about your feedback. Reference: ${ctx.caseRef}`,
    ctx.ja ? '今後このようなメールが不要な場合は、配信を停止できます。' : 'No more emails like this?',
  );
}

/** Why the customer gets this email, then the unsubscribe link when there is one. */
function footerWith(ctx: Ctx, why: string, unsubscribeText: string): Block[] {
  const footer: Block[] = [{ kind: 'note', text: why }];
  const url = ctx.input.links.unsubscribe;
  if (url) {
    footer.push({
      kind: 'note',
      text: unsubscribeText,
      link: { label: ctx.ja ? '配信停止' : 'Unsubscribe', url },
    });
  }
  return footer;
}

/**
 * The first and only mail an unconfirmed address gets: no greeting by name, no case reference,
 * nothing the submitter typed, so it cannot carry an attacker's words to a stranger.
 */
export function customerConfirm(ctx: Ctx, d: NoticeData<'customer_confirm'>): EmailDocument {
  const service = d.siteName ?? ctx.input.serviceName;
  const confirm = ctx.input.links.confirm;
  const knownIssue = d.purpose === 'known_issue';
  const footer: Block[] = [
    {
      kind: 'note',
      text: knownIssue
        ? ctx.ja
          ? `このメールアドレスで ${service} の既知の問題の解決通知が申し込まれました。お心当たりがない場合は、このメールを無視してください。確認されない限り、これ以上メールは届きません。`
          : `Someone asked ${service} to tell this address when a known problem is fixed. If this was not you, ignore this email: unless the address is confirmed, no further email will follow.`
        : ctx.ja
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
        text: knownIssue
          ? ctx.ja
            ? '問題が解決したときのお知らせをこのアドレスにお送りしてよいか、確認させてください。'
            : 'Before we tell you when the problem is fixed, please confirm that this address is yours.'
          : ctx.ja
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

export function customerReceived(ctx: Ctx, d: NoticeData<'customer_received'>): EmailDocument {
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

export function customerMessage(
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

/**
 * To a subscriber of the known-issues page: the problem they asked about is fixed. No case, so no
 * reference; the subject is fixed text and the site's name, the body the public title and the
 * resolution's message, both written by staff.
 */
export function customerKnownIssueFixed(ctx: Ctx, d: NoticeData<'customer_problem_resolved'>): EmailDocument {
  const service = d.siteName ?? ctx.input.serviceName;
  return {
    lang: ctx.l,
    title: ctx.ja
      ? `お知らせした問題は解決しました（${service}）`
      : `The problem you asked about is fixed (${service})`,
    greeting: ctx.ja ? 'お客様へ' : 'Hello,',
    blocks: [
      {
        kind: 'p',
        text: ctx.ja
          ? '解決したらお知らせするとお約束した問題が解決しました。ご不便をおかけし申し訳ございませんでした。'
          : 'The problem you asked us to tell you about has been fixed. We are sorry for the trouble.',
      },
      ...(d.problemTitle ? [{ kind: 'p' as const, text: d.problemTitle }] : []),
      { kind: 'quote', label: ctx.ja ? '担当者より' : 'From our team', text: d.message },
    ],
    footer: footerWith(
      ctx,
      ctx.ja
        ? `このメールは ${service} の既知の問題ページで解決時の通知を申し込まれた方にお送りしています。`
        : `You receive this email because you asked ${service}'s known-issues page to tell you when this was fixed.`,
      ctx.ja ? '今後このようなメールが不要な場合は、配信を停止できます。' : 'No more emails like this?',
    ),
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

export function customerFollowUp(ctx: Ctx, d: NoticeData<'customer_follow_up'>): EmailDocument {
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

const surveyQuestions: Record<'nps' | 'csat' | 'ces', Record<NoticeLocale, (site: string) => string>> = {
  nps: {
    ja: (site) => `${site} を友人や知人にすすめる可能性は、0〜10 でどのくらいですか？`,
    en: (site) => `How likely are you to recommend ${site} to a friend, from 0 to 10?`,
  },
  csat: {
    ja: () => '今回のご利用の満足度を 1〜5 でお聞かせください。',
    en: () => 'How satisfied were you this time, from 1 to 5?',
  },
  ces: {
    ja: () => '今回の手続きはどのくらい簡単でしたか？ 1〜7 でお聞かせください。',
    en: () => 'How easy was it this time, from 1 to 7?',
  },
};

/**
 * A survey invitation: fixed text, the site's name and the page link with one link per score (a
 * click opens the page with that score picked; nothing is stored until the page is sent).
 */
export function customerSurveyInvitation(
  ctx: Ctx,
  d: NoticeData<'customer_survey_invitation'>,
): EmailDocument {
  const site = d.siteName ?? ctx.input.serviceName;
  const survey = ctx.input.links.survey;
  const scores: Link[] = (survey?.scores ?? []).map((s) => ({ label: s.value, url: s.url }));
  const closes = ctx.when(d.closesAt);
  return {
    lang: ctx.l,
    title: d.reminder
      ? ctx.ja
        ? `【再送】アンケートご協力のお願い（${site}）`
        : `Reminder: a one-minute survey from ${site}`
      : ctx.ja
        ? `アンケートご協力のお願い（${site}）`
        : `A one-minute survey from ${site}`,
    greeting: customerGreeting(ctx),
    blocks: [
      {
        kind: 'p',
        text: ctx.ja
          ? `${site} をご利用いただきありがとうございます。サービス改善のため、ご意見をお聞かせください。`
          : `Thank you for choosing ${site}. Tell us how it went: every answer is read.`,
      },
      { kind: 'p', text: surveyQuestions[d.surveyType][ctx.l](site) },
      ...(scores.length ? [{ kind: 'actions' as const, links: scores }] : []),
      ...(survey
        ? [
            {
              kind: 'actions' as const,
              links: [{ label: ctx.ja ? 'アンケートに回答する' : 'Answer the survey', url: survey.url }],
            },
          ]
        : []),
      {
        kind: 'p',
        text: ctx.ja ? `回答期限: ${closes}` : `The survey is open until ${closes}.`,
      },
    ],
    footer: surveyFooter(ctx, site),
  };
}

function surveyFooter(ctx: Ctx, site: string): Block[] {
  return footerWith(
    ctx,
    ctx.ja
      ? `このメールは ${site} のご利用に関するご意見をお伺いするためにお送りしています。`
      : `You receive this email because you used ${site} and agreed to be contacted.`,
    ctx.ja ? '今後アンケートのメールが不要な場合は、配信を停止できます。' : 'No more surveys?',
  );
}
