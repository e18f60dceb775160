/// <reference lib="dom" />
/**
 * `/widget.js`: one script tag on a client site, then `Closeloop.ask({...})` after a key moment.
 *
 *   <script src="{API origin}/widget.js" data-site-id="shop-jp" data-site-key="sk_…" data-locale="ja" defer></script>
 *   (plus data-turnstile-site-key="0x…" when the site's config has a bot check)
 *   Closeloop.ask({ touchpoint: 'checkout_abandonment', scale: 'nps', reasons: true,
 *                   customer: { email: 'a@example.com', locale: 'ja' } }) // → 'sent' | 'queued' | 'dismissed'
 *
 * Calls made before the script loaded wait in `window.Closeloop.q` (docs/intake.md#the-widget).
 */
import { configFrom, drainQueue, type Outcome, type ScriptData } from './config.ts';
import { showPrompt } from './dialog.ts';
import { resolveLocale } from './i18n.ts';
import { ImpressionBatch } from './impressions.ts';
import { knownIssues } from './known.ts';
import { type AskOptions, buildPayload, checkOptions, newIdempotencyKey } from './payload.ts';
import { type KeyValueStore, PendingQueue } from './pending.ts';
import { Sender } from './sender.ts';
import { turnstileBotCheck } from './turnstile.ts';

export interface CloseloopApi {
  ask(options: AskOptions): Promise<Outcome>;
  version: string;
}

const w = window as unknown as { Closeloop?: Partial<CloseloopApi> & { q?: unknown } };

function storage(): KeyValueStore | undefined {
  try {
    return window.localStorage; // throws where the site's storage is blocked
  } catch {
    return undefined;
  }
}

function boot(): void {
  const script =
    (document.currentScript as HTMLScriptElement | null) ??
    document.querySelector<HTMLScriptElement>('script[data-site-key]');
  const config = configFrom(
    { ...script?.dataset } as ScriptData,
    script?.src,
    location.href,
    navigator.language,
  );
  const sender = new Sender({
    queue: new PendingQueue(storage()),
    fetch: (url, init) => fetch(url, { ...init, mode: 'cors', credentials: 'omit' }),
    ...(typeof config !== 'string' && config.turnstileSiteKey
      ? { botCheck: turnstileBotCheck({ siteKey: config.turnstileSiteKey, locale: config.locale }) }
      : {}),
  });
  let open = false;
  const impressions =
    typeof config === 'string'
      ? undefined
      : new ImpressionBatch(config.siteId, (body) => {
          fetch(`${config.endpoint}/v1/impressions`, {
            method: 'POST',
            mode: 'cors',
            credentials: 'omit',
            keepalive: true,
            headers: { 'content-type': 'application/json', 'x-site-key': config.siteKey },
            body,
          }).catch(() => {});
        });
  addEventListener('pagehide', () => impressions?.flush());
  // Public data: fetched on the first prompt only, without credentials, and never in the way.
  const known =
    typeof config === 'string'
      ? undefined
      : knownIssues(config.endpoint, config.siteId, (url) =>
          fetch(url, { mode: 'cors', credentials: 'omit' }),
        );

  const ask = (options: AskOptions): Promise<Outcome> => {
    const problem = typeof config === 'string' ? config : checkOptions(options);
    if (typeof config === 'string' || problem) return Promise.reject(new Error(`Closeloop: ${problem}`));
    // One prompt at a time: a second call while one is open does not stack another on top.
    if (open) return Promise.resolve('dismissed');
    open = true;
    const locale = resolveLocale(options.locale, config.locale);
    return new Promise<Outcome>((resolve, reject) => {
      let submitted = false;
      try {
        showPrompt({
          locale,
          scale: options.scale ?? 'nps',
          reasons: options.reasons === true,
          askConsent: options.askConsent === true && Boolean(options.customer?.email),
          ...(known ? { known: known(options.touchpoint, locale) } : {}),
          onSubmit: async (answer) => {
            submitted = true;
            const outcome = await sender.submit({
              key: newIdempotencyKey(),
              url: `${config.endpoint}/v1/feedback`,
              siteKey: config.siteKey,
              body: buildPayload(config.siteId, options, answer, locale, location.href),
            });
            if (outcome === 'refused') {
              const why = sender.lastReason ? `: ${sender.lastReason}` : '';
              const refused = new Error(
                `Closeloop: the answer was refused (HTTP ${sender.lastRefusal}${why})`,
              );
              // Also when the page queued the call without a promise: the developer must see why.
              console.error(refused.message);
              reject(refused);
            } else resolve(outcome === 'unverified' ? 'queued' : outcome);
            return outcome;
          },
          onClose: () => {
            open = false;
            if (!submitted) resolve('dismissed');
          },
        });
        impressions?.add(options.touchpoint);
      } catch (error) {
        open = false; // a prompt that could not be shown must not block the next one
        reject(error);
      }
    });
  };

  const stub = w.Closeloop;
  w.Closeloop = { ask, version: '1' };
  drainQueue(stub?.q, ask);
  if (typeof config === 'string') {
    console.warn(`Closeloop: ${config}`);
    return;
  }
  // Answers an earlier page view could not send go now, and whenever the browser is back online.
  void sender.flush();
  window.addEventListener('online', () => void sender.flush(true));
}

// Loaded twice (two tags, a single-page app re-injecting it): the first one stays in charge.
if (!w.Closeloop?.version) boot();
