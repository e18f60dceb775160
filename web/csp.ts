/**
 * The console's Content-Security-Policy: only our own scripts, styles and API; no inline code, no
 * framing. `connect` adds origins the console may call besides its own (in AWS: the Cognito hosted
 * UI's token endpoint). The local stack sends `consoleCsp`; CloudFront's response headers policy
 * sends the same policy with the hosted UI added.
 */
export function consoleCspWith(
  connect: readonly string[],
  more: { script?: readonly string[]; frame?: readonly string[] } = {},
): string {
  return [
    "default-src 'none'",
    ["script-src 'self'", ...(more.script ?? [])].join(' '),
    ...(more.frame?.length ? [`frame-src ${more.frame.join(' ')}`] : []),
    "style-src 'self'",
    "img-src 'self' data:",
    ["connect-src 'self'", ...connect].join(' '),
    "font-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export const consoleCsp = consoleCspWith([]);

/** Where Cloudflare Turnstile's script and challenge frame come from (a page with the bot check allows both). */
export const turnstileOrigin = 'https://challenges.cloudflare.com';

/** The demo shop's policy: the console's, plus Turnstile when the site has the bot check. */
export const demoCsp = (botCheck: boolean): string =>
  botCheck ? consoleCspWith([], { script: [turnstileOrigin], frame: [turnstileOrigin] }) : consoleCsp;

/** Headers every static asset carries. */
export const staticSecurityHeaders = {
  'content-security-policy': consoleCsp,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=63072000; includeSubDomains',
} as const;
