import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { startFauxqs } from 'fauxqs';

/** Credentials the local peers accept; never real ones. */
export const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };
export const localRegion = 'ap-northeast-1';

export interface Peer {
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

export async function freePort(preferred?: number): Promise<number> {
  const tryListen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        const { port: bound } = server.address() as AddressInfo;
        server.close(() => resolve(bound));
      });
    });
  if (preferred) {
    try {
      return await tryListen(preferred);
    } catch {
      // taken: fall through to any free port
    }
  }
  return tryListen(0);
}

const require = createRequire(import.meta.url);

/** DynamoDB Local, AWS's own emulator, run from the npm package on the machine's Java. */
export async function startDynamoLocal(opts: { port?: number; dataDir?: string }): Promise<Peer> {
  const port = await freePort(opts.port);
  const emulatorDir = join(dirname(require.resolve('amplify-dynamodb-simulator/package.json')), 'emulator');
  // Java runs in the emulator's folder, so the data folder must be absolute.
  const dataDir = opts.dataDir ? resolve(opts.dataDir) : undefined;
  const storage = dataDir ? ['-sharedDb', '-dbPath', dataDir] : ['-inMemory'];
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const child: ChildProcess = spawn(
    'java',
    [
      '-Djava.library.path=./DynamoDBLocal_lib',
      '-jar',
      'DynamoDBLocal.jar',
      ...storage,
      '-port',
      String(port),
    ],
    { cwd: emulatorDir, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.once('error', (error) => {
    stderr += `${error.message}\n`;
  });
  const stopChild = () => {
    if (child.exitCode === null && !child.killed) child.kill('SIGTERM');
  };
  process.once('exit', stopChild);
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({ endpoint, region: localRegion, credentials: localCredentials });
  try {
    await waitFor(async () => {
      if (child.exitCode !== null || child.signalCode) {
        throw new Error(`DynamoDB Local exited (is Java 17+ installed?): ${stderr.trim()}`);
      }
      await client.send(new ListTablesCommand({}));
    }, 30_000);
  } catch (error) {
    stopChild();
    throw error;
  } finally {
    client.destroy();
  }
  return {
    endpoint,
    port,
    async stop() {
      process.off('exit', stopChild);
      stopChild();
      await exited;
    },
  };
}

export async function startSqsLocal(opts: {
  port?: number;
}): Promise<Peer & { server: Awaited<ReturnType<typeof startFauxqs>> }> {
  const port = await freePort(opts.port);
  const server = await startFauxqs({ port, logger: false, defaultRegion: localRegion });
  return {
    server,
    endpoint: `http://127.0.0.1:${server.port}`,
    port: server.port,
    stop: () => server.stop(),
  };
}

export async function startSesLocal(opts: { port?: number }): Promise<Peer> {
  const port = await freePort(opts.port);
  const mod = (await import('aws-ses-v2-local')) as unknown as Record<string, unknown>;
  const start = pickDefault(mod) as (config: { host: string; port: number }) => Promise<Server>;
  const server = await start({ host: '127.0.0.1', port });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The package is CommonJS compiled from ESM; its default export sits one or two levels down. */
function pickDefault(mod: Record<string, unknown>): unknown {
  let value: unknown = mod;
  while (value && typeof value === 'object' && 'default' in value)
    value = (value as { default: unknown }).default;
  return value;
}

export async function waitFor(
  check: () => Promise<unknown>,
  timeoutMs: number,
  intervalMs = 100,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (performance.now() > deadline || (error instanceof Error && error.message.includes('exited')))
        throw error;
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }
}
