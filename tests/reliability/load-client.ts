/**
 * The load generator of tests/reliability/load.test.ts, run in its own process (so the client
 * does not share the servers' event loop): autocannon POSTs one body to a URL for a fixed time,
 * each request with its own Idempotency-Key, and prints autocannon's result as one JSON line.
 * Usage: node --import tsx tests/reliability/load-client.ts '<options json>'
 */
import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';

interface LoadOptions {
  url: string;
  seconds: number;
  connections: number;
  headers: Record<string, string>;
  body: string;
}

const opts = JSON.parse(process.argv[2] ?? '{}') as LoadOptions;
const result = await autocannon({
  url: opts.url,
  method: 'POST',
  duration: opts.seconds,
  connections: opts.connections,
  headers: opts.headers,
  body: opts.body,
  requests: [
    {
      method: 'POST',
      setupRequest: (request) => ({
        ...request,
        headers: { ...request.headers, 'idempotency-key': randomUUID() },
      }),
    },
  ],
});
process.stdout.write(
  `${JSON.stringify({
    requests: result.requests.total,
    reqPerSec: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    status2xx: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    duration: result.duration,
  })}\n`,
);
