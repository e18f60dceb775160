import '../zod-locale.ts';
import type { NoticeKind } from '../events/notice-requested.ts';
import { singleLine } from './escape.ts';
import type { NoticeLocale } from './locale.ts';
export interface NoticeLinks {
  /** The double opt-in link (customer_confirm). */
  confirm?: string;
  acknowledge?: string;
  claim?: string;
  open?: string;
  unsubscribe?: string;
  /** A survey invitation's page, and one link per score that opens it with the score picked. */
  survey?: { url: string; scores: { value: string; url: string }[] };
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

export interface Ctx {
  l: NoticeLocale;
  ja: boolean;
  /** What the customer quotes: the short reference, else (older cases) the case id. */
  caseRef: string;
  /** The internal case id, for staff beside the reference; undefined when it is what caseRef shows. */
  caseId: string | undefined;
  tz: string;
  when: (iso: string | undefined) => string;
  input: RenderInput;
}

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

export const severityLabels = {
  critical: { ja: '重大', en: 'Critical' },
  routine: { ja: '通常', en: 'Routine' },
};
export const deadlineLabels = {
  acknowledge: { ja: '初回対応', en: 'acknowledge' },
  resolve: { ja: '解決', en: 'resolve' },
};
export const levelLabels = {
  lead: { ja: 'チームリーダー', en: 'team lead' },
  manager: { ja: 'マネージャー', en: 'manager' },
  executive: { ja: '役員', en: 'executive' },
};
export const attainmentLabels = {
  acknowledgedWithin2h: { ja: '2時間以内に初回対応', en: 'Acknowledged within 2 h' },
  acknowledgedWithin6h: { ja: '6時間以内に初回対応', en: 'Acknowledged within 6 h' },
  closedWithin48h: { ja: '48時間以内にクローズ', en: 'Closed within 48 h' },
  loopClosedWithin72h: { ja: '72時間以内にループ完了', en: 'Loop closed within 72 h' },
};

export const labelOf = <T extends Record<string, Record<NoticeLocale, string>>>(
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

export const percent = (value: number | null) => (value === null ? '-' : `${Math.round(value * 100)}%`);
export const signed = (value: number | null) =>
  value === null ? '-' : `${value > 0 ? '+' : ''}${Math.round(value)}`;

/**
 * The reference a message shows: the short one when the case has it, else the case id. Both are
 * ours (`CL-…`, `case_<base64url>`); anything else is reduced to id characters.
 */
export function caseRefOf(c: { caseId?: string | undefined; caseRef?: string | undefined }): string {
  return (c.caseRef ?? c.caseId ?? '').replace(/[^A-Za-z0-9_-]/g, '').slice(0, 64) || '-';
}
