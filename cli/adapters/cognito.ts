/**
 * The staff user pool (infra/staff-auth.ts: usernames are member ids, groups are team ids plus
 * `admin`) through the Cognito Identity Provider JSON API, signed with the default credential
 * chain of the SDK clients the project already has.
 */
import type { Clock } from '../../shared/clock.ts';
import { CliError } from '../errors.ts';
import { type Credentials, signRequest } from './sigv4.ts';

/** What `staff invite|remove` needs of the user pool. */
export interface StaffDirectory {
  /** The id of the pool with this name, if there is one. */
  poolIdByName(name: string): Promise<string | undefined>;
  /** Creates the user; Cognito emails a temporary password. `exists` when the username is taken. */
  createUser(poolId: string, user: { username: string; email: string }): Promise<'created' | 'exists'>;
  addToGroup(poolId: string, username: string, group: string): Promise<void>;
  deleteUser(poolId: string, username: string): Promise<'deleted' | 'missing'>;
}

export interface CognitoOptions {
  region: () => Promise<string>;
  credentials: () => Promise<Credentials>;
  clock: Clock;
  /** Defaults to the regional endpoint; `AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER` overrides, as for the SDK. */
  endpoint?: string;
  fetch?: typeof fetch;
}

export class CognitoError extends CliError {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(`Cognito ${code}: ${message}`);
  }
}

export function cognitoDirectory(opts: CognitoOptions): StaffDirectory {
  const send = opts.fetch ?? fetch;
  async function call<T>(action: string, input: Record<string, unknown>): Promise<T> {
    const region = await opts.region();
    const url =
      opts.endpoint ??
      process.env.AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER ??
      `https://cognito-idp.${region}.amazonaws.com/`;
    const body = JSON.stringify(input);
    const headers = signRequest({
      method: 'POST',
      url,
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': `AWSCognitoIdentityProviderService.${action}`,
      },
      body,
      region,
      service: 'cognito-idp',
      credentials: await opts.credentials(),
      at: opts.clock.now(),
    });
    const { host: _host, ...sent } = headers;
    const response = await send(url, { method: 'POST', headers: sent, body });
    const text = await response.text();
    const json = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
    if (!response.ok) {
      const code = String(json.__type ?? json.code ?? response.status).replace(/^.*#/, '');
      throw new CognitoError(code, String(json.message ?? json.Message ?? text));
    }
    return json as T;
  }

  return {
    async poolIdByName(name) {
      let next: string | undefined;
      do {
        const page = await call<{ UserPools?: { Id?: string; Name?: string }[]; NextToken?: string }>(
          'ListUserPools',
          { MaxResults: 60, ...(next ? { NextToken: next } : {}) },
        );
        const pool = page.UserPools?.find((p) => p.Name === name);
        if (pool?.Id) return pool.Id;
        next = page.NextToken;
      } while (next);
      return undefined;
    },

    async createUser(poolId, user) {
      try {
        await call('AdminCreateUser', {
          UserPoolId: poolId,
          Username: user.username,
          UserAttributes: [
            { Name: 'email', Value: user.email },
            { Name: 'email_verified', Value: 'true' },
          ],
          DesiredDeliveryMediums: ['EMAIL'],
        });
        return 'created';
      } catch (error) {
        if (error instanceof CognitoError && error.code === 'UsernameExistsException') return 'exists';
        throw error;
      }
    },

    async addToGroup(poolId, username, group) {
      await call('AdminAddUserToGroup', { UserPoolId: poolId, Username: username, GroupName: group });
    },

    async deleteUser(poolId, username) {
      try {
        await call('AdminDeleteUser', { UserPoolId: poolId, Username: username });
        return 'deleted';
      } catch (error) {
        if (error instanceof CognitoError && error.code === 'UserNotFoundException') return 'missing';
        throw error;
      }
    },
  };
}
