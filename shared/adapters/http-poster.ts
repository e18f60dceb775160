/** POSTs with `fetch` (shared/domain/webhook-ports.ts): no redirects followed, a hard timeout. */
import type { HttpPoster } from '../domain/webhook-ports.ts';

export function fetchPoster(doFetch: typeof fetch = fetch): HttpPoster {
  return {
    async post(url, body, headers, timeoutMs) {
      try {
        const response = await doFetch(url, {
          method: 'POST',
          body,
          headers,
          // A redirect is an answer, not a new destination: the signed body goes only where configured.
          redirect: 'manual',
          signal: AbortSignal.timeout(timeoutMs),
        });
        // The receiver's body is not read (only its status counts); release the connection.
        await response.body?.cancel().catch(() => {});
        return { status: response.status };
      } catch (error) {
        const e = error as Error;
        return { error: e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : e.message };
      }
    },
  };
}
