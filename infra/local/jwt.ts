import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The local stack's stand-in for Cognito + the HTTP API JWT authorizer: HS256 tokens signed with a
 * secret made at start. Verification refuses what API Gateway refuses: a bad signature, any other
 * `alg` (including `none`), a wrong issuer or audience, and expired or not-yet-valid tokens.
 */
export interface LocalJwtClaims {
  sub: string;
  'cognito:username': string;
  'cognito:groups': string[];
  iss: string;
  aud: string;
  iat: number;
  exp: number;
  [claim: string]: unknown;
}

export const localIssuer = 'closeloop-local';
export const localAudience = 'closeloop-staff';

const b64 = (data: Buffer | string) => Buffer.from(data).toString('base64url');

export class LocalJwt {
  constructor(readonly secret: Buffer = randomBytes(32)) {}

  sign(subject: { memberId: string; groups: string[] }, now: Date, ttlSeconds = 3600): string {
    const iat = Math.floor(now.getTime() / 1000);
    const claims: LocalJwtClaims = {
      sub: subject.memberId,
      'cognito:username': subject.memberId,
      'cognito:groups': subject.groups,
      iss: localIssuer,
      aud: localAudience,
      iat,
      exp: iat + ttlSeconds,
    };
    const unsigned = `${b64(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64(JSON.stringify(claims))}`;
    return `${unsigned}.${this.#mac(unsigned)}`;
  }

  /** The claims of a valid token, or undefined (API Gateway answers 401 then). */
  verify(token: string, now: Date): LocalJwtClaims | undefined {
    const parts = token.split('.');
    if (parts.length !== 3) return undefined;
    const [header, payload, signature] = parts as [string, string, string];
    const expected = Buffer.from(this.#mac(`${header}.${payload}`));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
    try {
      const { alg } = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { alg?: string };
      if (alg !== 'HS256') return undefined;
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as LocalJwtClaims;
      const at = now.getTime() / 1000;
      if (claims.iss !== localIssuer || claims.aud !== localAudience) return undefined;
      if (typeof claims.exp !== 'number' || at >= claims.exp) return undefined;
      if (typeof claims.iat === 'number' && at + 60 < claims.iat) return undefined;
      return claims;
    } catch {
      return undefined;
    }
  }

  #mac(data: string): string {
    return createHmac('sha256', this.secret).update(data).digest('base64url');
  }
}

/** The claim shape HTTP API gives Lambda: arrays flattened to `[a b]`, numbers as strings. */
export function asHttpApiClaims(claims: LocalJwtClaims): Record<string, string> {
  return Object.fromEntries(
    Object.entries(claims).map(([k, v]) => [k, Array.isArray(v) ? `[${v.join(' ')}]` : String(v)]),
  );
}
