import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local HTTP peer speaking Cloudflare Turnstile's siteverify as documented: a form (or JSON)
 * POST of `secret`, `response`, `remoteip`; a JSON answer `{ success, "error-codes": [...] }`.
 * It passes the tokens in `passing` for `secret` and records every request it got.
 */
export async function startSiteverifyPeer(opts: { secret: string; passing: readonly string[] }) {
  const requests: Record<string, string>[] = [];
  let unavailable = false;
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => {
      raw += chunk;
    });
    req.on('end', () => {
      if (unavailable) {
        res.writeHead(502).end();
        return;
      }
      const form = req.headers['content-type']?.includes('json')
        ? (JSON.parse(raw) as Record<string, string>)
        : Object.fromEntries(new URLSearchParams(raw));
      requests.push(form);
      const codes =
        form.secret !== opts.secret
          ? ['invalid-input-secret']
          : !form.response
            ? ['missing-input-response']
            : opts.passing.includes(form.response)
              ? []
              : ['invalid-input-response'];
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ success: codes.length === 0, 'error-codes': codes }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/turnstile/v0/siteverify`,
    requests,
    /** From now on answers 502 (Cloudflare unreachable). */
    fail: () => {
      unavailable = true;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
