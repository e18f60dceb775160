import type { BotCheck } from '../domain/ports.ts';
import type { SecretSource } from './secrets.ts';

/** Cloudflare's documented endpoint; tests and the local stack point at a peer speaking its protocol. */
export const turnstileVerifyUrl = 'https://challenges.cloudflare.com/turnstile/v0/siteverify';

/** Turnstile tokens are at most 2048 characters; longer ones are refused without a call. */
const maxTokenLength = 2048;
const timeoutMs = 5_000;

interface SiteverifyAnswer {
  success?: unknown;
  'error-codes'?: unknown;
}

/**
 * The bot check as Cloudflare Turnstile's server-side validation: POST `secret`, `response` (the
 * widget's token) and `remoteip` to siteverify and trust its `success`. Each site has its own
 * secret (read through `secretOf`, cached like every secret). A non-2xx answer or no answer within
 * 5 s throws: the request fails as unavailable rather than passing unchecked.
 */
export function turnstileBotCheck(opts: {
  secretOf: (siteId: string) => SecretSource;
  verifyUrl?: string;
  fetch?: typeof fetch;
}): BotCheck {
  const post = opts.fetch ?? fetch;
  const url = opts.verifyUrl ?? turnstileVerifyUrl;
  return async ({ siteId, token, remoteIp }) => {
    if (token.length === 0 || token.length > maxTokenLength) {
      return { passed: false, reason: `X-Bot-Token must be 1–${maxTokenLength} characters` };
    }
    const form = new URLSearchParams({ secret: await opts.secretOf(siteId)(), response: token });
    if (remoteIp) form.set('remoteip', remoteIp);
    const response = await post(url, {
      method: 'POST',
      body: form,
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!response.ok) throw new Error(`turnstile siteverify answered HTTP ${response.status}`);
    const answer = (await response.json()) as SiteverifyAnswer;
    if (answer.success === true) return { passed: true };
    const codes = Array.isArray(answer['error-codes']) ? answer['error-codes'].map(String) : [];
    return { passed: false, reason: `the bot check failed (${codes.join(', ') || 'no reason given'})` };
  };
}
