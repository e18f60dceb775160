/**
 * The small HTML pages behind signed links: a confirm page (GET) with a POST form, and the
 * answers to the POST. In the token's language, or both (ja, then en) when it has none.
 * Customers see them (follow-up answers, unsubscribing) as much as staff do: a clear heading, one
 * or two sentences, the case reference, and a layout that reads well on a phone.
 */

import type { Case } from '../../shared/domain/case.ts';
import { htmlPageHeaders, styledPageCsp } from '../../shared/html-page.ts';
import type { HttpResult } from '../../shared/http.ts';
import { escapeHtml, singleLine } from '../../shared/notices/escape.ts';
import type { NoticeLocale } from '../../shared/notices/locale.ts';

type Text = Record<NoticeLocale, string>;

export interface Page {
  statusCode: number;
  title: Text;
  message: Text;
  /** A POST form back to the same URL with this button. */
  button?: Text;
  facts?: [Text, string][];
  /** The case reference, shown under the message (customer pages; staff titles carry it). */
  reference?: string;
  /** A smaller line under everything else. */
  note?: Text;
  /** The accent: an action done, a problem with the link, or (default) a question. */
  tone?: 'done' | 'problem';
}

/** The one stylesheet, inline; the CSP allows exactly it by its hash. */
export const pageCss =
  'body{margin:0;background:#f4f6f8;color:#1f2328;font:16px/1.7 -apple-system,BlinkMacSystemFont,"Segoe UI","Hiragino Sans","Hiragino Kaku Gothic ProN",Meiryo,sans-serif;-webkit-text-size-adjust:100%}' +
  'main{max-width:36rem;margin:2.5rem auto;padding:1.5rem 1.25rem;background:#fff;border:1px solid #d8dee4;border-top:6px solid #1a56db;border-radius:10px}' +
  'main.done{border-top-color:#1a7f37}main.problem{border-top-color:#9a6700}' +
  'h1{font-size:1.35rem;line-height:1.4;margin:0 0 .75rem}p,form{margin:0 0 1rem}h1,p,td{overflow-wrap:anywhere}' +
  '.ref,.note{color:#57606a;font-size:.9rem}.ref strong{color:#1f2328;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}' +
  'table{border-collapse:collapse;width:100%;margin:0 0 1rem}th,td{text-align:left;padding:.35rem .75rem .35rem 0;border-bottom:1px solid #eaeef2;vertical-align:top}' +
  'th{font-weight:normal;color:#57606a;white-space:nowrap}' +
  'button{font:inherit;font-weight:600;min-height:44px;padding:.6rem 1.6rem;background:#1a56db;color:#fff;border:0;border-radius:8px;cursor:pointer}' +
  'button:hover{background:#1e429f}button:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}' +
  'section+section{border-top:1px solid #d8dee4;margin-top:1.5rem;padding-top:1.5rem}' +
  '@media (max-width:30rem){main{margin:0;border-radius:0;border-width:6px 0 0;min-height:100vh;box-sizing:border-box}button{width:100%}}';

/** No scripts at all, this one stylesheet, and the only form posts back here. */
export const pageCsp = styledPageCsp(pageCss);

const pageHeaders = htmlPageHeaders(pageCsp, { private: true });

const referenceLabel: Text = { ja: '受付番号', en: 'Reference' };

function section(page: Page, l: NoticeLocale): string {
  const reference = page.reference
    ? `<p class="ref">${escapeHtml(referenceLabel[l])}: <strong>${escapeHtml(singleLine(page.reference))}</strong></p>`
    : '';
  const facts = page.facts?.length
    ? `<table>${page.facts
        .map(([k, v]) => `<tr><th>${escapeHtml(k[l])}</th><td>${escapeHtml(singleLine(v))}</td></tr>`)
        .join('')}</table>`
    : '';
  const form = page.button
    ? `<form method="post"><input type="hidden" name="confirm" value="1"><button type="submit">${escapeHtml(page.button[l])}</button></form>`
    : '';
  const note = page.note ? `<p class="note">${escapeHtml(page.note[l])}</p>` : '';
  return `<section lang="${l}"><h1>${escapeHtml(page.title[l])}</h1><p>${escapeHtml(page.message[l])}</p>${reference}${facts}${form}${note}</section>`;
}

export function renderPage(page: Page, locale: NoticeLocale | undefined): HttpResult {
  const locales: NoticeLocale[] = locale ? [locale] : ['ja', 'en'];
  const title = locales.map((l) => page.title[l]).join(' / ');
  const body = [
    '<!doctype html>',
    `<html lang="${locales[0]}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">`,
    '<meta name="robots" content="noindex">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${pageCss}</style>`,
    '</head><body>',
    `<main${page.tone ? ` class="${page.tone}"` : ''}>`,
    ...locales.map((l) => section(page, l)),
    '</main></body></html>',
  ].join('\n');
  return { statusCode: page.statusCode, headers: { ...pageHeaders }, body };
}

// ---- the pages ---------------------------------------------------------------------------------

const ref = (caseId: string | undefined) => singleLine(caseId ?? '-');

const fromTheEmail: Text = {
  ja: 'お手数ですが、メールに記載のリンクをもう一度そのまま開いてください。',
  en: 'Please open the link from the email again, exactly as it is.',
};

export const invalidPage = (statusCode: 400 | 403): Page => ({
  statusCode,
  tone: 'problem',
  title: { ja: 'リンクが無効です', en: 'This link is not valid' },
  message: {
    ja: 'このリンクは正しくないか、途中で改変されています。',
    en: 'This link is incomplete or has been altered.',
  },
  note: fromTheEmail,
});

export const expiredPage = (): Page => ({
  statusCode: 410,
  tone: 'problem',
  title: { ja: 'リンクの有効期限が切れています', en: 'This link has expired' },
  message: {
    ja: 'このリンクは有効期限を過ぎたため使用できません。',
    en: 'This link is too old to be used any more.',
  },
  note: {
    ja: '新しいメールが届いている場合は、そちらのリンクをご利用ください。',
    en: 'If you received a newer email, please use the link in that one.',
  },
});

export const usedPage = (): Page => ({
  statusCode: 409,
  tone: 'problem',
  title: { ja: 'このリンクは使用済みです', en: 'This link was already used' },
  message: {
    ja: 'このリンクの操作はすでに実行されています。リンクは一度だけ使用できます。',
    en: 'The action of this link has already been performed; each link works once.',
  },
  note: { ja: 'これ以上の操作は必要ありません。', en: 'There is nothing more you need to do.' },
});

export const leftTeamPage = (): Page => ({
  statusCode: 403,
  tone: 'problem',
  title: { ja: 'この操作はできません', en: 'You cannot do this any more' },
  message: {
    ja: 'このリンクの宛先の方は、現在このケースのチームに所属していません。操作は行われませんでした。',
    en: "The person this link was sent to is no longer on this case's team. Nothing was changed.",
  },
  note: {
    ja: 'チームのリーダーにご確認ください。',
    en: "Please check with the team's lead.",
  },
});

export const notFoundPage = (): Page => ({
  statusCode: 404,
  tone: 'problem',
  title: { ja: 'ケースが見つかりません', en: 'Case not found' },
  message: {
    ja: 'このリンクのケースは存在しないか、削除されています。',
    en: 'The case of this link does not exist or was erased.',
  },
});

export const conflictPage = (caseId: string | undefined, status: string): Page => ({
  statusCode: 409,
  tone: 'problem',
  title: { ja: '操作は不要です', en: 'Nothing to do' },
  message: {
    ja: `ケース ${ref(caseId)} はすでに別の状態です（現在: ${status}）。操作は行われませんでした。`,
    en: `Case ${ref(caseId)} has moved on (now: ${status}); nothing was changed.`,
  },
});

const ratingText: Record<string, Text> = {
  good: { ja: '解決した', en: 'Yes, it is fixed' },
  bad: { ja: '解決していない', en: 'No, still a problem' },
  '1': { ja: '1（不満）', en: '1 of 5 (poor)' },
  '5': { ja: '5（満足）', en: '5 of 5 (great)' },
};
const ratingLabel = (value: string | undefined): Text => {
  const v = singleLine(value ?? '-');
  return ratingText[v] ?? (/^[1-5]$/.test(v) ? { ja: `${v}（5段階中）`, en: `${v} of 5` } : { ja: v, en: v });
};

/**
 * Names the address only for an unsubscribe link made when links still carried it; a current
 * link names its case, and the page does not look the address up to show it.
 */
const toAddress = (p: { email?: string }, locale: 'ja' | 'en') =>
  p.email === undefined ? '' : locale === 'ja' ? `${singleLine(p.email)} への` : ` to ${singleLine(p.email)}`;

/** Why a customer page asks for a press of a button rather than acting on the click in the email. */
const nothingYet: Text = {
  ja: 'リンクを開いただけでは、まだ何も送信・変更されていません。',
  en: 'Opening the link alone has not sent or changed anything yet.',
};

export function confirmPage(
  act: 'acknowledge' | 'claim' | 'rate' | 'unsubscribe' | 'confirm',
  p: { caseId?: string; email?: string; value?: string },
): Page {
  const r = ref(p.caseId);
  switch (act) {
    case 'acknowledge':
      return {
        statusCode: 200,
        title: { ja: `ケース ${r} を確認済みにする`, en: `Acknowledge case ${r}` },
        message: {
          ja: '下のボタンを押すと、このケースを確認済み（対応開始）にします。',
          en: 'Press the button to acknowledge this case: you start working on it.',
        },
        button: { ja: '確認済みにする', en: 'Acknowledge' },
      };
    case 'claim':
      return {
        statusCode: 200,
        title: { ja: `ケース ${r} を担当する`, en: `Claim case ${r}` },
        message: {
          ja: '下のボタンを押すと、このケースの担当者があなたになります。',
          en: 'Press the button to make yourself the owner of this case.',
        },
        button: { ja: '担当する', en: 'Claim' },
      };
    case 'rate': {
      const label = ratingLabel(p.value);
      return {
        statusCode: 200,
        title: { ja: 'ご回答の確認', en: 'Confirm your answer' },
        message: {
          ja: `「${label.ja}」と回答します。よろしければ下のボタンを押して送信してください。`,
          en: `Your answer: "${label.en}". Press the button below to send it.`,
        },
        reference: p.caseId,
        button: { ja: '送信する', en: 'Send' },
        note: nothingYet,
      };
    }
    case 'unsubscribe':
      return {
        statusCode: 200,
        title: { ja: 'メール配信の停止', en: 'Unsubscribe' },
        message: {
          ja: `${toAddress(p, 'ja')}ご意見に関するメールの配信を停止します。よろしければ下のボタンを押してください。`,
          en: `We will stop sending emails about your feedback${toAddress(p, 'en')}. Press the button below to confirm.`,
        },
        reference: p.caseId,
        button: { ja: '配信を停止する', en: 'Unsubscribe' },
        note: nothingYet,
      };
    case 'confirm':
      return {
        statusCode: 200,
        title: { ja: 'メールアドレスの確認', en: 'Confirm your email address' },
        message: {
          ja: 'ご意見についてのご連絡をこのメールアドレスで受け取る場合は、下のボタンを押してください。',
          en: 'Press the button below to receive emails about your feedback at this address.',
        },
        button: { ja: '確認する', en: 'Confirm' },
        note: nothingYet,
      };
  }
}

export function donePage(
  act: 'acknowledge' | 'claim' | 'rate' | 'unsubscribe' | 'confirm',
  p: { caseId?: string; email?: string; value?: string; verdict?: 'good' | 'bad' },
): Page {
  const r = ref(p.caseId);
  switch (act) {
    case 'acknowledge':
      return {
        statusCode: 200,
        tone: 'done',
        title: { ja: '確認済みにしました', en: 'Acknowledged' },
        message: { ja: `ケース ${r} を確認済みにしました。`, en: `Case ${r} is acknowledged. Thank you.` },
      };
    case 'claim':
      return {
        statusCode: 200,
        tone: 'done',
        title: { ja: '担当者になりました', en: 'Claimed' },
        message: { ja: `ケース ${r} の担当者になりました。`, en: `Case ${r} is now assigned to you.` },
      };
    case 'rate':
      return {
        statusCode: 200,
        tone: 'done',
        title: { ja: 'ご回答ありがとうございました', en: 'Thank you for your answer' },
        message:
          p.verdict === 'bad'
            ? {
                ja: '解決していないとのこと、申し訳ございません。担当チームが改めて対応いたします。',
                en: 'We are sorry it is not fixed yet. The team will look into it again.',
              }
            : {
                ja: 'ご協力ありがとうございました。お役に立てて何よりです。',
                en: 'Thank you for letting us know. We are glad it is sorted.',
              },
        reference: p.caseId,
        note: { ja: 'このページは閉じてかまいません。', en: 'You can close this page now.' },
      };
    case 'unsubscribe':
      return {
        statusCode: 200,
        tone: 'done',
        title: { ja: '配信を停止しました', en: 'You are unsubscribed' },
        message: {
          ja: `${toAddress(p, 'ja')}メールは今後お送りしません。`,
          en: `We will not send further emails${toAddress(p, 'en')}.`,
        },
        reference: p.caseId,
        note: { ja: 'このページは閉じてかまいません。', en: 'You can close this page now.' },
      };
    case 'confirm':
      return {
        statusCode: 200,
        tone: 'done',
        title: { ja: '確認しました', en: 'Address confirmed' },
        message: {
          ja: 'ありがとうございます。ご意見への対応状況をこのアドレスにお知らせします。',
          en: 'Thank you. We will keep you posted about your feedback at this address.',
        },
        note: { ja: 'このページは閉じてかまいません。', en: 'You can close this page now.' },
      };
  }
}

export function casePage(c: Case): Page {
  return {
    statusCode: 200,
    title: { ja: `ケース ${ref(c.caseId)}`, en: `Case ${ref(c.caseId)}` },
    message: {
      ja: 'ケースの現在の状態です（閲覧のみ。操作はスタッフ API から行えます）。',
      en: 'The case as it stands now (read only; act on it from the staff API).',
    },
    facts: [
      [{ ja: '状態', en: 'Status' }, c.status],
      [{ ja: '重要度', en: 'Severity' }, c.severity],
      [{ ja: 'カテゴリ', en: 'Category' }, c.category],
      [{ ja: 'チーム', en: 'Team' }, c.teamId],
      [{ ja: '担当者', en: 'Assignee' }, c.assigneeId],
      [{ ja: '初回対応期限', en: 'Acknowledge by' }, c.acknowledgeBy],
      [{ ja: '解決期限', en: 'Resolve by' }, c.resolveBy],
      [{ ja: '更新日時', en: 'Updated' }, c.updatedAt],
    ],
  };
}
