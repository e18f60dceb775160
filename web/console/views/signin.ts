/// <reference lib="dom" />
/** Sign-in: the local roster (local stack) or the Cognito hosted UI (AWS). */
import { localStaff, type Session, signInLocal, startCognitoSignIn } from '../auth.ts';
import type { ConsoleConfig } from '../config.ts';
import { h, replace } from '../dom.ts';
import { t } from '../i18n.ts';
import { heading } from '../ui.ts';

/** What the sign-in screen says on arrival. */
export interface SignInMessage {
  text: string;
  error: boolean;
}

export async function renderSignIn(
  root: HTMLElement,
  config: ConsoleConfig,
  signedIn: (session: Session) => void,
  message?: SignInMessage,
): Promise<void> {
  const status = h('div', { 'aria-live': 'polite' }, message && note(message));
  const card = (intro: string, body: HTMLElement) =>
    h('section', { class: 'card signin' }, heading(t('signInTitle')), status, h('p', {}, intro), body);
  const auth = config.auth;
  if (auth.kind === 'cognito') {
    replace(
      root,
      card(
        t('signInCognitoIntro'),
        h(
          'button',
          { type: 'button', class: 'primary', on: { click: () => void startCognitoSignIn(auth) } },
          t('signInCognito'),
        ),
      ),
    );
    return;
  }
  replace(root, h('p', {}, t('loading')));
  const staff = await localStaff();
  const fail = (error: unknown) =>
    replace(status, note({ text: t('signInFailed', { message: String(error) }), error: true }));
  replace(
    root,
    card(
      t('signInLocalIntro'),
      h(
        'ul',
        { class: 'roster' },
        staff.map((member) =>
          h(
            'li',
            {},
            h(
              'button',
              {
                type: 'button',
                'data-member': member.memberId,
                on: { click: () => signInLocal(member).then(signedIn, fail) },
              },
              h('span', { class: 'name' }, member.admin ? t('signInAdmin') : member.name),
              h(
                'span',
                { class: 'meta' },
                member.admin ? member.memberId : `${member.memberId} · ${member.teamIds.join(', ')}`,
              ),
            ),
          ),
        ),
      ),
    ),
  );
}

/** A failed sign-in is an error (announced at once); "session expired" is information. */
function note(message: SignInMessage): HTMLElement {
  return h(
    'p',
    message.error ? { class: 'alert error', role: 'alert' } : { class: 'alert info' },
    message.text,
  );
}
