import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { turnstileBotCheck } from '../../shared/adapters/turnstile.ts';
import { startSiteverifyPeer } from '../support/siteverify-peer.ts';

const secret = 'ts-secret-shop-jp';
let peer: Awaited<ReturnType<typeof startSiteverifyPeer>>;

beforeAll(async () => {
  peer = await startSiteverifyPeer({ secret, passing: ['token-from-a-human'] });
});
afterAll(() => peer.stop());

const checkWith = (siteSecret: string, url = peer.url) =>
  turnstileBotCheck({ secretOf: () => async () => siteSecret, verifyUrl: url });

describe('the Turnstile bot check against a siteverify peer', () => {
  it('passes a token siteverify accepts, sending the site secret, the token and the client address', async () => {
    const verdict = await checkWith(secret)({
      siteId: 'shop-jp',
      token: 'token-from-a-human',
      remoteIp: '198.51.100.4',
    });

    expect(verdict).toEqual({ passed: true });
    expect(peer.requests.at(-1)).toEqual({
      secret,
      response: 'token-from-a-human',
      remoteip: '198.51.100.4',
    });
  });

  it('fails a token siteverify refuses, naming its error codes', async () => {
    const verdict = await checkWith(secret)({ siteId: 'shop-jp', token: 'forged' });

    expect(verdict).toEqual({ passed: false, reason: 'the bot check failed (invalid-input-response)' });
  });

  it('fails every token when the site secret is wrong', async () => {
    const verdict = await checkWith('old-secret')({ siteId: 'shop-jp', token: 'token-from-a-human' });

    expect(verdict.passed).toBe(false);
  });

  it('refuses an over-long token without asking siteverify', async () => {
    const before = peer.requests.length;

    const verdict = await checkWith(secret)({ siteId: 'shop-jp', token: 'x'.repeat(2049) });

    expect(verdict.passed).toBe(false);
    expect(peer.requests).toHaveLength(before);
  });

  it('throws (the request answers 503) when siteverify cannot be reached', async () => {
    await expect(
      checkWith(secret, 'http://127.0.0.1:9/turnstile/v0/siteverify')({ siteId: 'shop-jp', token: 't' }),
    ).rejects.toThrow();
  });
});
