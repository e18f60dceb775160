import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { buildApp } from 'fauxqs';

/** Credentials the local peers accept; never real ones. */
export const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };
export const localRegion = 'ap-northeast-1';
/** The ARN a local queue's records carry as `eventSourceARN`, as Lambda's would. */
export const localQueueArn = (name: string) => `arn:aws:sqs:${localRegion}:000000000000:${name}`;
/** Every peer listens on loopback only: they hold the data and mail, and need no password. */
export const peerHost = '127.0.0.1';

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
      server.listen(port, peerHost, () => {
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

/**
 * DynamoDB Local, AWS's own emulator, run from the npm package on the machine's Java, listening on
 * 127.0.0.1 through DynamoDbLocalOnHost.java. Without a JDK (no `javac`) that launcher cannot be
 * compiled and DynamoDB Local's own one runs, on every interface; `log` says so.
 */
export async function startDynamoLocal(opts: {
  port?: number;
  dataDir?: string;
  log?: (line: string) => void;
}): Promise<Peer> {
  const port = await freePort(opts.port);
  const emulatorDir = join(dirname(require.resolve('amplify-dynamodb-simulator/package.json')), 'emulator');
  // Java runs in the emulator's folder, so the data folder must be absolute.
  const dataDir = opts.dataDir ? resolve(opts.dataDir) : undefined;
  const storage = dataDir ? ['-sharedDb', '-dbPath', dataDir] : ['-inMemory'];
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const launcher = await onHostLauncher(emulatorDir);
  if ('unavailable' in launcher) {
    opts.log?.(`DynamoDB Local listens on every interface, not only ${peerHost}: ${launcher.unavailable}`);
  }
  const main =
    'classDir' in launcher
      ? ['-cp', `${launcher.classDir}${delimiter}DynamoDBLocal.jar`, 'DynamoDbLocalOnHost', peerHost]
      : ['-jar', 'DynamoDBLocal.jar'];
  const child: ChildProcess = spawn(
    'java',
    ['-Djava.library.path=./DynamoDBLocal_lib', ...main, ...storage, '-port', String(port)],
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
  const endpoint = `http://${peerHost}:${port}`;
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

const execFileAsync = promisify(execFile);
const onHostSource = fileURLToPath(new URL('./DynamoDbLocalOnHost.java', import.meta.url));

/**
 * The compiled DynamoDbLocalOnHost class: compiled once per version of its source into
 * node_modules/.cache (concurrent starts race harmlessly: one rename wins), else why not.
 */
async function onHostLauncher(emulatorDir: string): Promise<{ classDir: string } | { unavailable: string }> {
  const source = readFileSync(onHostSource);
  const version = createHash('sha256').update(source).digest('hex').slice(0, 16);
  const classDir = join(emulatorDir, '..', '..', '.cache', 'closeloop', `dynamodb-on-host-${version}`);
  const compiled = () => existsSync(join(classDir, 'DynamoDbLocalOnHost.class'));
  if (compiled()) return { classDir };
  const staging = `${classDir}.${randomUUID()}`;
  try {
    mkdirSync(staging, { recursive: true });
    const classpath = join(emulatorDir, 'DynamoDBLocal.jar');
    await execFileAsync('javac', ['--release', '11', '-cp', classpath, '-d', staging, onHostSource]);
    renameSync(staging, classDir);
  } catch (error) {
    if (compiled()) return { classDir };
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no javac (install a JDK)' : error;
    return { unavailable: `could not compile DynamoDbLocalOnHost.java: ${String(reason)}` };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return { classDir };
}

/** fauxqs's own start listens on 0.0.0.0; its app is built and bound to loopback here instead. */
export async function startSqsLocal(opts: { port?: number }): Promise<Peer> {
  const port = await freePort(opts.port);
  const app = buildApp({ logger: false, defaultRegion: localRegion });
  await app.listen({ port, host: peerHost });
  return {
    endpoint: `http://${peerHost}:${port}`,
    port,
    stop: () => app.close(),
  };
}

export async function startSesLocal(opts: { port?: number }): Promise<Peer> {
  const port = await freePort(opts.port);
  const mod = (await import('aws-ses-v2-local')) as unknown as Record<string, unknown>;
  const start = pickDefault(mod) as (config: { host: string; port: number }) => Promise<Server>;
  const server = await start({ host: peerHost, port });
  return {
    endpoint: `http://${peerHost}:${port}`,
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
