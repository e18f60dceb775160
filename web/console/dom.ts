/// <reference lib="dom" />
/**
 * A tiny element builder. Text always goes in as text nodes (never HTML), so user text such as
 * feedback comments cannot inject markup, and nothing here needs an inline style or script.
 */
export type Child = Node | string | number | null | undefined | false | readonly Child[];

type Handler = (event: Event) => void;

export interface Props {
  class?: string | undefined;
  /** Event listeners, e.g. `{ click: () => … }`. */
  on?: Record<string, Handler>;
  /** Any attribute: `true` sets it empty, `false`/`undefined` leaves it out. */
  [attribute: string]: string | number | boolean | undefined | Record<string, Handler>;
}

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (name === 'on') {
      for (const [type, handler] of Object.entries(value as Record<string, Handler>)) {
        el.addEventListener(type, handler);
      }
    } else if (value === true) el.setAttribute(name, '');
    else if (value !== false && value !== undefined) el.setAttribute(name, String(value));
  }
  append(el, children);
  return el;
}

export function append(parent: Node, children: readonly Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else parent.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces an element's content. */
export function replace(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

/** A labelled form control: `<div class="field"><label for=…>…</label>control</div>`. */
let fieldIds = 0;
export function field(label: string, control: HTMLElement, hint?: string): HTMLDivElement {
  const id = control.id || `f${++fieldIds}`;
  control.id = id;
  const hintEl = hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  return h('div', { class: 'field' }, h('label', { for: id }, label), control, hintEl);
}
