/// <reference lib="dom" />
/**
 * The prompt: a modal dialog in an open shadow root. Native radios and checkboxes carry the
 * semantics (a score's accessible name is its number, the scale's ends are described apart);
 * focus moves in on open, Tab cycles inside, Escape closes, focus returns where it was.
 * Built with createElement (no innerHTML: fine under Trusted Types) and styled through a
 * constructed stylesheet (fine under a CSP without 'unsafe-inline').
 */
import { type Locale, reasonIds, type Scale, texts } from './i18n.ts';
import type { KnownIssueHint } from './known.ts';
import { type Answer, maxComment, scoreRange } from './payload.ts';
import { css } from './styles.ts';

export interface PromptProps {
  locale: Locale;
  scale: Scale;
  reasons: boolean;
  askConsent: boolean;
  /** Sends the answer; its outcome decides the message shown. */
  onSubmit: (answer: Answer) => Promise<'sent' | 'queued' | 'refused' | 'unverified'>;
  /** The prompt was closed (after sending or not). */
  onClose: () => void;
  /** An open public problem on this touchpoint, when there is one: one line above the form. */
  known?: Promise<KnownIssueHint | undefined>;
}

function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const name of Object.keys(attrs)) el.setAttribute(name, attrs[name]!);
  for (const child of children)
    el.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  return el;
}

let sheet: CSSStyleSheet | undefined;
function applyStyles(root: ShadowRoot): void {
  try {
    if (!sheet) {
      sheet = new CSSStyleSheet();
      sheet.replaceSync(css);
    }
    root.adoptedStyleSheets = [sheet];
  } catch {
    // Browsers without constructable stylesheets: a <style> element (needs the site to allow it).
    root.appendChild(h('style', {}, css));
  }
}

export function showPrompt(p: PromptProps): void {
  const t = texts[p.locale];
  const previous = document.activeElement as HTMLElement | null;
  const host = h('div', { 'data-closeloop': '' });
  const root = host.attachShadow({ mode: 'open' });
  applyStyles(root);

  const radios = scoreRange(p.scale).map((n) =>
    h('input', { type: 'radio', name: 'score', value: String(n) }),
  );
  const scale = h(
    'fieldset',
    { 'aria-labelledby': 'q', 'aria-describedby': 'ends' },
    h(
      'div',
      { class: `opts ${p.scale}` },
      ...radios.map((r) => h('label', { class: 'opt' }, r, h('span', {}, r.value))),
    ),
    h('div', { class: 'ends', id: 'ends' }, h('span', {}, t.low[p.scale]), h('span', {}, t.high[p.scale])),
  );
  const checkbox = (name: string, value: string, label: string) =>
    h('label', { class: 'chk' }, h('input', { type: 'checkbox', name, value }), h('span', {}, label));
  const reasons = p.reasons
    ? [
        h(
          'fieldset',
          {},
          h('legend', {}, t.reasonsLegend),
          ...reasonIds.map((id) => checkbox('reason', id, t.reasons[id])),
        ),
      ]
    : [];
  const comment = h('textarea', { id: 'c', name: 'comment', rows: '3', maxlength: String(maxComment) });
  const consent = p.askConsent ? [checkbox('consent', '1', t.consent)] : [];
  const error = h('p', { class: 'err', role: 'alert' });
  const form = h(
    'form',
    { novalidate: '' },
    scale,
    ...reasons,
    h('label', { class: 'txt', for: 'c' }, t.comment),
    comment,
    ...consent,
    error,
    h('button', { type: 'submit', class: 'send' }, t.send),
  );
  const status = h('p', { role: 'status', class: 'st', tabindex: '-1' });
  const close = h('button', { type: 'button', class: 'close', 'aria-label': t.close }, '×');
  const dialog = h(
    'div',
    { role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 'q', class: 'dlg', lang: p.locale },
    h('h2', { id: 'q' }, t.question[p.scale]),
    form,
    status,
    close,
  );
  const backdrop = h('div', { class: 'bg' });
  root.appendChild(backdrop);
  root.appendChild(dialog);

  let closed = false;
  let sending = false;
  const dismiss = () => {
    if (closed) return;
    closed = true;
    host.remove();
    if (previous?.isConnected && typeof previous.focus === 'function') previous.focus();
    p.onClose();
  };

  const checked = (name: string) =>
    Array.from(form.querySelectorAll<HTMLInputElement>(`input[name=${name}]:checked`), (i) => i.value);

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (sending) return;
    const score = checked('score')[0];
    const answer: Answer = {
      score: score === undefined ? undefined : Number(score),
      reasons: checked('reason'),
      comment: comment.value,
      consent: checked('consent').length > 0,
    };
    if (answer.score === undefined && answer.reasons.length === 0 && !answer.comment.trim()) {
      error.textContent = t.empty;
      radios[0]!.focus();
      return;
    }
    error.textContent = '';
    sending = true;
    p.onSubmit(answer).then((outcome) => {
      form.hidden = true;
      status.textContent = { sent: t.thanks, queued: t.queued, unverified: t.unverified, refused: t.failed }[
        outcome
      ];
      status.focus();
    });
  });
  close.addEventListener('click', dismiss);
  backdrop.addEventListener('click', dismiss);

  /** What Tab visits, in order: one radio per group (the checked one, else the first). */
  const tabbable = () =>
    Array.from(dialog.querySelectorAll<HTMLInputElement>('a[href],input,textarea,button')).filter(
      (el) =>
        !el.closest('[hidden]') &&
        (el.type !== 'radio' || el.checked || (el === radios[0] && checked('score').length === 0)),
    );
  dialog.addEventListener('keydown', (event) => {
    const target = event.target as HTMLInputElement;
    // Escape and Enter belong to the input method while Japanese text is being composed.
    if (event.isComposing) return;
    if (event.key === 'Escape') {
      event.preventDefault();
      dismiss();
    } else if (event.key === 'Enter' && (target.type === 'radio' || target.type === 'checkbox')) {
      // Enter chooses, as Space does, rather than sending the form half filled.
      event.preventDefault();
      target.click();
    } else if (event.key === 'Tab') {
      const list = tabbable();
      const at = list.indexOf(root.activeElement as HTMLInputElement);
      const wrapTo = event.shiftKey
        ? at <= 0
          ? list[list.length - 1]
          : undefined
        : at === -1 || at === list.length - 1
          ? list[0]
          : undefined;
      if (wrapTo) {
        event.preventDefault();
        wrapTo.focus();
      }
    }
  });

  (document.body ?? document.documentElement).appendChild(host);
  radios[0]!.focus();

  p.known?.then((hint) => {
    if (!hint || closed) return;
    const link = h('a', { href: hint.href, target: '_blank', rel: 'noopener' });
    link.textContent = hint.publicTitle;
    const line = h('p', { class: 'known' });
    line.textContent = t.known;
    line.appendChild(link);
    dialog.insertBefore(line, form);
  });
}
