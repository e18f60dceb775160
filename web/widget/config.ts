/**
 * The widget's setup from its script tag, and the hand-over from the pre-load stub
 * (`window.Closeloop = window.Closeloop || { q: [] }`). DOM-free.
 */
import { type Locale, resolveLocale } from './i18n.ts';
import type { AskOptions } from './payload.ts';

export interface WidgetConfig {
  siteId: string;
  siteKey: string;
  /** Where `/v1/feedback` lives: `data-endpoint`, else the origin the script came from. */
  endpoint: string;
  locale: Locale;
  /** `data-turnstile-site-key`: the site's bot check (Cloudflare Turnstile), when it has one. */
  turnstileSiteKey?: string;
}

export interface ScriptData {
  siteId?: string;
  siteKey?: string;
  locale?: string;
  endpoint?: string;
  turnstileSiteKey?: string;
}

export function configFrom(
  data: ScriptData,
  scriptSrc: string | undefined,
  pageUrl: string,
  browserLanguage?: string,
): WidgetConfig | string {
  if (!data.siteId) return 'data-site-id is missing on the script tag';
  if (!data.siteKey) return 'data-site-key is missing on the script tag';
  let endpoint: string;
  try {
    endpoint = new URL(data.endpoint || scriptSrc || pageUrl, pageUrl).origin;
    if (data.endpoint) endpoint = new URL(data.endpoint, pageUrl).href.replace(/\/+$/, '');
  } catch {
    return `data-endpoint is not a URL: ${data.endpoint}`;
  }
  const turnstileSiteKey = data.turnstileSiteKey?.trim();
  if (data.turnstileSiteKey !== undefined && !turnstileSiteKey) return 'data-turnstile-site-key is empty';
  if (turnstileSiteKey && turnstileSiteKey.length > 100) {
    return 'data-turnstile-site-key is longer than 100 characters';
  }
  return {
    siteId: data.siteId,
    siteKey: data.siteKey,
    endpoint,
    locale: resolveLocale(data.locale, browserLanguage),
    ...(turnstileSiteKey ? { turnstileSiteKey } : {}),
  };
}

export type Outcome = 'sent' | 'queued' | 'dismissed';
export type Ask = (options: AskOptions) => Promise<Outcome>;

/** A call made before the script loaded: options, or `[options, resolve, reject]` from the stub's `ask`. */
export type QueuedCall =
  | AskOptions
  | [AskOptions, ((outcome: Outcome) => void)?, ((error: unknown) => void)?];

/** Runs the calls the stub collected, in order, and settles their promises. */
export function drainQueue(queued: unknown, ask: Ask): void {
  if (!Array.isArray(queued)) return;
  for (const call of queued as QueuedCall[]) {
    const [options, resolve, reject] = Array.isArray(call) ? call : [call];
    ask(options).then(resolve, reject ?? (() => {}));
  }
}
