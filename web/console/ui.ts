/// <reference lib="dom" />
/** Pieces the views share: the view context, error boxes, badges. */
import { ApiError, describeError } from './api.ts';
import type { Session } from './auth.ts';
import type { ConsoleConfig } from './config.ts';
import { type Child, h, replace } from './dom.ts';
import { label } from './i18n.ts';

export interface ViewContext {
  session: Session;
  config: ConsoleConfig;
  /** The `<main>` element the view renders into. */
  root: HTMLElement;
  /** Captures of the route pattern (e.g. the case id). */
  params: string[];
  /** The query part of the hash (`#/queue?status=open`). */
  query: URLSearchParams;
  /** Goes to `hash`, optionally with a flash message on top of the page it opens. */
  navigate(hash: string, flash?: HTMLElement): void;
  /** Runs when the user leaves the view (timers, charts). */
  onCleanup(fn: () => void): void;
  /** A flash message to show after the next render of this route (e.g. a conflict that reloaded). */
  flash?: HTMLElement | undefined;
  /** Renders the current route again, optionally with a flash message. */
  rerender(flash?: HTMLElement): void;
}

export type View = (ctx: ViewContext) => Promise<void>;

/** `role="alert"`: the error in the user's language, with each field issue of a 400 listed. */
export function errorBox(error: unknown): HTMLElement {
  const issues = error instanceof ApiError ? (error.problem.issues ?? []) : [];
  return h(
    'div',
    { class: 'alert error', role: 'alert' },
    h('p', {}, describeError(error)),
    issues.length > 0 &&
      h(
        'ul',
        {},
        issues.map((i) => h('li', {}, i.path ? `${i.path}: ${i.message}` : i.message)),
      ),
  );
}

export function notice(text: string, ...more: Child[]): HTMLElement {
  return h('div', { class: 'alert ok', role: 'status' }, text, more.length > 0 && [' ', ...more]);
}

/** A mistake the console catches before asking the API (shown like an API error, in the form). */
export class InputProblem extends Error {}

/**
 * A form's submit handler: the submit button is disabled while `run` works, and whatever it
 * throws is shown in the form's `.form-message` (an `ApiError` in the user's language).
 */
export function submitter(run: (form: HTMLFormElement) => Promise<void>) {
  return async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const button = form.querySelector<HTMLButtonElement>('button[type=submit]');
    const message = form.querySelector<HTMLElement>('.form-message');
    if (button) button.disabled = true;
    if (message) replace(message);
    try {
      await run(form);
    } catch (error) {
      const box =
        error instanceof InputProblem
          ? h('div', { class: 'alert error', role: 'alert' }, h('p', {}, error.message))
          : errorBox(error);
      if (message) replace(message, box);
    } finally {
      if (button) button.disabled = false;
    }
  };
}

export function badge(value: string, kind = 'status'): HTMLElement {
  return h('span', { class: `badge ${kind}-${value}` }, label(value));
}

export function heading(text: string): HTMLHeadingElement {
  // Focus moves here on navigation, so screen readers announce the new page.
  return h('h1', { tabindex: -1 }, text);
}

/** The case id without its prefix, shortened for tables. */
export const shortId = (caseId: string): string => caseId.replace(/^case_/, '').slice(0, 8);

/** What the customer quotes on the phone (CL-7K3M9); older cases have only their id. */
export const caseLabel = (c: { caseId: string; ref?: string | undefined }): string =>
  c.ref ?? `#${shortId(c.caseId)}`;
