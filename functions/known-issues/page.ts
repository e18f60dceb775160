/**
 * The known-issues page's HTML (docs/known-issues.md): server-rendered, no script, one inline
 * stylesheet allowed by its hash, in Japanese or English. It shows only what staff wrote for the
 * public (title, message), the status and when it was fixed; every value is escaped. Each open
 * item has a "notify me when fixed" form that posts `email` back here.
 */

import type { KnownIssue } from '../../core/problems/known-issues.ts';
import { htmlPageHeaders, styledPageCsp } from '../../shared/html-page.ts';
import type { HttpResult } from '../../shared/http.ts';
import { escapeHtml } from '../../shared/notices/escape.ts';

export type Locale = 'ja' | 'en';
type Text = Record<Locale, string>;

export const knownIssuesCss =
  'body{margin:0;background:#f4f6f8;color:#1f2328;font:16px/1.6 -apple-system,BlinkMacSystemFont,"Segoe UI","Hiragino Sans","Hiragino Kaku Gothic ProN",Meiryo,sans-serif;-webkit-text-size-adjust:100%}' +
  'main{max-width:42rem;margin:2rem auto;padding:1.5rem 1.25rem;background:#fff;border:1px solid #d8dee4;border-top:6px solid #1a56db;border-radius:10px}' +
  'h1{font-size:1.3rem;line-height:1.4;margin:0 0 1rem}h2{font-size:1.1rem;margin:0 0 .5rem}p{margin:0 0 1rem}h1,h2,p{overflow-wrap:anywhere}' +
  '.site,.note{color:#57606a;font-size:.9rem}.site{margin:0 0 .25rem}' +
  'ul.issues{list-style:none;margin:0;padding:0}ul.issues>li{border-top:1px solid #d8dee4;padding:1.25rem 0}' +
  '.status{display:inline-block;font-size:.85rem;font-weight:600;padding:.1rem .6rem;border-radius:999px;margin:0 0 .5rem}' +
  '.open .status{background:#fff8c5;color:#7d4e00}.resolved .status{background:#dafbe1;color:#116329}' +
  'form{display:flex;flex-wrap:wrap;gap:.5rem;align-items:flex-end}label{display:block;font-weight:600;width:100%}' +
  'input{flex:1 1 14rem;min-height:44px;box-sizing:border-box;padding:.5rem;font:inherit;border:2px solid #8c959f;border-radius:8px}' +
  'input[aria-invalid=true]{border-color:#b42318}' +
  'button{font:inherit;font-weight:600;min-height:44px;padding:.6rem 1.4rem;background:#1a56db;color:#fff;border:0;border-radius:8px;cursor:pointer}' +
  'button:hover{background:#1e429f}input:focus-visible,button:focus-visible,a:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}' +
  '.error{color:#b42318;font-weight:600;width:100%;margin:0}.banner{border:2px solid #1a7f37;border-radius:8px;padding:.75rem 1rem;margin:0 0 1.25rem}' +
  '.banner.bad{border-color:#b42318}' +
  '@media (max-width:30rem){main{margin:0;border-radius:0;border-width:6px 0 0;min-height:100vh;box-sizing:border-box}button{width:100%}}';

/** No scripts, this one stylesheet, no images, and the forms post back here. */
export const knownIssuesCsp = styledPageCsp(knownIssuesCss);

/** GET pages are the same for everyone for a minute; a form's answer is nobody else's. */
export const pageHeaders = (cacheable: boolean): Record<string, string> =>
  htmlPageHeaders(knownIssuesCsp, cacheable ? { maxAgeSeconds: 60 } : { private: true });

const words = {
  title: { ja: '既知の問題', en: 'Known issues' },
  intro: {
    ja: '現在把握している問題と、その対応状況です。',
    en: 'Problems we know about, and where we are with them.',
  },
  none: { ja: '現在、把握している問題はありません。', en: 'We know of no problems right now.' },
  open: { ja: '対応中', en: 'Being fixed' },
  resolved: { ja: '解決済み', en: 'Fixed' },
  fixedAt: { ja: '解決日時', en: 'Fixed' },
  email: { ja: '解決したらメールでお知らせします', en: 'Email me when this is fixed' },
  send: { ja: '通知を受け取る', en: 'Notify me' },
  sent: {
    ja: 'ありがとうございます。確認のメールをお送りした場合は、メール内のリンクからアドレスを確認してください。確認済みのアドレスには、解決時にお知らせします。',
    en: 'Thank you. If we sent you a confirmation email, follow its link to confirm your address. Once it is confirmed, we will tell you when this is fixed.',
  },
  badEmail: {
    ja: 'メールアドレスの形式が正しくありません。入力内容をご確認ください。',
    en: 'That is not an email address. Please check what you typed.',
  },
  privacy: {
    ja: 'メールアドレスはこの通知のためだけに使います。',
    en: 'We use your address for this notice only.',
  },
  notFoundTitle: { ja: 'ページが見つかりません', en: 'Page not found' },
  notFound: {
    ja: 'このページは存在しないか、公開が終了しました。',
    en: 'This page does not exist, or is no longer shown.',
  },
  errorTitle: { ja: '一時的なエラー', en: 'Temporary error' },
  error: {
    ja: '表示できませんでした。しばらくしてからもう一度お試しください。',
    en: 'Something went wrong on our side. Please try again in a moment.',
  },
  tooLarge: { ja: '送信内容が大きすぎます。', en: 'What was sent is too large.' },
  wrongType: { ja: 'フォームから送信してください。', en: 'Please send the form from this page.' },
} satisfies Record<string, Text>;

function shell(locale: Locale, title: string, body: string): string {
  return (
    `<!doctype html><html lang="${locale}"><head><meta charset="utf-8">` +
    '<meta name="viewport" content="width=device-width,initial-scale=1">' +
    `<title>${escapeHtml(title)}</title><style>${knownIssuesCss}</style></head>` +
    `<body><main>${body}</main></body></html>`
  );
}

function formatFixedAt(iso: string, locale: Locale, timeZone: string): string {
  return new Intl.DateTimeFormat(locale === 'ja' ? 'ja-JP' : 'en-GB', {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone,
  }).format(new Date(iso));
}

export interface PageInput {
  siteId: string;
  siteName: string;
  locale: Locale;
  timeZone: string;
  issues: readonly KnownIssue[];
  /** After a form post: which problem's form answered, and how. */
  answer?: { problemId: string; outcome: 'sent' | 'bad_email'; email?: string };
}

/** The page: every known issue of the site, an open one with its form. */
export function knownIssuesPage(input: PageInput): HttpResult {
  const { locale: l } = input;
  const langQuery = `?lang=${l}`;
  const items = input.issues.map((issue) => {
    const answer = input.answer?.problemId === issue.problemId ? input.answer : undefined;
    const fieldId = `email-${issue.problemId}`;
    const errorId = `error-${issue.problemId}`;
    const fixed =
      issue.status === 'resolved' && issue.resolvedAt
        ? `<p class="note">${words.fixedAt[l]}: <time datetime="${escapeHtml(issue.resolvedAt)}">${escapeHtml(formatFixedAt(issue.resolvedAt, l, input.timeZone))}</time></p>`
        : '';
    const form =
      issue.status === 'open'
        ? answer?.outcome === 'sent'
          ? `<p class="banner" role="status">${words.sent[l]}</p>`
          : `<form method="post" action="/known-issues/${encodeURIComponent(input.siteId)}/${encodeURIComponent(issue.problemId)}/subscribe${langQuery}">` +
            `<label for="${fieldId}">${words.email[l]}</label>` +
            (answer?.outcome === 'bad_email'
              ? `<p class="error" id="${errorId}" role="alert">${words.badEmail[l]}</p>`
              : '') +
            `<input type="email" id="${fieldId}" name="email" autocomplete="email" required maxlength="254"` +
            (answer?.outcome === 'bad_email'
              ? ` aria-invalid="true" aria-describedby="${errorId}" value="${escapeHtml(answer.email ?? '')}"`
              : '') +
            `><button type="submit">${words.send[l]}</button></form>`
        : '';
    return (
      `<li class="${issue.status}" id="${escapeHtml(issue.problemId)}">` +
      `<span class="status">${words[issue.status][l]}</span>` +
      `<h2>${escapeHtml(issue.publicTitle)}</h2>` +
      `<p>${escapeHtml(issue.publicMessage).replace(/\n/g, '<br>')}</p>${fixed}${form}</li>`
    );
  });
  const body =
    `<p class="site">${escapeHtml(input.siteName)}</p><h1>${words.title[l]}</h1><p>${words.intro[l]}</p>` +
    (items.length ? `<ul class="issues">${items.join('')}</ul>` : `<p>${words.none[l]}</p>`) +
    (input.issues.some((i) => i.status === 'open') ? `<p class="note">${words.privacy[l]}</p>` : '');
  const status = input.answer?.outcome === 'bad_email' ? 400 : 200;
  return {
    statusCode: status,
    headers: pageHeaders(input.answer === undefined),
    body: shell(l, `${words.title[l]} | ${input.siteName}`, body),
  };
}

export type ProblemPage = 'not_found' | 'too_large' | 'wrong_type' | 'unavailable';

const problemStatus: Record<ProblemPage, number> = {
  not_found: 404,
  too_large: 413,
  wrong_type: 415,
  unavailable: 503,
};

/** An error page: the unknown site's 404, a body too large, a 503. */
export function problemPage(kind: ProblemPage, locale: Locale): HttpResult {
  const [title, message] =
    kind === 'not_found'
      ? [words.notFoundTitle, words.notFound]
      : kind === 'unavailable'
        ? [words.errorTitle, words.error]
        : [words.errorTitle, kind === 'too_large' ? words.tooLarge : words.wrongType];
  return {
    statusCode: problemStatus[kind],
    headers: pageHeaders(false),
    body: shell(locale, title[locale], `<h1>${title[locale]}</h1><p>${message[locale]}</p>`),
  };
}
