/// <reference lib="dom" />
/**
 * Staff sign-in. Locally: pick a member from `GET /__local/staff`, get a token from
 * `GET /__local/token`. In AWS: Cognito's hosted UI, authorization code flow with PKCE, the access
 * token kept in sessionStorage (this tab only; gone when it closes).
 */
import type { CognitoAuthConfig, ConsoleConfig } from './config.ts';
import { consolePath } from './config.ts';
import type { LocalStaffMember } from './types.ts';

export interface Session {
  token: string;
  memberId: string;
  /** Display name (the local roster's; in AWS the member id). */
  name: string;
  teamIds: string[];
  admin: boolean;
  /** Expiry, seconds since the epoch (the token's `exp`). */
  exp: number;
}

const sessionKey = 'closeloop.session';
const pkceKey = 'closeloop.pkce';

function base64UrlDecode(part: string): string {
  const b64 = part
    .replace(/-/g, '+')
    .replace(/_/g, '/')
    .padEnd(Math.ceil(part.length / 4) * 4, '=');
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

const base64UrlEncode = (bytes: Uint8Array): string =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

/**
 * Reads who the token names (the API verifies it; the console only shows it and picks filters).
 * Claims as Cognito issues them: `cognito:username` (ID token) or `username` (access token),
 * `cognito:groups` = team ids plus `admin`.
 */
export function sessionFromToken(token: string, name?: string): Session {
  const claims = JSON.parse(base64UrlDecode(token.split('.')[1] ?? '')) as Record<string, unknown>;
  const memberId = String(claims['cognito:username'] ?? claims.username ?? claims.sub ?? '');
  const groups = Array.isArray(claims['cognito:groups']) ? claims['cognito:groups'].map(String) : [];
  return {
    token,
    memberId,
    name: name ?? memberId,
    teamIds: groups.filter((g) => g !== 'admin'),
    admin: groups.includes('admin'),
    exp: typeof claims.exp === 'number' ? claims.exp : 0,
  };
}

export function loadSession(): Session | undefined {
  try {
    const raw = sessionStorage.getItem(sessionKey);
    return raw ? (JSON.parse(raw) as Session) : undefined;
  } catch {
    return undefined;
  }
}

function saveSession(session: Session): Session {
  sessionStorage.setItem(sessionKey, JSON.stringify(session));
  return session;
}

export function clearSession(): void {
  sessionStorage.removeItem(sessionKey);
}

// --- Local stack ---------------------------------------------------------------------------------

export async function localStaff(): Promise<LocalStaffMember[]> {
  const response = await fetch('/__local/staff');
  if (!response.ok) throw new Error(`GET /__local/staff answered ${response.status}`);
  return (await response.json()) as LocalStaffMember[];
}

export async function signInLocal(member: LocalStaffMember): Promise<Session> {
  const query = member.admin ? 'admin=1' : `staff=${encodeURIComponent(member.memberId)}`;
  const response = await fetch(`/__local/token?${query}`);
  if (!response.ok) throw new Error(`GET /__local/token answered ${response.status}`);
  const { token } = (await response.json()) as { token: string };
  return saveSession(sessionFromToken(token, member.name));
}

// --- Cognito (authorization code + PKCE) -------------------------------------------------------

const redirectUri = () => `${location.origin}${consolePath}`;

function randomString(bytes = 32): string {
  return base64UrlEncode(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** Sends the browser to the hosted UI; it comes back to `/console/?code=…&state=…`. */
export async function startCognitoSignIn(auth: CognitoAuthConfig): Promise<void> {
  const verifier = randomString(48);
  const state = randomString(16);
  const challenge = base64UrlEncode(
    new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))),
  );
  sessionStorage.setItem(pkceKey, JSON.stringify({ verifier, state, hash: location.hash }));
  const params = new URLSearchParams({
    response_type: 'code',
    client_id: auth.clientId,
    redirect_uri: redirectUri(),
    scope: auth.scopes.join(' '),
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  location.assign(`${auth.domain}/oauth2/authorize?${params}`);
}

/**
 * On the way back from the hosted UI: checks `state`, exchanges the code (with the PKCE verifier)
 * for tokens and keeps the access token. Answers undefined when this is not such a return.
 */
export async function completeCognitoSignIn(auth: CognitoAuthConfig): Promise<Session | undefined> {
  const params = new URLSearchParams(location.search);
  const code = params.get('code');
  const error = params.get('error');
  if (!code && !error) return undefined;
  const saved = JSON.parse(sessionStorage.getItem(pkceKey) ?? 'null') as {
    verifier: string;
    state: string;
    hash: string;
  } | null;
  sessionStorage.removeItem(pkceKey);
  history.replaceState(null, '', `${consolePath}${saved?.hash || '#/queue'}`);
  if (error) throw new Error(params.get('error_description') ?? error);
  if (!saved || params.get('state') !== saved.state)
    throw new Error('the sign-in answer did not match (state)');
  const response = await fetch(`${auth.domain}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: auth.clientId,
      code: code ?? '',
      redirect_uri: redirectUri(),
      code_verifier: saved.verifier,
    }),
  });
  if (!response.ok) throw new Error(`the token exchange answered ${response.status}`);
  const tokens = (await response.json()) as { access_token: string };
  return saveSession(sessionFromToken(tokens.access_token));
}

/** Forgets the token; in AWS also ends the hosted UI's session. */
export function signOut(config: ConsoleConfig): void {
  clearSession();
  if (config.auth.kind === 'cognito') {
    const params = new URLSearchParams({ client_id: config.auth.clientId, logout_uri: redirectUri() });
    location.assign(`${config.auth.domain}/logout?${params}`);
  }
}
