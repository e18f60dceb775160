import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { urlHost } from '../../infra/local/http-server.ts';
import type { LocalStack } from '../../infra/local/stack.ts';
import { startTestStack } from '../support/local-stack.ts';

/** Whether a TCP connection to `host:port` opens (a refusal or no answer within 2 s: it does not). */
function opens(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 2_000 });
    const done = (opened: boolean) => {
      socket.destroy();
      resolve(opened);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

/**
 * Addresses of this machine other than 127.0.0.1: the other loopback ones (on Linux all of
 * 127/8 reaches the machine, so 127.0.0.2 tells "127.0.0.1 only" from "every interface" even
 * without a network) and each interface's own (link-local ones need a scope, left out).
 */
function otherAddresses(): string[] {
  const own = Object.values(networkInterfaces())
    .flat()
    .filter((i) => i !== undefined && !i.internal && !i.address.startsWith('fe80:'))
    .map((i) => i!.address);
  return [...(process.platform === 'linux' ? ['127.0.0.2'] : []), '::1', ...own];
}

describe('the local stack listens on loopback only by default', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('serves the API on 127.0.0.1 and nowhere else, printed as localhost', async () => {
    const port = Number(new URL(stack.url).port);

    const onLoopback = await opens('127.0.0.1', port);
    const elsewhere = await Promise.all(otherAddresses().map(async (a) => [a, await opens(a, port)]));

    expect(new URL(stack.url).hostname).toBe('localhost');
    expect(onLoopback).toBe(true);
    expect(elsewhere.filter(([, opened]) => opened)).toEqual([]);
  });

  it('runs DynamoDB Local, the SQS peer and the SES peer on 127.0.0.1 only', async () => {
    const ports = Object.values(stack.endpoints).map((e) => Number(new URL(e).port));

    const onLoopback = await Promise.all(ports.map((p) => opens('127.0.0.1', p)));
    const elsewhere = await Promise.all(
      ports.flatMap((p) => otherAddresses().map(async (a) => [`${a} ${p}`, await opens(a, p)])),
    );

    expect(onLoopback).toEqual([true, true, true]);
    expect(elsewhere.filter(([, opened]) => opened)).toEqual([]);
  });
});

describe('the printed URL for a HOST', () => {
  it('stays localhost for loopback and wildcard addresses, else names the address', () => {
    expect(['127.0.0.1', '::1', 'localhost', '0.0.0.0', '::'].map(urlHost)).toEqual(
      Array(5).fill('localhost'),
    );
    expect(urlHost('192.168.1.20')).toBe('192.168.1.20');
    expect(urlHost('fd00::2')).toBe('[fd00::2]');
  });
});
