/**
 * The survey page's HTML (docs/survey.md): one server-rendered form that works
 * without JavaScript (there is none), in the survey's language. The score is a group of radio
 * buttons under a legend, the reasons are checkboxes, the comment a textarea; every control has a
 * label and is reached with Tab, chosen with Space or the arrow keys and sent with Enter. One inline
 * stylesheet, allowed by its hash; every value from the config or the customer is escaped.
 */

import type { SurveyView } from '../../core/invitations/answer.ts';
import type { Issue } from '../../shared/domain/errors.ts';
import { SCORE_RANGES, type SurveyType } from '../../shared/domain/invitation.ts';
import { MAX_SURVEY_COMMENT } from '../../shared/domain/survey-answer.ts';
import { htmlPageHeaders, styledPageCsp } from '../../shared/html-page.ts';
import type { HttpResult } from '../../shared/http.ts';
import { escapeHtml, singleLine } from '../../shared/notices/escape.ts';

export type Locale = 'ja' | 'en';
type Text = Record<Locale, string>;

/** The one stylesheet, inline; the CSP allows exactly it by its hash. */
export const surveyCss =
  'body{margin:0;background:#f4f6f8;color:#1f2328;font:16px/1.6 -apple-system,BlinkMacSystemFont,"Segoe UI","Hiragino Sans","Hiragino Kaku Gothic ProN",Meiryo,sans-serif;-webkit-text-size-adjust:100%}' +
  'main{max-width:38rem;margin:2rem auto;padding:1.5rem 1.25rem;background:#fff;border:1px solid #d8dee4;border-top:6px solid #1a56db;border-radius:10px}' +
  'main.done{border-top-color:#1a7f37}main.problem{border-top-color:#9a6700}' +
  'h1{font-size:1.3rem;line-height:1.4;margin:0 0 1rem}p{margin:0 0 1rem}h1,p,legend,label{overflow-wrap:anywhere}' +
  '.site,.note,.scale,.req{color:#57606a;font-size:.9rem}.req{font-weight:normal}.site{margin:0 0 .25rem}' +
  'fieldset{border:0;margin:0 0 1.5rem;padding:0;min-width:0}legend{font-weight:600;margin:0 0 .6rem;padding:0}' +
  '.opts{display:flex;flex-wrap:wrap;gap:.4rem}.opts span{position:relative}' +
  '.opts input{position:absolute;opacity:0;width:100%;height:100%;margin:0}' +
  '.opts label{display:flex;align-items:center;justify-content:center;min-width:2.75rem;min-height:2.75rem;box-sizing:border-box;border:2px solid #8c959f;border-radius:8px;font-weight:600;cursor:pointer}' +
  '.opts input:checked+label{background:#1a56db;border-color:#1a56db;color:#fff}' +
  '.opts input:focus-visible+label,.checks input:focus-visible,textarea:focus-visible,a:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}' +
  '.scale{display:flex;justify-content:space-between;gap:1rem;margin:.4rem 0 0}' +
  '.checks label{display:flex;gap:.6rem;align-items:flex-start;padding:.35rem 0;cursor:pointer}.checks input{width:1.25rem;height:1.25rem;margin:.2rem 0 0;flex:none}' +
  'textarea{display:block;width:100%;box-sizing:border-box;min-height:7rem;margin:0 0 1.5rem;padding:.5rem;font:inherit;border:2px solid #8c959f;border-radius:8px}' +
  '.field-label{display:block;font-weight:600;margin:0 0 .4rem}' +
  '.error{color:#b42318;font-weight:600}.errors{border:2px solid #b42318;border-radius:8px;padding:.75rem 1rem;margin:0 0 1.25rem}.errors ul{margin:.25rem 0 0;padding-left:1.25rem}' +
  '[aria-invalid=true] label,textarea[aria-invalid=true]{border-color:#b42318}' +
  'button,.review{display:inline-block;font:inherit;font-weight:600;min-height:44px;padding:.6rem 1.6rem;background:#1a56db;color:#fff;border:0;border-radius:8px;cursor:pointer;text-decoration:none;box-sizing:border-box}' +
  'button:hover,.review:hover{background:#1e429f}button:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}' +
  'section+section{border-top:1px solid #d8dee4;margin-top:1.5rem;padding-top:1.5rem}' +
  '@media (max-width:30rem){main{margin:0;border-radius:0;border-width:6px 0 0;min-height:100vh;box-sizing:border-box}button,.review{width:100%;text-align:center}}';

/** No scripts, this one stylesheet, images from here only, and the form posts back here. */
export const surveyCsp = styledPageCsp(surveyCss, { images: true });

export const pageHeaders = (): Record<string, string> => htmlPageHeaders(surveyCsp, { private: true });

// ---- words -------------------------------------------------------------------------------------

const question: Record<SurveyType, Text> = {
  nps: {
    ja: '当店を友人や同僚にすすめる可能性はどのくらいありますか？',
    en: 'How likely are you to recommend us to a friend or colleague?',
  },
  csat: { ja: '今回のご利用にどの程度満足されましたか？', en: 'How satisfied are you with your experience?' },
  ces: { ja: '今回のお手続きはどのくらい簡単でしたか？', en: 'How easy was it to get what you needed?' },
};
const low: Record<SurveyType, Text> = {
  nps: { ja: 'まったくすすめない', en: 'not at all likely' },
  csat: { ja: '非常に不満', en: 'very dissatisfied' },
  ces: { ja: '非常に難しい', en: 'very difficult' },
};
const high: Record<SurveyType, Text> = {
  nps: { ja: 'ぜひすすめたい', en: 'extremely likely' },
  csat: { ja: '非常に満足', en: 'very satisfied' },
  ces: { ja: '非常に簡単', en: 'very easy' },
};

const words = {
  title: { ja: 'アンケートへのご協力のお願い', en: 'A quick question' },
  intro: {
    ja: 'ご利用ありがとうございました。1分ほどで終わる質問にお答えください。',
    en: 'Thank you for shopping with us. This takes about a minute.',
  },
  required: { ja: '（必須）', en: '(required)' },
  reasons: {
    ja: '理由をお聞かせください（任意・複数可）',
    en: 'What made you say so? (optional, any number)',
  },
  comment: { ja: 'コメント（任意）', en: 'Comment (optional)' },
  commentHint: {
    ja: `${MAX_SURVEY_COMMENT}文字まで。個人情報はご記入にならないでください。`,
    en: `Up to ${MAX_SURVEY_COMMENT.toLocaleString('en')} characters. Please leave out personal details.`,
  },
  send: { ja: '回答を送信', en: 'Send my answer' },
  errorsTitle: {
    ja: '送信できませんでした。次の点をご確認ください。',
    en: 'Your answer was not sent. Please check:',
  },
  thanksTitle: { ja: 'ご回答ありがとうございました', en: 'Thank you for your answer' },
  thanks: {
    ja: 'いただいたご意見は、サービスの改善に役立てます。',
    en: 'We read every answer and use it to get better.',
  },
  detractor: {
    ja: 'ご期待に沿えず申し訳ございません。担当チームが内容を確認いたします。',
    en: 'We are sorry we fell short. Our team will look into what you told us.',
  },
  promoter: {
    ja: 'うれしいお言葉をありがとうございます。よろしければ、レビューでもご感想をお聞かせください。',
    en: 'We are delighted to hear it. If you have a moment, would you share it in a review?',
  },
  review: { ja: 'レビューを書く', en: 'Write a review' },
  close: { ja: 'このページは閉じてかまいません。', en: 'You can close this page now.' },
} satisfies Record<string, Text>;

/** Reason labels the widget and the console use; a reason of the operator's own shows its category. */
const reasonWords: Record<string, Text> = {
  price_too_high: { ja: '価格が高い', en: 'Price too high' },
  shipping_problem: { ja: '配送の問題', en: 'Shipping problem' },
  payment_method_unavailable: { ja: '希望の支払い方法がない', en: 'Payment method unavailable' },
  insufficient_product_info: { ja: '商品情報が足りない', en: 'Not enough product information' },
  site_hard_to_use: { ja: 'サイトが使いにくい', en: 'Site hard to use' },
  coupon_not_applied: { ja: 'クーポンが適用されない', en: 'Coupon not applied' },
  out_of_stock: { ja: '在庫切れ', en: 'Out of stock' },
  login_problem: { ja: 'ログインの問題', en: 'Login problem' },
  other: { ja: 'その他', en: 'Other' },
};
const categoryWords: Record<string, Text> = {
  payment: { ja: '支払い', en: 'Payment' },
  pricing: { ja: '価格', en: 'Pricing' },
  product_info: { ja: '商品情報', en: 'Product information' },
  usability: { ja: '使いやすさ', en: 'Usability' },
  order: { ja: '注文', en: 'Order' },
  account: { ja: 'アカウント', en: 'Account' },
  delivery: { ja: '配送', en: 'Delivery' },
  other: { ja: 'その他', en: 'Other' },
};

const humanize = (slug: string) => {
  const text = slug.replace(/[_-]+/g, ' ').trim();
  return text.charAt(0).toUpperCase() + text.slice(1);
};

/** A reason's label: its own words, else its category's (`categories.reasons`), else the slug read aloud. */
export function reasonLabel(reason: string, categoryOf: Record<string, string>, l: Locale): string {
  const own = reasonWords[reason]?.[l];
  if (own) return own;
  const category = categoryOf[reason];
  return (category && categoryWords[category]?.[l]) || humanize(category ?? reason);
}

/** An issue in the customer's words (the JSON answer keeps the API's English message). */
function issueText(issue: Issue, type: SurveyType, l: Locale): string {
  const { min, max } = SCORE_RANGES[type];
  if (issue.path === 'score') {
    return l === 'ja'
      ? `点数を${min}〜${max}の中から1つ選んでください。`
      : `Please choose a score from ${min} to ${max}.`;
  }
  if (issue.path.startsWith('reasons')) {
    return l === 'ja' ? '選択肢にない理由が含まれています。' : 'One of the reasons is not on the list.';
  }
  if (issue.path === 'comment') {
    if (issue.message.startsWith('must be at most')) {
      return l === 'ja'
        ? `コメントは${MAX_SURVEY_COMMENT}文字以内でご記入ください。`
        : `Please keep the comment to ${MAX_SURVEY_COMMENT.toLocaleString('en')} characters.`;
    }
    return l === 'ja' ? 'このアンケートにはコメント欄がありません。' : 'This survey takes no comment.';
  }
  return l === 'ja'
    ? '送信内容に不明な項目があります。'
    : 'The answer had a field this page does not ask for.';
}

// ---- pages -------------------------------------------------------------------------------------

interface Shell {
  statusCode: number;
  locale: Locale;
  title: string;
  tone?: 'done' | 'problem';
  body: string;
  headers?: Record<string, string>;
}

function shell(page: Shell): HttpResult {
  const body = [
    '<!doctype html>',
    `<html lang="${page.locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">`,
    '<meta name="robots" content="noindex">',
    `<title>${escapeHtml(page.title)}</title>`,
    `<style>${surveyCss}</style>`,
    '</head><body>',
    `<main${page.tone ? ` class="${page.tone}"` : ''}>`,
    page.body,
    '</main></body></html>',
  ].join('\n');
  return { statusCode: page.statusCode, headers: { ...pageHeaders(), ...page.headers }, body };
}

export interface FormOptions {
  view: SurveyView;
  siteName: string;
  /** `categories.reasons`, for the labels of the operator's own reasons. */
  categoryOf: Record<string, string>;
  /** What was sent, shown again with the issues (a 400). */
  values?: { score?: string; reasons?: string[]; comment?: string };
  issues?: Issue[];
}

export function surveyForm(opts: FormOptions): HttpResult {
  const { view, values = {}, issues = [] } = opts;
  const l = view.locale;
  const { type } = view.survey;
  const { min, max } = SCORE_RANGES[type];
  const scoreIssue = issues.find((i) => i.path === 'score');
  const reasonsIssue = issues.find((i) => i.path.startsWith('reasons'));
  const commentIssue = issues.find((i) => i.path === 'comment');
  const errorLine = (id: string, issue: Issue | undefined) =>
    issue ? `<p class="error" id="${id}">${escapeHtml(issueText(issue, type, l))}</p>` : '';

  const summary = issues.length
    ? `<div class="errors" role="alert" tabindex="-1" id="errors"><strong>${escapeHtml(words.errorsTitle[l])}</strong><ul>${[
        ...new Set(issues.map((i) => issueText(i, type, l))),
      ]
        .map((t) => `<li>${escapeHtml(t)}</li>`)
        .join('')}</ul></div>`
    : '';

  const options: string[] = [];
  for (let n = min; n <= max; n++) {
    const checked = values.score === String(n) ? ' checked' : '';
    options.push(
      `<span><input type="radio" id="score-${n}" name="score" value="${n}" required${checked}><label for="score-${n}">${n}</label></span>`,
    );
  }
  const scoreDescribed = ['score-scale', ...(scoreIssue ? ['score-error'] : [])].join(' ');
  const score =
    `<fieldset${scoreIssue ? ' aria-invalid="true"' : ''} aria-describedby="${scoreDescribed}">` +
    `<legend>${escapeHtml(question[type][l])} <span class="req">${escapeHtml(words.required[l])}</span></legend>` +
    errorLine('score-error', scoreIssue) +
    `<div class="opts">${options.join('')}</div>` +
    `<p class="scale" id="score-scale"><span>${min} = ${escapeHtml(low[type][l])}</span><span>${max} = ${escapeHtml(high[type][l])}</span></p>` +
    '</fieldset>';

  const chosen = new Set(values.reasons ?? []);
  const reasons = view.survey.reasons.length
    ? `<fieldset class="checks"${reasonsIssue ? ' aria-describedby="reasons-error"' : ''}><legend>${escapeHtml(words.reasons[l])}</legend>` +
      errorLine('reasons-error', reasonsIssue) +
      view.survey.reasons
        .map(
          (r, i) =>
            `<label for="reason-${i}"><input type="checkbox" id="reason-${i}" name="reasons" value="${escapeHtml(r)}"${chosen.has(r) ? ' checked' : ''}><span>${escapeHtml(reasonLabel(r, opts.categoryOf, l))}</span></label>`,
        )
        .join('') +
      '</fieldset>'
    : '';

  const commentDescribed = ['comment-hint', ...(commentIssue ? ['comment-error'] : [])].join(' ');
  const comment = view.survey.comment
    ? `<p><label class="field-label" for="comment">${escapeHtml(words.comment[l])}</label>` +
      `<span class="note" id="comment-hint">${escapeHtml(words.commentHint[l])}</span></p>` +
      errorLine('comment-error', commentIssue) +
      `<textarea id="comment" name="comment" rows="5" maxlength="${MAX_SURVEY_COMMENT}" aria-describedby="${commentDescribed}"${commentIssue ? ' aria-invalid="true"' : ''}>${escapeHtml(values.comment ?? '')}</textarea>`
    : '';

  return shell({
    statusCode: issues.length ? 400 : 200,
    locale: l,
    title: `${issues.length ? (l === 'ja' ? 'エラー: ' : 'Error: ') : ''}${words.title[l]} | ${singleLine(opts.siteName)}`,
    body:
      `<p class="site">${escapeHtml(singleLine(opts.siteName))}</p>` +
      `<h1>${escapeHtml(words.title[l])}</h1>` +
      `<p>${escapeHtml(words.intro[l])}</p>` +
      summary +
      `<form method="post" accept-charset="utf-8">${score}${reasons}${comment}<button type="submit">${escapeHtml(words.send[l])}</button></form>`,
  });
}

export function thanksPage(opts: {
  locale: Locale;
  siteName: string;
  promoter: boolean;
  detractor: boolean;
  reviewUrl?: string;
}): HttpResult {
  const l = opts.locale;
  const review =
    opts.promoter && opts.reviewUrl
      ? `<p>${escapeHtml(words.promoter[l])}</p><p><a class="review" href="${escapeHtml(opts.reviewUrl)}" rel="noopener noreferrer">${escapeHtml(words.review[l])}</a></p>`
      : '';
  return shell({
    statusCode: 200,
    locale: l,
    tone: 'done',
    title: `${words.thanksTitle[l]} | ${singleLine(opts.siteName)}`,
    body:
      `<p class="site">${escapeHtml(singleLine(opts.siteName))}</p>` +
      `<h1>${escapeHtml(words.thanksTitle[l])}</h1>` +
      `<p>${escapeHtml((opts.detractor ? words.detractor : words.thanks)[l])}</p>` +
      review +
      `<p class="note">${escapeHtml(words.close[l])}</p>`,
  });
}

export type ProblemKind = 'forged' | 'not_found' | 'answered' | 'expired' | 'too_large' | 'unavailable';

const problems: Record<ProblemKind, { status: number; title: Text; message: Text; note?: Text }> = {
  forged: {
    status: 403,
    title: { ja: 'リンクが無効です', en: 'This link is not valid' },
    message: {
      ja: 'このリンクは正しくないか、途中で改変されています。',
      en: 'This link is incomplete or has been altered.',
    },
    note: {
      ja: 'お手数ですが、メールに記載のリンクをもう一度そのまま開いてください。',
      en: 'Please open the link from the email again, exactly as it is.',
    },
  },
  not_found: {
    status: 404,
    title: { ja: 'アンケートが見つかりません', en: 'Survey not found' },
    message: {
      ja: 'このアドレスのアンケートは存在しないか、削除されています。',
      en: 'There is no survey at this address, or it was removed.',
    },
  },
  answered: {
    status: 409,
    title: { ja: 'ご回答済みです', en: 'Already answered' },
    message: {
      ja: 'このアンケートにはすでにご回答いただいています。ご協力ありがとうございました。',
      en: 'This survey has already been answered. Thank you for taking part.',
    },
    note: { ja: 'これ以上の操作は必要ありません。', en: 'There is nothing more you need to do.' },
  },
  expired: {
    status: 410,
    title: { ja: '回答期間が終了しました', en: 'This survey has closed' },
    message: {
      ja: 'このアンケートの回答期間は終了しています。',
      en: 'The time to answer this survey is over.',
    },
    note: { ja: 'ご協力ありがとうございました。', en: 'Thank you all the same.' },
  },
  too_large: {
    status: 413,
    title: { ja: '送信内容が大きすぎます', en: 'Your answer is too long' },
    message: {
      ja: 'コメントを短くして、もう一度お試しください。',
      en: 'Please shorten the comment and try again.',
    },
  },
  unavailable: {
    status: 503,
    title: { ja: '一時的なエラー', en: 'Temporary error' },
    message: {
      ja: '処理できませんでした。しばらくしてからもう一度お試しください。',
      en: 'Something went wrong on our side. Please try again in a moment.',
    },
  },
};

/** In the survey's language; both (ja, then en) when the token gave none (a forged or broken one). */
export function problemPage(kind: ProblemKind, locale: Locale | undefined): HttpResult {
  const p = problems[kind];
  const locales: Locale[] = locale ? [locale] : ['ja', 'en'];
  return shell({
    statusCode: p.status,
    locale: locales[0] as Locale,
    tone: kind === 'answered' ? 'done' : 'problem',
    title: locales.map((l) => p.title[l]).join(' / '),
    headers: kind === 'unavailable' ? { 'retry-after': '5' } : {},
    body: locales
      .map(
        (l) =>
          `<section lang="${l}"><h1>${escapeHtml(p.title[l])}</h1><p>${escapeHtml(p.message[l])}</p>` +
          (p.note ? `<p class="note">${escapeHtml(p.note[l])}</p>` : '') +
          '</section>',
      )
      .join(''),
  });
}
