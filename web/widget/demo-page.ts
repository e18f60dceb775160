/**
 * The local stack's demo shop (`GET /__local/demo?site=<siteId>&locale=ja|en`): a checkout page
 * that embeds `/widget.js` as a client site would and asks after "Finish checkout". It obeys
 * the same strict CSP as the console (script, style and API from 'self' only, nothing inline):
 * its script and stylesheet are served as files of their own. Not part of the widget bundle.
 */
import { escapeHtml } from '../../shared/notices/escape.ts';

export interface DemoSite {
  siteId: string;
  siteKey: string;
  name: string;
  /** The site's Turnstile site key, when its config has a bot check (the widget renders it). */
  turnstileSiteKey?: string;
}

const words = {
  ja: {
    title: 'ご注文手続き',
    cart: 'カートの中身',
    items: [
      ['有機抹茶 100g', '¥2,400'],
      ['南部鉄器 急須', '¥8,800'],
    ],
    total: '合計',
    sum: '¥11,200',
    email: 'メールアドレス',
    finish: 'Finish checkout',
    note: 'デモ: ボタンを押すと Closeloop.ask(…) がフィードバックを尋ねます（チェックアウト離脱の理由つき）。返信の同意はこのデモでは「あり」として送ります。',
  },
  en: {
    title: 'Checkout',
    cart: 'Your cart',
    items: [
      ['Organic matcha, 100 g', '¥2,400'],
      ['Nanbu cast-iron teapot', '¥8,800'],
    ],
    total: 'Total',
    sum: '¥11,200',
    email: 'Email',
    finish: 'Finish checkout',
    note: 'Demo: the button calls Closeloop.ask(…), which asks for feedback with the checkout-abandonment reasons. This demo sends contact consent along with the address.',
  },
} as const;

export function demoPage(site: DemoSite, locale: 'ja' | 'en', scale: 'nps' | 'csat'): string {
  const w = words[locale];
  const rows = w.items
    .map(([item, price]) => `<li><span>${escapeHtml(item)}</span><span>${escapeHtml(price)}</span></li>`)
    .join('');
  return `<!doctype html>
<html lang="${locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(`${w.title} – ${site.name}`)}</title>
<link rel="stylesheet" href="/__local/demo.css">
<script src="/widget.js" data-site-id="${escapeHtml(site.siteId)}" data-site-key="${escapeHtml(site.siteKey)}" data-locale="${locale}"${
    site.turnstileSiteKey ? ` data-turnstile-site-key="${escapeHtml(site.turnstileSiteKey)}"` : ''
  } defer></script>
<script src="/__local/demo.js" defer></script>
</head><body data-scale="${scale}" data-locale="${locale}">
<header><strong>${escapeHtml(site.name)}</strong></header>
<main>
<h1>${escapeHtml(w.title)}</h1>
<section><h2>${escapeHtml(w.cart)}</h2><ul class="cart">${rows}</ul>
<p class="total"><span>${escapeHtml(w.total)}</span><strong>${escapeHtml(w.sum)}</strong></p></section>
<p><label for="email">${escapeHtml(w.email)}</label><input id="email" type="email" value="hanako@example.jp" autocomplete="email"></p>
<p><button type="button" id="finish">${escapeHtml(w.finish)}</button></p>
<p id="result" aria-live="polite"></p>
<p class="note">${escapeHtml(w.note)}</p>
</main>
</body></html>
`;
}

export const demoCss = `body{margin:0;font:16px/1.6 system-ui,-apple-system,"Segoe UI","Hiragino Sans",Meiryo,sans-serif;color:#1f2328;background:#f6f8fa}
header{background:#14532d;color:#fff;padding:.8rem 1.2rem}
main{max-width:32rem;margin:1.5rem auto;padding:0 1rem}
section{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:.5rem 1rem;margin-bottom:1rem}
h1{font-size:1.4rem}h2{font-size:1rem;margin:.5rem 0}
.cart{list-style:none;padding:0;margin:0}.cart li,.total{display:flex;justify-content:space-between;padding:.3rem 0}
.total{border-top:1px solid #d0d7de;margin:0}
label{display:block;font-weight:600}input{font:inherit;padding:.4rem;width:100%;box-sizing:border-box;border:1px solid #8c959f;border-radius:6px}
button{font:inherit;font-weight:600;padding:.7rem 1.6rem;border:0;border-radius:6px;background:#14532d;color:#fff;cursor:pointer}
button:focus-visible,input:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}
.note{color:#57606a;font-size:.85rem}
`;

/** Plain ES5, no build step: what a shop's own script would do after its checkout. */
export const demoScript = `(function () {
  var result = document.getElementById('result');
  document.getElementById('finish').addEventListener('click', function () {
    var email = document.getElementById('email').value.trim();
    result.textContent = '';
    result.removeAttribute('data-outcome');
    window.Closeloop.ask({
      touchpoint: 'checkout_abandonment',
      scale: document.body.getAttribute('data-scale') || 'nps',
      reasons: true,
      customer: email ? { email: email, locale: document.body.getAttribute('data-locale'), contactConsent: true } : undefined,
      context: { orderId: 'DEMO-' + Date.now().toString(36).toUpperCase() }
    }).then(function (outcome) {
      result.setAttribute('data-outcome', outcome);
      result.textContent = 'Closeloop.ask → ' + outcome;
    }, function (error) {
      result.setAttribute('data-outcome', 'error');
      result.textContent = String(error && error.message);
    });
  });
})();
`;
