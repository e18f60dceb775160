import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateQueueCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StaffDirectory } from '../../cli/adapters/cognito.ts';
import { run } from '../../cli/program.ts';
import { localCredentials, localRegion } from '../../infra/local/peers.ts';
import type { LocalStack } from '../../infra/local/stack.ts';
import { type Clock, systemClock, VirtualClock } from '../../shared/clock.ts';
import { type Case, caseIdFor } from '../../shared/domain/case.ts';
import { casePk } from '../../shared/repository/case-item.ts';
import { eventually, postFeedback, startTestStack } from '../support/local-stack.ts';

/**
 * The operator CLI against the local stack's real peers: DynamoDB Local (erase, export) and fauxqs
 * (dlq list). Cases are opened the production way: feedback POSTed, then triage. Cognito and the
 * SQS message move task have no local peer: tests/unit/cli.test.ts covers them with fakes and mocks.
 */
let stack: LocalStack;
let dir: string;
const T0 = new Date('2026-11-18T01:00:00.000Z');
const noStaff = {} as StaffDirectory;

beforeAll(async () => {
  stack = await startTestStack({ clock: new VirtualClock(T0), schedule: false });
  dir = mkdtempSync(join(tmpdir(), 'closeloop-cli-it-'));
});
afterAll(async () => {
  await stack?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function cli(argv: string[], clock: Clock = stack.clock) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(argv, {
    out: (s) => out.push(s),
    err: (s) => err.push(s),
    clock,
    aws: () => ({
      dynamodb: new DynamoDBClient({
        endpoint: stack.endpoints.dynamodb,
        region: localRegion,
        credentials: localCredentials,
      }),
      db: stack.db,
      sqs: stack.sqs,
      events: new EventBridgeClient({ region: localRegion, credentials: localCredentials }),
      secrets: new SecretsManagerClient({ region: localRegion, credentials: localCredentials }),
      staff: noStaff,
    }),
  });
  return { code, out: out.join(''), err: err.join('') };
}

const onTable = ['--table', 'closeloop', '--config', 'closeloop.config.example.json'];

async function openCase(body: Record<string, unknown>, key: string): Promise<Case> {
  const response = await postFeedback(
    stack,
    { siteId: 'shop-jp', channel: 'web', ...body },
    { 'idempotency-key': key },
    { key: 'server' },
  );
  expect(response.status).toBe(202);
  const { feedbackId } = (await response.json()) as { feedbackId: string };
  return eventually(async () => {
    const { Items = [] } = await stack.db.send(
      new QueryCommand({
        TableName: stack.tableName,
        KeyConditionExpression: 'pk = :pk AND sk = :sk',
        ExpressionAttributeValues: { ':pk': casePk(caseIdFor(feedbackId)), ':sk': 'CASE' },
        ConsistentRead: true,
      }),
    );
    expect(Items).toHaveLength(1);
    return Items[0] as unknown as Case;
  }, 20_000);
}

/** Every item of the table, to compare before and after. */
async function snapshot() {
  const { Items = [] } = await stack.db.send(
    new ScanCommand({ TableName: stack.tableName, ConsistentRead: true }),
  );
  return Items.map((i) => JSON.stringify(i)).sort();
}

describe('closeloop erase (the erasure use case on the table)', () => {
  const email = 'Cli.Erase@Example.jp';
  let c: Case;
  beforeAll(async () => {
    c = await openCase(
      {
        touchpoint: 'delivery',
        rating: { type: 'nps', score: 1 },
        comment: 'cli-erase-comment: 箱が潰れていました',
        customer: { email, name: '消去 花子', locale: 'ja', contactConsent: true },
        context: { orderId: 'ORD-CLI-1' },
      },
      'cli-erase-1',
    );
  });

  it('erase --dry-run changes nothing', async () => {
    // The case's "received" notice is sent first, so only the CLI could change the table now.
    await eventually(async () => {
      const items = await snapshot();
      expect(items.some((i) => i.includes(c.caseId) && i.includes('"eventType":"notice_sent"'))).toBe(true);
    }, 20_000);
    const before = await snapshot();
    const r = await cli(['erase', '--email', email.toLowerCase(), '--dry-run', ...onTable]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('would change 1 feedback and 1 case(s)');
    expect(await snapshot()).toEqual(before);
  });

  it('erase --site of another site leaves the customer alone', async () => {
    const before = await snapshot();
    const r = await cli(['erase', '--email', email, '--site', 'shop-en', ...onTable]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('0 feedback, 0 case(s)');
    expect(await snapshot()).toEqual(before);
  });

  it('erase removes the personal data and leaves an erased event by the operator', async () => {
    const r = await cli(['erase', '--email', email, '--actor', 'ops-tanaka', ...onTable]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('{"feedback":1,"cases":1}');
    const items = await snapshot();
    expect(
      items.filter((i) => i.toLowerCase().includes(email.toLowerCase()) || i.includes('cli-erase-comment')),
    ).toEqual([]);
    expect(
      items.some((i) => i.includes(`"pk":"${casePk(c.caseId)}"`) && i.includes('"actor":"staff:ops-tanaka"')),
    ).toBe(true);
    const again = await cli(['erase', '--email', email, ...onTable]);
    expect(again.out).toContain('0 feedback, 0 case(s)');
  });
});

describe('closeloop export', () => {
  it('writes the cases of the range with their feedback as JSON lines, by query', async () => {
    const c = await openCase(
      { touchpoint: 'delivery', rating: { type: 'nps', score: 2 }, comment: 'cli-export' },
      'cli-export-1',
    );
    const out = join(dir, 'export.jsonl');
    const r = await cli(['export', '--from', '2026-11-18', '--to', '2026-11-18', '--out', out, ...onTable]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const lines = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const line = lines.find((l) => l.case.caseId === c.caseId);
    expect(line.case).toMatchObject({ caseId: c.caseId, teamId: 'logistics', feedbackId: c.feedbackId });
    expect(line.case).not.toHaveProperty('caseTeam');
    expect(line.feedback).toMatchObject({ feedbackId: c.feedbackId, comment: 'cli-export' });
    expect(r.out).toContain(`wrote ${lines.length} case(s)`);

    const before = await cli(['export', '--to', '2026-11-17', ...onTable]);
    expect(before.code).toBe(0);
    expect(before.out).toBe('');
    const team = await cli(['export', '--from', '2026-11-18T00:00:00Z', '--team', 'web', ...onTable]);
    expect(team.out).not.toContain(c.caseId);
  });

  it('without --table looks for the stage table and says when there is none', async () => {
    const r = await cli(['export', '--config', 'closeloop.config.example.json']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('no table Closeloop-dev-Stateful-Table');
  });
});

describe('closeloop dlq list', () => {
  it('lists each DLQ with its approximate count and the first messages, and leaves them there', async () => {
    for (const name of [
      'closeloop-dev-triage',
      'closeloop-dev-triage-dlq',
      'closeloop-dev-notify',
      'closeloop-dev-notify-dlq',
    ]) {
      await stack.sqs.send(new CreateQueueCommand({ QueueName: name }));
    }
    const { QueueUrl } = await stack.sqs.send(
      new CreateQueueCommand({ QueueName: 'closeloop-dev-notify-dlq' }),
    );
    const sent = await stack.sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: '{"poison":true}' }));
    // fauxqs stamps SentTimestamp with the real time: the CLI reads it three hours later.
    const later = { now: () => new Date(systemClock.now().getTime() + 3 * 3_600_000) };
    {
      const r = await cli(['dlq', 'list'], later);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      expect(r.out).toMatch(
        /notify +closeloop-dev-notify-dlq: ~1 message\(s\); redrive to closeloop-dev-notify/,
      );
      expect(r.out).toMatch(/triage +closeloop-dev-triage-dlq: ~0 message\(s\)/);
      expect(r.out).toContain('closeloop-dev-triage-pipe-dlq: not found');
      expect(r.out).toMatch(new RegExp(`${sent.MessageId}  age 3h 0m`));
      // Peeking (visibility timeout 0) left the message there for the next reader.
      const { Messages = [] } = await stack.sqs.send(
        new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
      );
      expect(Messages.map((m) => m.MessageId)).toEqual([sent.MessageId]);
    }
  });
});
