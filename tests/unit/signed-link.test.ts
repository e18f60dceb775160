import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  type LinkPayload,
  linkExpiry,
  signLink,
  unsubscribeCaseOf,
  verifyLink,
} from '../../shared/domain/signed-link.ts';

const secret = 'a-secret-of-at-least-thirty-two-characters!';
const other = 'another-secret-of-at-least-thirty-two-chars';
const now = new Date('2026-11-20T00:00:00Z');
const payload: LinkPayload = {
  jti: '0123456789abcdef0123456789abcdef',
  act: 'acknowledge',
  caseId: 'case_abc123',
  memberId: 'tanaka',
  locale: 'ja',
  exp: linkExpiry('acknowledge', now),
};

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('signed links', () => {
  it('verify when signed with the same secret and not expired', () => {
    const token = signLink(payload, secret);

    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(verifyLink(token, secret, now)).toEqual({ status: 'ok', payload });
  });

  it('are refused when the signature is forged', () => {
    const [body] = signLink(payload, secret).split('.');
    const forged = `${body}.${Buffer.alloc(32, 7).toString('base64url')}`;

    expect(verifyLink(forged, secret, now)).toEqual({ status: 'invalid', reason: 'signature' });
  });

  it('are refused when the payload was changed after signing', () => {
    const [, signature] = signLink(payload, secret).split('.');
    const tampered = `${b64({ j: payload.jti, a: 'claim', c: payload.caseId, m: 'attacker', x: payload.exp })}.${signature}`;

    expect(verifyLink(tampered, secret, now)).toEqual({ status: 'invalid', reason: 'signature' });
  });

  it('are refused when signed with another secret', () => {
    expect(verifyLink(signLink(payload, other), secret, now)).toEqual({
      status: 'invalid',
      reason: 'signature',
    });
  });

  it('are reported expired (with what they were for) from their expiry on', () => {
    const token = signLink(payload, secret);
    const atExpiry = new Date(payload.exp * 1000);

    expect(verifyLink(token, secret, new Date(atExpiry.getTime() - 1)).status).toBe('ok');
    expect(verifyLink(token, secret, atExpiry)).toEqual({ status: 'expired', payload });
  });

  it('are refused when malformed, truncated or oversized', () => {
    const token = signLink(payload, secret);
    for (const bad of [
      '',
      'abc',
      token.replace('.', ''),
      `${token}.x`,
      token.slice(0, -2),
      `${'a'.repeat(3000)}.b`,
    ]) {
      expect(verifyLink(bad, secret, now).status, bad.slice(0, 20)).toBe('invalid');
    }
  });

  it('refuse a correctly signed payload of the wrong shape', () => {
    // Signed with our secret, yet not something signLink would make (unknown action).
    const body = b64({ j: payload.jti, a: 'delete_everything', x: payload.exp });
    const sig = createHmac('sha256', secret).update('closeloop.link.v1.').update(body).digest('base64url');

    expect(verifyLink(`${body}.${sig}`, secret, now)).toEqual({ status: 'invalid', reason: 'payload' });
  });

  it('verify against any of several secrets while one is rotated out', () => {
    const token = signLink(payload, other);

    expect(verifyLink(token, [secret, other], now).status).toBe('ok');
  });

  it('refuse a secret too short to be one', () => {
    expect(() => signLink(payload, 'short')).toThrow(/at least 32/);
    expect(() => verifyLink('a.b', 'short', now)).toThrow(/at least 32/);
  });
});

describe('the key an unsubscribe link names', () => {
  const caseKey = 'case-key-0123456789abcdefghijklmnopqrstu';
  const unsubscribe = {
    jti: 'jti-0000001',
    act: 'unsubscribe' as const,
    exp: linkExpiry('unsubscribe', now),
  };

  it("is its case's, for a link that names the case and no address", () => {
    expect(unsubscribeCaseOf(signLink({ ...unsubscribe, caseId: 'case_1' }, caseKey))).toBe('case_1');
  });

  it('is the link secret for one that names the address (made before) and for every other action', () => {
    const legacy = signLink({ ...unsubscribe, caseId: 'case_1', email: 'a@example.jp' }, secret);
    const open = signLink({ ...payload, act: 'open' }, secret);

    expect([legacy, open, 'not.a-token!', 'e30.x'].map(unsubscribeCaseOf)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });
});
