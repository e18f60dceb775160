/**
 * The console's Content-Security-Policy: only our own scripts, styles and API; no inline code, no
 * framing. `connect` adds origins the console may call besides its own (in AWS: the Cognito hosted
 * UI's token endpoint). The local stack sends `consoleCsp`; CloudFront's response headers policy
 * sends the same policy with the hosted UI added.
 */
export function consoleCspWith(connect: readonly string[]): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
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

/** Headers every static asset carries. */
export const staticSecurityHeaders = {
  'content-security-policy': consoleCsp,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=63072000; includeSubDomains',
} as const;
