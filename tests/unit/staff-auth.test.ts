import { describe, expect, it } from 'vitest';
import { asHttpApiClaims, LocalJwt } from '../../infra/local/jwt.ts';
import { canAccessTeam, principalFromClaims, Unauthenticated } from '../../shared/auth/principal.ts';

const now = new Date('2026-11-24T01:00:00Z');
const jwt = new LocalJwt(Buffer.alloc(32, 7));
const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');

describe('local staff tokens', () => {
  it('verifies a token it signed and hands over the claims in the HTTP API shape', () => {
    const token = jwt.sign({ memberId: 'sato', groups: ['web', 'orders'] }, now);

    const claims = jwt.verify(token, now);

    expect(claims?.['cognito:username']).toBe('sato');
    expect(asHttpApiClaims(claims!)['cognito:groups']).toBe('[web orders]');
  });

  it('refuses a token signed with another secret', () => {
    const forged = new LocalJwt(Buffer.alloc(32, 8)).sign({ memberId: 'sato', groups: ['admin'] }, now);

    expect(jwt.verify(forged, now)).toBeUndefined();
  });

  it('refuses alg none, even with the claims of a valid token', () => {
    const [, payload] = jwt.sign({ memberId: 'sato', groups: ['web'] }, now).split('.');

    expect(jwt.verify(`${b64({ alg: 'none', typ: 'JWT' })}.${payload}.`, now)).toBeUndefined();
  });

  it('refuses a tampered payload', () => {
    const [header, , signature] = jwt.sign({ memberId: 'sato', groups: ['web'] }, now).split('.');
    const payload = b64({ sub: 'sato', 'cognito:username': 'sato', 'cognito:groups': ['admin'], exp: 9e9 });

    expect(jwt.verify(`${header}.${payload}.${signature}`, now)).toBeUndefined();
  });

  it('refuses an expired token', () => {
    const token = jwt.sign({ memberId: 'sato', groups: ['web'] }, now, 60);

    expect(jwt.verify(token, new Date(now.getTime() + 61_000))).toBeUndefined();
  });
});

describe('the staff principal', () => {
  it('reads member and teams from Cognito claims, flattened or not', () => {
    expect(principalFromClaims({ 'cognito:username': 'sato', 'cognito:groups': '[web orders]' })).toEqual({
      memberId: 'sato',
      teamIds: ['web', 'orders'],
      admin: false,
    });
    expect(principalFromClaims({ sub: 'x', 'cognito:groups': ['admin'] }).admin).toBe(true);
  });

  it('refuses claims without an identity', () => {
    expect(() => principalFromClaims({})).toThrow(Unauthenticated);
    expect(() => principalFromClaims(undefined)).toThrow(Unauthenticated);
  });

  it('lets members reach only their teams, and admins every team', () => {
    const member = { memberId: 'sato', teamIds: ['web'], admin: false };
    const admin = { memberId: 'boss', teamIds: [], admin: true };

    expect(canAccessTeam(member, 'web')).toBe(true);
    expect(canAccessTeam(member, 'orders')).toBe(false);
    expect(canAccessTeam(admin, 'orders')).toBe(true);
  });
});
