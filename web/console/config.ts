/**
 * `/console/config.json`: how the staff console signs people in. The local stack serves
 * `{ "auth": { "kind": "local" } }`; the CDK app deploys the Cognito variant next to the console.
 * Pure types (no DOM), so infra code can import them.
 */
export interface LocalAuthConfig {
  kind: 'local';
}

export interface CognitoAuthConfig {
  kind: 'cognito';
  /** The user pool's hosted UI, e.g. `https://<prefix>.auth.<region>.amazoncognito.com` (no trailing slash). */
  domain: string;
  /** The staff app client (public client: no secret, authorization code grant with PKCE). */
  clientId: string;
  /** OAuth scopes to ask for, e.g. `["openid", "email", "profile"]`. */
  scopes: string[];
}

export interface ConsoleConfig {
  auth: LocalAuthConfig | CognitoAuthConfig;
}

/** The redirect (callback) and sign-out URL the app client must allow: the console's own address. */
export const consolePath = '/console/';

/** Checks the shape of a fetched config; answers it or throws naming what is wrong. */
export function parseConsoleConfig(value: unknown): ConsoleConfig {
  const auth = (value as { auth?: Record<string, unknown> } | null)?.auth;
  if (auth?.kind === 'local') return { auth: { kind: 'local' } };
  if (auth?.kind === 'cognito') {
    const { domain, clientId, scopes } = auth;
    if (typeof domain !== 'string' || !/^https:\/\/[^/]+$/.test(domain)) {
      throw new Error('config.json: auth.domain must be an https origin without a path');
    }
    if (typeof clientId !== 'string' || clientId === '')
      throw new Error('config.json: auth.clientId is missing');
    if (!Array.isArray(scopes) || !scopes.every((s) => typeof s === 'string')) {
      throw new Error('config.json: auth.scopes must be a list of strings');
    }
    return { auth: { kind: 'cognito', domain, clientId, scopes } };
  }
  throw new Error('config.json: auth.kind must be "local" or "cognito"');
}
