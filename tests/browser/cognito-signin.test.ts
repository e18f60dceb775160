import { createHash } from 'node:crypto';
import type { Browser, BrowserContext, Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.ts';
import { caseIdFor } from '../../shared/domain/case.ts';
import type { ConsoleConfig } from '../../web/console/config.ts';
import { consoleCspWith } from '../../web/csp.ts';
import { launchChromium } from '../support/browser.ts';
import { eventually, postFeedback, startTestStack } from '../support/local-stack.ts';

/**
 * The console's Cognito sign-in (authorization code + PKCE against the hosted UI) in Chromium. The
 * console, its API and its assets are the real local stack's; only what AWS adds is faked, through
 * Playwright's request routing: `/console/config.json` names a hosted UI, the console's document
 * carries the CSP CloudFront sends (the hosted UI's origin in `connect-src`), and the hosted UI's
 * `/oauth2/authorize`, `/oauth2/token` and `/logout` answer as Cognito does. The token the fake
 * token endpoint hands out is one the local stack's authorizer accepts, so the queue really loads.
 */
const hostedUi = 'https://auth.closeloop.test';
const clientId = 'console-client';
const scopes = ['openid', 'email', 'profile'];
const cognitoConfig: ConsoleConfig = { auth: { kind: 'cognito', domain: hostedUi, clientId, scopes } };
const awsCsp = consoleCspWith([hostedUi]);
const member = { memberId: 'tanaka', groups: ['orders'] };

let stack: LocalStack;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let consoleUrl: string;
let caseId: string;

/** What the fake hosted UI saw, in order. */
const authorizeCalls: URLSearchParams[] = [];
const tokenCalls: { body: URLSearchParams; origin: string | undefined }[] = [];
const logoutCalls: URLSearchParams[] = [];
/** Authorization codes handed out, with the PKCE challenge each was issued for. */
const issuedCodes = new Map<string, { challenge: string; redirectUri: string }>();
/** Set by a test: the hosted UI's answer comes back with a `state` the console did not send. */
let tamperState = false;
let accessToken: string;

const cspViolations: string[] = [];
const pageErrors: string[] = [];
/** The `Authorization` header of every staff API call the console made. */
const apiAuthorizations: string[] = [];
/** The Content-Security-Policy of every console document the page loaded. */
const documentPolicies: string[] = [];

const s256 = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');

/**
 * Sends the browser from the hosted UI back to the console. Cognito answers a 302 here, but
 * Playwright does not route the request a fulfilled redirect leads to: the console's document
 * would come straight from the local stack with the local policy (`connect-src 'self'`, which
 * refuses the token exchange). So the fake hosted UI answers a page that navigates at once
 * (`<meta http-equiv="refresh">`); that navigation is a request of its own, routed like any other,
 * and reaches the console with the same URL a 302 would.
 */
async function sendBack(route: Route, to: URL): Promise<void> {
  const href = to.toString().replace(/&/g, '&amp;').replace(/"/g, '&quot;');
  await route.fulfill({
    status: 200,
    contentType: 'text/html; charset=utf-8',
    body: `<!doctype html><meta http-equiv="refresh" content="0; url=${href}"><title>Signing in</title>`,
  });
}

/** Cognito's `/oauth2/authorize`: the user signs in (instantly) and comes back with a code. */
async function authorize(route: Route, url: URL): Promise<void> {
  const params = url.searchParams;
  authorizeCalls.push(params);
  const redirectUri = params.get('redirect_uri') ?? '';
  const code = `code-${authorizeCalls.length}`;
  issuedCodes.set(code, { challenge: params.get('code_challenge') ?? '', redirectUri });
  const back = new URL(redirectUri);
  back.searchParams.set('code', code);
  back.searchParams.set('state', tamperState ? `${params.get('state')}x` : (params.get('state') ?? ''));
  await sendBack(route, back);
}

/** Cognito's `/oauth2/token`: checks the code, the redirect URI and the PKCE verifier, as Cognito does. */
async function token(route: Route): Promise<void> {
  const request = route.request();
  const headers = await request.allHeaders();
  const body = new URLSearchParams(request.postData() ?? '');
  tokenCalls.push({ body, origin: headers.origin });
  // What Cognito's token endpoint sends a browser. (Playwright lets a fulfilled cross-origin answer
  // through without it too, so this run cannot prove the header is needed; CSP it does enforce.)
  const cors = { 'access-control-allow-origin': headers.origin ?? '*', vary: 'Origin' };
  const issued = issuedCodes.get(body.get('code') ?? '');
  issuedCodes.delete(body.get('code') ?? '');
  const valid =
    request.method() === 'POST' &&
    body.get('grant_type') === 'authorization_code' &&
    body.get('client_id') === clientId &&
    issued !== undefined &&
    body.get('redirect_uri') === issued.redirectUri &&
    s256(body.get('code_verifier') ?? '') === issued.challenge;
  if (!valid) {
    await route.fulfill({ status: 400, headers: cors, json: { error: 'invalid_grant' } });
    return;
  }
  accessToken = stack.jwt.sign(member, stack.clock.now());
  await route.fulfill({
    status: 200,
    headers: { ...cors, 'cache-control': 'no-store', pragma: 'no-cache' },
    json: { access_token: accessToken, id_token: accessToken, token_type: 'Bearer', expires_in: 3600 },
  });
}

/** Cognito's `/logout`: ends its session and sends the browser back to `logout_uri`. */
async function logout(route: Route, url: URL): Promise<void> {
  logoutCalls.push(url.searchParams);
  await sendBack(route, new URL(url.searchParams.get('logout_uri') ?? ''));
}

beforeAll(async () => {
  [stack, browser] = await Promise.all([startTestStack({ schedule: false }), launchChromium()]);
  consoleUrl = `${stack.url}/console/`;
  // One case for the orders team, through the public API and triage as a customer would open it.
  const response = await postFeedback(
    stack,
    {
      siteId: 'shop-jp',
      channel: 'web',
      touchpoint: 'checkout_abandonment',
      rating: { type: 'nps', score: 2 },
      comment: 'The card was declined twice.',
      reasons: ['payment_method_unavailable'],
    },
    { 'idempotency-key': 'cognito-signin-1' },
  );
  expect(response.status).toBe(202);
  caseId = caseIdFor(((await response.json()) as { feedbackId: string }).feedbackId);
  const admin = stack.jwt.sign({ memberId: 'admin', groups: ['admin'] }, stack.clock.now());
  await eventually(async () => {
    const found = await fetch(`${stack.url}/v1/cases/${caseId}`, {
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(found.status).toBe(200);
  }, 30_000);

  context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
  await context.addInitScript({
    content: `document.addEventListener('securitypolicyviolation', (e) =>
      console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));`,
  });
  const origin = new URL(stack.url).origin;
  await context.route(`${consoleUrl}config.json`, (route) => route.fulfill({ json: cognitoConfig }));
  // The console's document as CloudFront serves it: the stack's body, the AWS policy.
  await context.route(
    (url) => url.origin === origin && url.pathname === '/console/',
    async (route) => {
      const original = await route.fetch();
      await route.fulfill({
        response: original,
        headers: { ...original.headers(), 'content-security-policy': awsCsp },
      });
    },
  );
  await context.route(`${hostedUi}/**`, async (route) => {
    const url = new URL(route.request().url());
    if (url.pathname === '/oauth2/authorize') await authorize(route, url);
    else if (url.pathname === '/oauth2/token') await token(route);
    else if (url.pathname === '/logout') await logout(route, url);
    else await route.fulfill({ status: 404 });
  });
  page = await context.newPage();
  page.on('console', (message) => {
    if (/Content Security Policy|CSP violation/i.test(message.text())) cspViolations.push(message.text());
  });
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('response', (response) => {
    const request = response.request();
    if (request.isNavigationRequest() && new URL(response.url()).pathname === '/console/') {
      documentPolicies.push(response.headers()['content-security-policy'] ?? '');
    }
  });
  page.on('request', (request) => {
    if (new URL(request.url()).pathname.startsWith('/v1/')) {
      apiAuthorizations.push(request.headers().authorization ?? '');
    }
  });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

const poll = <T>(read: () => Promise<T>) => expect.poll(read, { timeout: 15_000, interval: 100 });
const storedSession = () => page.evaluate(() => sessionStorage.getItem('closeloop.session'));
const storedPkce = () => page.evaluate(() => sessionStorage.getItem('closeloop.pkce'));
const signInButton = () => page.getByRole('button', { name: 'Sign in', exact: true });

describe('console sign-in through the Cognito hosted UI (faked by request routing)', () => {
  it('refuses an answer whose state does not match: no token request, an error, still signed out', async () => {
    const served = await page.goto(`${consoleUrl}#/queue`);
    expect(served?.headers()['content-security-policy']).toBe(awsCsp);
    tamperState = true;
    await signInButton().click();

    // An error, announced as one (role=alert), not the informational note of an expired session.
    await poll(async () => page.locator('.signin').getByRole('alert').count()).toBe(1);
    expect(await page.locator('.signin').getByRole('alert').innerText()).toBe(
      'Sign-in failed: the sign-in answer did not match (state)',
    );
    expect(authorizeCalls).toHaveLength(1);
    expect(tokenCalls).toEqual([]);
    expect(await page.getByTestId('member').count()).toBe(0);
    expect(await storedSession()).toBeNull();
    expect(await storedPkce()).toBeNull();
    // The code and state are gone from the address bar.
    expect(page.url()).toBe(`${consoleUrl}#/queue`);
    expect(await signInButton().isVisible()).toBe(true);
  });

  it('signs in with the authorization code and PKCE, then loads the queue with the access token', async () => {
    tamperState = false;
    await signInButton().click();
    await page.getByTestId('member').waitFor();

    // The authorize request: code flow, this client, back to the console, S256 challenge, a state.
    expect(authorizeCalls).toHaveLength(2);
    const params = authorizeCalls[1]!;
    expect(params.get('response_type')).toBe('code');
    expect(params.get('client_id')).toBe(clientId);
    expect(params.get('redirect_uri')).toBe(consoleUrl);
    expect(params.get('scope')?.split(' ')).toEqual(scopes);
    expect(params.get('code_challenge_method')).toBe('S256');
    expect(params.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(params.get('state')).toMatch(/^[A-Za-z0-9_-]{16,}$/);
    // A fresh challenge and state per attempt.
    expect(params.get('code_challenge')).not.toBe(authorizeCalls[0]!.get('code_challenge'));
    expect(params.get('state')).not.toBe(authorizeCalls[0]!.get('state'));

    // The token request: the code it got, the same redirect URI, the verifier behind the challenge.
    expect(tokenCalls).toHaveLength(1);
    const { body, origin } = tokenCalls[0]!;
    expect(Object.fromEntries(body)).toEqual({
      grant_type: 'authorization_code',
      client_id: clientId,
      code: 'code-2',
      redirect_uri: consoleUrl,
      code_verifier: expect.stringMatching(/^[A-Za-z0-9_-]{43,128}$/),
    });
    expect(s256(body.get('code_verifier')!)).toBe(params.get('code_challenge'));
    expect(origin).toBe(new URL(stack.url).origin);

    // Signed in as the token's member; the queue came from the staff API with that token.
    expect(await page.getByTestId('member').innerText()).toBe('Signed in as tanaka');
    await poll(() => page.locator(`table.queue tbody tr[data-case="${caseId}"]`).count()).toBe(1);
    expect(apiAuthorizations.length).toBeGreaterThan(0);
    expect(new Set(apiAuthorizations)).toEqual(new Set([`Bearer ${accessToken}`]));
    expect(page.url()).toBe(`${consoleUrl}#/queue`);
    expect(JSON.parse((await storedSession()) ?? '{}')).toMatchObject({
      token: accessToken,
      memberId: 'tanaka',
      teamIds: ['orders'],
      admin: false,
    });
    expect(await storedPkce()).toBeNull();

    // A reload keeps the session (sessionStorage) and asks the hosted UI nothing.
    await page.reload();
    await poll(() => page.locator(`table.queue tbody tr[data-case="${caseId}"]`).count()).toBe(1);
    expect(authorizeCalls).toHaveLength(2);
    expect(tokenCalls).toHaveLength(1);
  });

  it('signs out: forgets the token and ends the hosted UI session, which sends the browser back', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();

    await poll(async () => logoutCalls.length).toBe(1);
    expect(Object.fromEntries(logoutCalls[0]!)).toEqual({ client_id: clientId, logout_uri: consoleUrl });
    await poll(async () => page.url()).toBe(consoleUrl);
    await signInButton().waitFor();
    expect(await page.getByTestId('member').count()).toBe(0);
    expect(await storedSession()).toBeNull();
    // Back on the console, nothing signs in again by itself.
    expect(tokenCalls).toHaveLength(1);
  });

  it('ran every console document under the AWS policy and saw no violation and no script error', async () => {
    // The first load, the three returns from the hosted UI and the reload.
    expect(documentPolicies).toHaveLength(5);
    expect(new Set(documentPolicies)).toEqual(new Set([awsCsp]));
    expect(cspViolations).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
