/// <reference lib="dom" />
/**
 * The bot check in the browser, for sites whose config has `botCheck` (Cloudflare Turnstile): its
 * script is loaded on the first answer only (a page that never asks loads nothing from Cloudflare),
 * rendered once in explicit mode, and reset for every further token, since a token is good for one
 * siteverify call only. The server refuses a public-key post without a passing token.
 */
import type { BotCheck } from './sender.ts';

export const turnstileScriptUrl = 'https://challenges.cloudflare.com/turnstile/v0/api.js?render=explicit';

interface TurnstileApi {
  render(
    container: HTMLElement,
    options: {
      sitekey: string;
      language?: string;
      callback: (token: string) => void;
      'error-callback': () => void;
      'expired-callback': () => void;
    },
  ): string;
  reset(widgetId: string): void;
}

export interface TurnstileOptions {
  siteKey: string;
  locale: string;
  /** No token after this long counts as a failed check (the answer waits in the queue). */
  timeoutMs?: number;
}

export function turnstileBotCheck(opts: TurnstileOptions): BotCheck {
  let loading: Promise<TurnstileApi> | undefined;
  let widgetId: string | undefined;
  let waiting:
    | {
        resolve: (token: string) => void;
        reject: (error: Error) => void;
        timer: ReturnType<typeof setTimeout>;
      }
    | undefined;
  const settle = (token: string | undefined) => {
    const w = waiting;
    waiting = undefined;
    if (!w) return;
    clearTimeout(w.timer);
    if (token) w.resolve(token);
    else w.reject(new Error('the bot check gave no token'));
  };

  return {
    async token() {
      loading ??= loadTurnstile();
      loading.catch(() => {
        loading = undefined; // a blocked script may load on a later try
      });
      const api = await loading;
      settle(undefined); // an older request still waiting loses to this one
      const token = new Promise<string>((resolve, reject) => {
        waiting = { resolve, reject, timer: setTimeout(() => settle(undefined), opts.timeoutMs ?? 30_000) };
      });
      if (widgetId === undefined) {
        widgetId = api.render(container(), {
          sitekey: opts.siteKey,
          language: opts.locale,
          callback: (t) => settle(t),
          'error-callback': () => settle(undefined),
          'expired-callback': () => settle(undefined),
        });
      } else {
        api.reset(widgetId);
      }
      return token;
    },
  };
}

function loadTurnstile(): Promise<TurnstileApi> {
  const present = (window as unknown as { turnstile?: TurnstileApi }).turnstile;
  if (present) return Promise.resolve(present);
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = turnstileScriptUrl;
    script.async = true;
    script.onload = () => {
      const api = (window as unknown as { turnstile?: TurnstileApi }).turnstile;
      if (api) resolve(api);
      else reject(new Error('the bot check script did not start'));
    };
    script.onerror = () => {
      script.remove();
      reject(new Error('the bot check script could not be loaded'));
    };
    document.head.append(script);
  });
}

/** Where the challenge shows when Turnstile needs the visitor (most visitors never see it). */
function container(): HTMLElement {
  const box = document.createElement('div');
  box.className = 'closeloop-bot-check';
  box.style.cssText = 'position:fixed;right:16px;bottom:16px;z-index:2147483647';
  document.body.append(box);
  return box;
}
