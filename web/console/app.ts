/// <reference lib="dom" />
/**
 * The staff console: loads /console/config.json, signs the member in (local roster or Cognito),
 * then routes `#/queue`, `#/cases/{id}`, `#/problems`, `#/problems/{id}` and `#/metrics` into `<main>`.
 */
import { configureApi } from './api.ts';
import { clearSession, completeCognitoSignIn, loadSession, type Session, signOut } from './auth.ts';
import { type ConsoleConfig, parseConsoleConfig } from './config.ts';
import { h, replace } from './dom.ts';
import { lang, setLang, t } from './i18n.ts';
import { serverNow, syncLocalClock } from './time.ts';
import { heading, type View, type ViewContext } from './ui.ts';
import { caseView } from './views/case.ts';
import { metricsView } from './views/metrics.ts';
import { problemView } from './views/problem.ts';
import { problemsView } from './views/problems.ts';
import { queueView } from './views/queue.ts';
import { renderSignIn, type SignInMessage } from './views/signin.ts';

const routes: { pattern: RegExp; view: View; nav?: string }[] = [
  { pattern: /^\/queue$/, view: queueView, nav: '#/queue' },
  { pattern: /^\/cases\/([^/]+)$/, view: caseView, nav: '#/queue' },
  { pattern: /^\/problems$/, view: problemsView, nav: '#/problems' },
  { pattern: /^\/problems\/([^/]+)$/, view: problemView, nav: '#/problems' },
  { pattern: /^\/metrics$/, view: metricsView, nav: '#/metrics' },
];

const header = document.getElementById('top') as HTMLElement;
const main = document.getElementById('app') as HTMLElement;

let config: ConsoleConfig;
let session: Session | undefined;
let cleanups: (() => void)[] = [];
/** Increases with every render, so a slow render of a route the user already left does nothing. */
let renderId = 0;
let focusOnRender = false;
/** The flash message of `navigate(hash, flash)`, shown by the render the hash change starts. */
let pendingFlash: HTMLElement | undefined;

function cleanup() {
  for (const fn of cleanups) fn();
  cleanups = [];
}

function expired(s: Session): boolean {
  return s.exp > 0 && s.exp * 1000 <= serverNow();
}

function endSession(message?: string) {
  clearSession();
  session = undefined;
  void render(undefined, message === undefined ? undefined : { text: message, error: false });
}

function renderHeader(current?: string) {
  const navLink = (href: string, text: string) =>
    h('li', {}, h('a', { href, 'aria-current': current === href ? 'page' : undefined }, text));
  replace(
    header,
    h('a', { class: 'brand', href: '#/queue' }, t('appName')),
    session &&
      h(
        'nav',
        { 'aria-label': t('navLabel') },
        h(
          'ul',
          { class: 'nav-list' },
          navLink('#/queue', t('navQueue')),
          navLink('#/problems', t('navProblems')),
          navLink('#/metrics', t('navMetrics')),
        ),
      ),
    h(
      'div',
      { class: 'who' },
      session &&
        h(
          'span',
          { class: 'member', 'data-testid': 'member' },
          t('signedInAs', { name: session.admin ? `${session.name} (${t('admin')})` : session.name }),
        ),
      h(
        'button',
        {
          type: 'button',
          class: 'lang',
          lang: lang() === 'en' ? 'ja' : 'en',
          'aria-label': t('langToggleLabel'),
          on: {
            click: () => {
              setLang(lang() === 'en' ? 'ja' : 'en');
              void render();
            },
          },
        },
        t('langToggle'),
      ),
      session &&
        h(
          'button',
          {
            type: 'button',
            on: {
              click: () => {
                signOut(config);
                session = undefined;
                void render();
              },
            },
          },
          t('signOut'),
        ),
    ),
  );
}

async function render(flash?: HTMLElement, message?: SignInMessage): Promise<void> {
  cleanup();
  if (flash === undefined) flash = pendingFlash;
  pendingFlash = undefined;
  const id = ++renderId;
  const hash = location.hash.replace(/^#/, '') || '/queue';
  const [path = '', queryString = ''] = hash.split('?');
  if (session && expired(session)) {
    endSession(t('sessionExpired'));
    return;
  }
  if (!session) {
    renderHeader();
    await renderSignIn(
      main,
      config,
      (s) => {
        session = s;
        if (!location.hash || location.hash === '#/signin') location.hash = '#/queue';
        else void render();
      },
      message,
    );
    return;
  }
  const route = routes.find((r) => r.pattern.test(path));
  renderHeader(route?.nav);
  if (!route) {
    replace(main, heading(t('notFoundPage')), h('p', {}, h('a', { href: '#/queue' }, t('navQueue'))));
    return;
  }
  const ctx: ViewContext = {
    session,
    config,
    root: main,
    params: (route.pattern.exec(path) ?? []).slice(1).map(decodeURIComponent),
    query: new URLSearchParams(queryString),
    flash,
    navigate: (next, nextFlash) => {
      if (location.hash === next) void render(nextFlash);
      else {
        pendingFlash = nextFlash;
        location.hash = next;
      }
    },
    onCleanup: (fn) => {
      if (id === renderId) cleanups.push(fn);
      else fn();
    },
    rerender: (nextFlash) => {
      if (id === renderId) void render(nextFlash);
    },
  };
  await route.view(ctx);
  // Move focus to the new page's heading (or the message after an action), except on the first
  // load, so keyboard and screen reader users land on what changed.
  if (id === renderId && focusOnRender) {
    const target = flash ? main.querySelector<HTMLElement>('.flash > *') : main.querySelector('h1');
    target?.setAttribute('tabindex', '-1');
    target?.focus();
  }
  focusOnRender = true;
}

async function start(): Promise<void> {
  document.documentElement.lang = lang();
  try {
    const response = await fetch('/console/config.json');
    if (!response.ok) throw new Error(`GET /console/config.json answered ${response.status}`);
    config = parseConsoleConfig(await response.json());
  } catch (error) {
    replace(main, h('p', { class: 'alert error', role: 'alert' }, String(error)));
    return;
  }
  configureApi({
    token: () => session?.token,
    unauthorized: () => endSession(t('sessionExpired')),
  });
  if (config.auth.kind === 'local') await syncLocalClock().catch(() => {});
  session = loadSession();
  let message: SignInMessage | undefined;
  if (config.auth.kind === 'cognito') {
    try {
      session = (await completeCognitoSignIn(config.auth)) ?? session;
    } catch (error) {
      message = { text: t('signInFailed', { message: (error as Error).message }), error: true };
    }
  }
  window.addEventListener('hashchange', () => void render());
  await render(undefined, message);
}

void start();
