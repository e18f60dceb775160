/**
 * The small HTML pages behind signed links: a confirm page (GET) with a POST form, and the
 * answers to the POST. In the token's language, or both (ja, then en) when it has none.
 */
import type { Case } from '../../shared/domain/case.ts';
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
}

const pageHeaders = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  // No scripts at all; the only form posts back here.
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-robots-tag': 'noindex, nofollow',
};

function section(page: Page, l: NoticeLocale): string {
  const facts = page.facts?.length
    ? `<table>${page.facts
        .map(([k, v]) => `<tr><th>${escapeHtml(k[l])}</th><td>${escapeHtml(singleLine(v))}</td></tr>`)
        .join('')}</table>`
    : '';
  const form = page.button
    ? `<form method="post"><input type="hidden" name="confirm" value="1"><button type="submit">${escapeHtml(page.button[l])}</button></form>`
    : '';
  return `<section lang="${l}"><h1>${escapeHtml(page.title[l])}</h1><p>${escapeHtml(page.message[l])}</p>${facts}${form}</section>`;
}

export function renderPage(page: Page, locale: NoticeLocale | undefined): HttpResult {
  const locales: NoticeLocale[] = locale ? [locale] : ['ja', 'en'];
  const title = locales.map((l) => page.title[l]).join(' / ');
  const body = [
    '<!doctype html>',
    `<html lang="${locales[0]}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">`,
    '<meta name="robots" content="noindex">',
    `<title>${escapeHtml(title)}</title>`,
    '<style>body{font-family:-apple-system,BlinkMacSystemFont,"Segoe UI","Hiragino Sans",Meiryo,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;line-height:1.6;color:#222}h1{font-size:1.3rem}section+section{border-top:1px solid #ddd;margin-top:2rem}th{text-align:left;font-weight:normal;color:#555;padding-right:1rem}button{font-size:1rem;padding:.6rem 1.2rem;background:#1a56db;color:#fff;border:0;border-radius:4px;cursor:pointer}</style>',
    '</head><body>',
    ...locales.map((l) => section(page, l)),
    '</body></html>',
  ].join('\n');
  return { statusCode: page.statusCode, headers: { ...pageHeaders }, body };
}

// ---- the pages ---------------------------------------------------------------------------------

const ref = (caseId: string | undefined) => singleLine(caseId ?? '-');

export const invalidPage = (statusCode: 400 | 403): Page => ({
  statusCode,
  title: { ja: 'リンクが無効です', en: 'This link is not valid' },
  message: {
    ja: 'このリンクは正しくないか、改変されています。メールのリンクをそのまま開いてください。',
    en: 'This link is incomplete or has been altered. Please open the link from the email as it is.',
  },
});

export const expiredPage = (): Page => ({
  statusCode: 410,
  title: { ja: 'リンクの有効期限が切れています', en: 'This link has expired' },
  message: {
    ja: 'このリンクは有効期限を過ぎたため使用できません。',
    en: 'This link is too old to be used any more.',
  },
});

export const usedPage = (): Page => ({
  statusCode: 409,
  title: { ja: 'このリンクは使用済みです', en: 'This link was already used' },
  message: {
    ja: 'このリンクの操作はすでに実行されています。リンクは一度だけ使用できます。',
    en: 'The action of this link has already been performed; each link works once.',
  },
});

export const notFoundPage = (): Page => ({
  statusCode: 404,
  title: { ja: 'ケースが見つかりません', en: 'Case not found' },
  message: {
    ja: 'このリンクのケースは存在しないか、削除されています。',
    en: 'The case of this link does not exist or was erased.',
  },
});

export const conflictPage = (caseId: string | undefined, status: string): Page => ({
  statusCode: 409,
  title: { ja: '操作は不要です', en: 'Nothing to do' },
  message: {
    ja: `ケース ${ref(caseId)} はすでに別の状態です（現在: ${status}）。操作は行われませんでした。`,
    en: `Case ${ref(caseId)} has moved on (now: ${status}); nothing was changed.`,
  },
});

const ratingText: Record<string, Text> = {
  good: { ja: '解決した', en: 'Yes, it is fixed' },
  bad: { ja: '解決していない', en: 'No, still a problem' },
};
const ratingLabel = (value: string | undefined): Text =>
  ratingText[value ?? ''] ?? { ja: singleLine(value ?? '-'), en: singleLine(value ?? '-') };

export function confirmPage(
  act: 'acknowledge' | 'claim' | 'rate' | 'unsubscribe',
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
        title: { ja: 'ご回答の送信', en: 'Send your answer' },
        message: {
          ja: `「${label.ja}」と回答します。よろしければ送信してください。`,
          en: `Your answer: "${label.en}". Press the button to send it.`,
        },
        button: { ja: '送信する', en: 'Send' },
      };
    }
    case 'unsubscribe':
      return {
        statusCode: 200,
        title: { ja: '配信停止', en: 'Unsubscribe' },
        message: {
          ja: `${singleLine(p.email ?? '')} へのメール配信を停止します。`,
          en: `Stop sending emails to ${singleLine(p.email ?? '')}.`,
        },
        button: { ja: '配信を停止する', en: 'Unsubscribe' },
      };
  }
}

export function donePage(
  act: 'acknowledge' | 'claim' | 'rate' | 'unsubscribe',
  p: { caseId?: string; email?: string; value?: string; verdict?: 'good' | 'bad' },
): Page {
  const r = ref(p.caseId);
  switch (act) {
    case 'acknowledge':
      return {
        statusCode: 200,
        title: { ja: '確認済みにしました', en: 'Acknowledged' },
        message: { ja: `ケース ${r} を確認済みにしました。`, en: `Case ${r} is acknowledged. Thank you.` },
      };
    case 'claim':
      return {
        statusCode: 200,
        title: { ja: '担当者になりました', en: 'Claimed' },
        message: { ja: `ケース ${r} の担当者になりました。`, en: `Case ${r} is now assigned to you.` },
      };
    case 'rate':
      return {
        statusCode: 200,
        title: { ja: 'ご回答ありがとうございました', en: 'Thank you for your answer' },
        message:
          p.verdict === 'bad'
            ? {
                ja: '解決していないとのこと、申し訳ございません。担当チームが改めて対応いたします。',
                en: 'We are sorry it is not fixed yet. The team will look into it again.',
              }
            : { ja: 'ご協力ありがとうございました。', en: 'Thank you for letting us know.' },
      };
    case 'unsubscribe':
      return {
        statusCode: 200,
        title: { ja: '配信を停止しました', en: 'You are unsubscribed' },
        message: {
          ja: `${singleLine(p.email ?? '')} へのメールは今後お送りしません。`,
          en: `We will not send further emails to ${singleLine(p.email ?? '')}.`,
        },
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
