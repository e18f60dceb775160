import { ConfigError, loadConfigFile, resolveConfigPath } from '../../shared/config/load.ts';
import { intakeLimitsOn } from './intake-limits.ts';
import { startLocalStack } from './stack.ts';

const isLoopback = (host: string) => ['127.0.0.1', '::1', 'localhost'].includes(host);

/** `npm start`: the whole loop on this machine, no AWS account, no Docker. */
// Lambda runs Node 22; on an older local Node the SDK's upgrade notice is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// No CloudWatch here to read EMF metric lines: they would only flood the terminal.
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
async function main() {
  const configPath = resolveConfigPath();
  let config: ReturnType<typeof loadConfigFile>;
  try {
    config = loadConfigFile(configPath);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  const port = process.env.PORT === undefined ? 3000 : Number(process.env.PORT);
  const memory = process.env.CLOSELOOP_MEMORY === '1';
  // Loopback unless asked: anyone who reaches the stack can mint admin tokens (/__local/token).
  const host = process.env.HOST?.trim() || undefined;
  const stack = await startLocalStack({
    config,
    port,
    host,
    memory,
    webhookSink: true,
    log: (line) => console.log(line),
  });

  const site = stack.sites[0]!;
  const origin = site.origins[0];
  console.log(`
Closeloop local stack is up (config: ${configPath}${memory ? ', in memory' : ', data in .closeloop/'})

  API          ${stack.url}/v1/feedback
  Journeys     ${stack.url}/v1/events  (server key; survey pages at ${stack.url}/s/{token})
  Health       ${stack.url}/health
  Widget demo  ${stack.url}/__local/demo?site=${site.siteId}&locale=ja  (a shop checkout page with /widget.js)
  Sites & keys ${stack.url}/__local/sites
  Cases        ${stack.url}/__local/cases  (staff API: ${stack.url}/v1/cases with a token)
  Staff token  ${stack.url}/__local/token?staff=<memberId>  (members: ${stack.url}/__local/staff)
  OpenAPI      ${stack.url}/v1/openapi.json
  Outbox       ${stack.url}/__local/outbox  (every email sent)
  Events       ${stack.url}/__local/events
  Triage queue ${stack.url}/__local/queues/triage
  Webhooks     ${stack.url}/__local/webhook-sink  (every delivery; endpoints and secrets: ${stack.url}/__local/webhooks)
  DynamoDB     ${stack.endpoints.dynamodb}  (table "${stack.tableName}")
  SQS          ${stack.endpoints.sqs}
  SES          ${stack.endpoints.ses}  (sent mail: ${stack.endpoints.ses}/)

Try it:

curl -i -X POST ${stack.url}/v1/feedback \\
  -H 'Content-Type: application/json' \\
  -H 'X-Site-Key: ${site.siteKey}' \\${origin ? `\n  -H 'Origin: ${origin}' \\` : ''}
  -H 'Idempotency-Key: demo-1' \\
  -d '{"siteId":"${site.siteId}","touchpoint":"checkout_abandonment","channel":"web","rating":{"type":"nps","score":3},"comment":"支払い方法が選べませんでした","reasons":["payment_method_unavailable"]}'

Ctrl-C stops everything.`);
  if (host && !isLoopback(host)) {
    console.log(`
HOST=${host}: the API listens beyond this machine, and /__local/token hands an admin token to anyone who asks.`);
  }
  if (!intakeLimitsOn())
    console.log('\nCLOSELOOP_INTAKE_LIMITS=off: no per-client limit on POST /v1/feedback.');

  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    console.log('\nstopping…');
    await stack.stop();
    process.exit(0);
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
