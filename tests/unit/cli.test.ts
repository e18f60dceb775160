import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cognitoDirectory, type StaffDirectory } from '../../cli/adapters/cognito.ts';
import { signRequest } from '../../cli/adapters/sigv4.ts';
import type { AwsClients } from '../../cli/aws.ts';
import { configDiff } from '../../cli/config-file.ts';
import { sha256Hex } from '../../cli/keys.ts';
import {
  busName,
  deadLetterQueues,
  serverKeySecretName,
  tableNamePrefix,
  userPoolName,
  workQueueName,
} from '../../cli/names.ts';
import { type CliDeps, run } from '../../cli/program.ts';
import { authenticateSite } from '../../shared/auth/site-auth.ts';
import { VirtualClock } from '../../shared/clock.ts';
import { loadConfigFile } from '../../shared/config/load.ts';

const T0 = new Date('2026-11-18T01:00:00.000Z');
let dir: string;
let configPath: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'closeloop-cli-'));
  configPath = join(dir, 'closeloop.config.json');
  copyFileSync('closeloop.config.example.json', configPath);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Random bytes that differ per call (across CLI runs of one test), so each new key is known to be new. */
let draws = 0;
beforeEach(() => {
  draws = 0;
});
const counterRandom = () => (bytes: number) => Buffer.alloc(bytes, ++draws);

interface Fakes {
  staff: StaffDirectory & { calls: string[] };
  sqs: SQSClient;
  secrets: SecretsManagerClient;
}

function fakeStaff(): Fakes['staff'] {
  const calls: string[] = [];
  return {
    calls,
    poolIdByName: async (name) => {
      calls.push(`pool ${name}`);
      return 'ap-northeast-1_Pool1';
    },
    createUser: async (pool, u) => {
      calls.push(`create ${pool} ${u.username} ${u.email}`);
      return 'created';
    },
    addToGroup: async (pool, user, group) => {
      calls.push(`group ${pool} ${user} ${group}`);
    },
    deleteUser: async (pool, user) => {
      calls.push(`delete ${pool} ${user}`);
      return 'deleted';
    },
  };
}

function fakes(): Fakes {
  return {
    staff: fakeStaff(),
    sqs: new SQSClient({ region: 'ap-northeast-1' }),
    secrets: new SecretsManagerClient({ region: 'ap-northeast-1' }),
  };
}

async function cli(argv: string[], f: Fakes = fakes(), over: Partial<CliDeps> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const dynamodb = new DynamoDBClient({ region: 'ap-northeast-1' });
  const clients: AwsClients = {
    dynamodb,
    db: DynamoDBDocumentClient.from(dynamodb),
    sqs: f.sqs,
    events: new EventBridgeClient({ region: 'ap-northeast-1' }),
    secrets: f.secrets,
    staff: f.staff,
  };
  const code = await run(argv, {
    out: (s) => out.push(s),
    err: (s) => err.push(s),
    clock: new VirtualClock(T0),
    aws: () => clients,
    random: counterRandom(),
    ...over,
  });
  return { code, out: out.join(''), err: err.join('') };
}

const rawConfig = () => JSON.parse(readFileSync(configPath, 'utf8'));
const siteOf = (id: string) => rawConfig().sites.find((s: { id: string }) => s.id === id);
const keysIn = (text: string) =>
  [...text.matchAll(/\b(s[kv]_[A-Za-z0-9_-]{43})\b/g)].map((m) => m[1] as string);

describe('names the CLI derives from the stage', () => {
  const template = readFileSync('tests/infra/__snapshots__/Closeloop-dev-Stateful.template.json', 'utf8');

  it('match the queues, secrets, pool and table of the synthesized stateful stack', () => {
    for (const q of deadLetterQueues('dev')) {
      expect(template).toContain(`"QueueName": "${q.name}"`);
      if (q.sourceName) expect(template).toContain(`"QueueName": "${q.sourceName}"`);
    }
    expect(deadLetterQueues('dev').map((q) => q.key)).toEqual([
      'triage',
      'notify',
      'notify-customer',
      'webhooks',
      'triage-pipe',
      'webhook-routes',
    ]);
    expect(template).toContain(`"Name": "${serverKeySecretName('dev', 'shop-jp')}"`);
    expect(template).toContain(`"UserPoolName": "${userPoolName('dev')}"`);
    // CloudFormation names the table <stack>-<logical id>-<random>; the logical id starts with "Table".
    expect(template).toMatch(/"Table[0-9A-F]{8}": \{\s*"Type": "AWS::DynamoDB::Table"/);
    expect(tableNamePrefix('dev')).toBe('Closeloop-dev-Stateful-Table');
    expect(template).toContain(`"QueueName": "${workQueueName('dev', 'triage')}"`);
    expect(template).toMatch(
      new RegExp(`"Type": "AWS::Events::EventBus",\\s*"Properties": \\{\\s*"Name": "${busName('dev')}"`),
    );
  });
});

describe('closeloop sites', () => {
  it('sites add prints both keys once and writes only their hashes', async () => {
    const r = await cli([
      'sites',
      'add',
      'outlet-jp',
      '--origin',
      'https://outlet.example.jp',
      'https://www.outlet.example.jp',
      '--locale',
      'en',
      '--config',
      configPath,
    ]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const keys = keysIn(r.out);
    expect(keys).toHaveLength(2);
    const [siteKey, serverKey] = keys as [string, string];
    expect(siteKey).toMatch(/^sk_/);
    expect(serverKey).toMatch(/^sv_/);
    expect(siteKey).not.toBe(serverKey);
    const file = readFileSync(configPath, 'utf8');
    expect(file).not.toContain(siteKey);
    expect(file).not.toContain(serverKey);
    expect(siteOf('outlet-jp')).toEqual({
      id: 'outlet-jp',
      name: 'outlet-jp',
      origins: ['https://outlet.example.jp', 'https://www.outlet.example.jp'],
      siteKeyHash: sha256Hex(siteKey),
      serverKeyHash: sha256Hex(serverKey),
      defaultLocale: 'en',
    });
    // The written file is a valid config, and ingest's own check takes the printed keys.
    const config = loadConfigFile(configPath);
    const site = config.sites.map((s) => s).filter((s) => s.id === 'outlet-jp');
    expect(
      authenticateSite(site, 'outlet-jp', {
        siteKey,
        serverKey: undefined,
        origin: 'https://outlet.example.jp',
      }).keyKind,
    ).toBe('site');
    expect(
      authenticateSite(site, 'outlet-jp', { siteKey: undefined, serverKey, origin: undefined }).keyKind,
    ).toBe('server');
  });

  it('sites add --dry-run shows the diff and writes nothing', async () => {
    const before = readFileSync(configPath, 'utf8');
    const r = await cli([
      'sites',
      'add',
      'outlet-jp',
      '--origin',
      'https://outlet.example.jp',
      '--dry-run',
      '--config',
      configPath,
    ]);
    expect(r.code).toBe(0);
    expect(readFileSync(configPath, 'utf8')).toBe(before);
    expect(r.out).toMatch(/^\+ +"id": "outlet-jp",$/m);
    expect(r.out).toMatch(/^\+ +"siteKeyHash": "[0-9a-f]{64}",$/m);
    expect(keysIn(r.out)).toEqual([]);
  });

  it('sites add refuses an existing site id', async () => {
    const r = await cli([
      'sites',
      'add',
      'shop-jp',
      '--origin',
      'https://x.example.jp',
      '--config',
      configPath,
    ]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('site shop-jp is already in');
  });

  it('rotate-key keeps the old hash valid until --finish', async () => {
    const added = await cli([
      'sites',
      'add',
      'outlet-jp',
      '--origin',
      'https://outlet.example.jp',
      '--config',
      configPath,
    ]);
    const [oldKey] = keysIn(added.out) as [string];
    const accepts = (key: string) => {
      const sites = loadConfigFile(configPath).sites;
      try {
        authenticateSite(sites, 'outlet-jp', {
          siteKey: key,
          serverKey: undefined,
          origin: 'https://outlet.example.jp',
        });
        return true;
      } catch {
        return false;
      }
    };
    const rotated = await cli(['sites', 'rotate-key', 'outlet-jp', '--kind', 'site', '--config', configPath]);
    expect(rotated.code).toBe(0);
    const [newKey] = keysIn(rotated.out) as [string];
    expect(newKey).not.toBe(oldKey);
    expect(siteOf('outlet-jp').siteKeyHash).toEqual([sha256Hex(newKey), sha256Hex(oldKey)]);
    expect([accepts(oldKey), accepts(newKey)]).toEqual([true, true]);

    const again = await cli(['sites', 'rotate-key', 'outlet-jp', '--kind', 'site', '--config', configPath]);
    expect(again.code).toBe(1);
    expect(again.err).toContain('finish it first with --finish');

    const dry = await cli([
      'sites',
      'rotate-key',
      'outlet-jp',
      '--kind',
      'site',
      '--finish',
      '--dry-run',
      '--config',
      configPath,
    ]);
    expect(dry.code).toBe(0);
    expect(dry.out).toMatch(new RegExp(`^- +"${sha256Hex(oldKey)}"$`, 'm'));
    expect(accepts(oldKey)).toBe(true);

    const finished = await cli([
      'sites',
      'rotate-key',
      'outlet-jp',
      '--kind',
      'site',
      '--finish',
      '--config',
      configPath,
    ]);
    expect(finished.code).toBe(0);
    expect(siteOf('outlet-jp').siteKeyHash).toBe(sha256Hex(newKey));
    expect([accepts(oldKey), accepts(newKey)]).toEqual([false, true]);
    // The server key was never touched.
    expect(siteOf('outlet-jp').serverKeyHash).toBe(sha256Hex(keysIn(added.out)[1]!));

    const nothing = await cli([
      'sites',
      'rotate-key',
      'outlet-jp',
      '--kind',
      'site',
      '--finish',
      '--config',
      configPath,
    ]);
    expect(nothing.code).toBe(1);
    expect(nothing.err).toContain('no site key rotation under way');
  });

  it("rotate-key --kind server --store-secret puts the new key in the stage's secret", async () => {
    const f = fakes();
    const sm = mockClient(f.secrets);
    sm.on(PutSecretValueCommand).resolves({});
    try {
      const r = await cli(
        [
          'sites',
          'rotate-key',
          'shop-jp',
          '--kind',
          'server',
          '--store-secret',
          '--stage',
          'prod',
          '--config',
          configPath,
        ],
        f,
      );
      expect(r.err).toBe('');
      const [key] = keysIn(r.out) as [string];
      expect(sm.commandCalls(PutSecretValueCommand).map((c) => c.args[0].input)).toEqual([
        { SecretId: 'closeloop/prod/server-key/shop-jp', SecretString: key },
      ]);
      expect(siteOf('shop-jp').serverKeyHash).toEqual(sha256Hex(key));
    } finally {
      sm.restore();
    }
  });

  it('store-server-key refuses a key whose hash is not in config', async () => {
    const f = fakes();
    const sm = mockClient(f.secrets);
    try {
      const r = await cli(['sites', 'store-server-key', 'shop-jp', '--config', configPath], f, {
        stdin: async () => 'sv_not-the-key\n',
      });
      expect(r.code).toBe(1);
      expect(r.err).toContain('not a serverKeyHash of shop-jp');
      expect(sm.calls()).toHaveLength(0);
    } finally {
      sm.restore();
    }
  });
});

describe('arguments', () => {
  it('names each bad argument and exits 2', async () => {
    const before = readFileSync(configPath, 'utf8');
    const r = await cli([
      'sites',
      'add',
      'Bad Site',
      '--origin',
      'https://ok.example.jp',
      'ftp://nope/',
      '--locale',
      'fr',
      '--stage',
      'qa',
      '--region',
      'tokyo',
      '--config',
      configPath,
    ]);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    const lines = r.err.split('\n');
    for (const named of ['--stage:', '--region:', '<siteId>:', '--origin[1]:', '--locale:']) {
      expect(lines.some((l) => l.trim().startsWith(named))).toBe(true);
    }
    expect(r.err).toContain('"ftp://nope/"');
    expect(readFileSync(configPath, 'utf8')).toBe(before);
  });

  it('names a missing required option, an unknown option and an unknown command', async () => {
    const missing = await cli(['sites', 'add', 'outlet-jp', '--config', configPath]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('--origin: required');
    const rotate = await cli(['sites', 'rotate-key', 'shop-jp', '--kind', 'public', '--config', configPath]);
    expect(rotate.code).toBe(2);
    expect(rotate.err).toContain('--kind: must be one of site, server');
    const unknown = await cli(['dlq', 'list', '--bogus']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain("unknown option '--bogus'");
    const command = await cli(['nope']);
    expect(command.code).toBe(2);
    expect(command.err).toContain("unknown command 'nope'");
    const erase = await cli(['erase', '--email', 'not-an-address', '--config', configPath]);
    expect(erase.code).toBe(2);
    expect(erase.err).toContain('--email: must be an email address');
    const range = await cli(['export', '--from', '2026-11-31', '--to', 'yesterday', '--config', configPath]);
    expect(range.code).toBe(2);
    expect(range.err).toContain('--from: must be a date');
    expect(range.err).toContain('--to: must be a date');
  });

  it('prints help on --help and for every command, exit 0', async () => {
    const top = await cli(['--help']);
    expect(top.code).toBe(0);
    for (const c of ['sites', 'staff', 'dlq', 'erase', 'export', 'reconcile']) expect(top.out).toContain(c);
    for (const argv of [
      ['sites', 'add', '--help'],
      ['sites', 'rotate-key', '--help'],
      ['staff', 'invite', '--help'],
      ['staff', 'remove', '--help'],
      ['dlq', 'list', '--help'],
      ['dlq', 'redrive', '--help'],
      ['erase', '--help'],
      ['export', '--help'],
    ]) {
      const r = await cli(argv);
      expect(r.code).toBe(0);
      expect(r.out).toContain('--stage <stage>');
      expect(r.out).toContain('--table <name>');
    }
  });

  it('reports a config file that is not there, exit 1', async () => {
    const r = await cli([
      'sites',
      'add',
      'x',
      '--origin',
      'https://x.example.jp',
      '--config',
      join(dir, 'none.json'),
    ]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('not found');
  });
});

describe('closeloop staff', () => {
  it('staff invite adds the member to the team, makes them lead and creates the sign-in', async () => {
    const f = fakes();
    const r = await cli(
      [
        'staff',
        'invite',
        'Kenji.Mori@shop.example.jp',
        '--team',
        'logistics',
        '--role',
        'lead',
        '--name',
        '森 健二',
        '--config',
        configPath,
      ],
      f,
    );
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const team = rawConfig().teams.find((t: { id: string }) => t.id === 'logistics');
    expect(team.members).toContainEqual({
      id: 'kenji-mori',
      name: '森 健二',
      email: 'Kenji.Mori@shop.example.jp',
      locale: 'ja',
    });
    expect(team.leadId).toBe('kenji-mori');
    expect(f.staff.calls).toEqual([
      'pool closeloop-dev-staff',
      'create ap-northeast-1_Pool1 kenji-mori Kenji.Mori@shop.example.jp',
      'group ap-northeast-1_Pool1 kenji-mori logistics',
    ]);
    loadConfigFile(configPath);
  });

  it('staff invite --role admin adds the admin group; --dry-run calls nothing and writes nothing', async () => {
    const before = readFileSync(configPath, 'utf8');
    const dry = await cli([
      'staff',
      'invite',
      'ops@shop.example.jp',
      '--team',
      'support',
      '--role',
      'admin',
      '--dry-run',
      '--config',
      configPath,
    ]);
    expect(dry.code).toBe(0);
    expect(dry.out).toContain('in group(s) support, admin');
    expect(readFileSync(configPath, 'utf8')).toBe(before);

    const f = fakes();
    const r = await cli(
      [
        'staff',
        'invite',
        'ops@shop.example.jp',
        '--team',
        'support',
        '--role',
        'admin',
        '--user-pool',
        'ap-northeast-1_Given',
        '--config',
        configPath,
      ],
      f,
    );
    expect(r.code).toBe(0);
    expect(f.staff.calls).toEqual([
      'create ap-northeast-1_Given ops ops@shop.example.jp',
      'group ap-northeast-1_Given ops support',
      'group ap-northeast-1_Given ops admin',
    ]);
  });

  it('staff invite names an unknown team and leaves Cognito alone', async () => {
    const f = fakes();
    const r = await cli(
      ['staff', 'invite', 'a@shop.example.jp', '--team', 'nope', '--config', configPath],
      f,
    );
    expect(r.code).toBe(1);
    expect(r.err).toContain('no team "nope"');
    expect(f.staff.calls).toEqual([]);
  });

  it('staff remove deletes the sign-in and the member; a team lead is refused with the reason', async () => {
    const f = fakes();
    const lead = await cli(['staff', 'remove', 'ryo.yoshida@shop.example.jp', '--config', configPath], f);
    expect(lead.code).toBe(1);
    expect(lead.err).toContain('teams[3].leadId: "yoshida" is not a member of team "logistics"');
    expect(f.staff.calls).toEqual([]);

    const r = await cli(['staff', 'remove', 'megumi.sasaki@shop.example.jp', '--config', configPath], f);
    expect(r.code).toBe(0);
    expect(f.staff.calls).toEqual(['pool closeloop-dev-staff', 'delete ap-northeast-1_Pool1 sasaki']);
    expect(readFileSync(configPath, 'utf8')).not.toContain('megumi.sasaki');
  });
});

describe('closeloop dlq', () => {
  const url = (name: string) => `https://sqs.ap-northeast-1.amazonaws.com/123456789012/${name}`;
  const arn = (name: string) => `arn:aws:sqs:ap-northeast-1:123456789012:${name}`;

  function mockQueues(f: Fakes, counts: Record<string, number>) {
    const sqs = mockClient(f.sqs);
    sqs
      .on(GetQueueUrlCommand)
      .callsFake((input: { QueueName: string }) => ({ QueueUrl: url(input.QueueName) }));
    sqs.on(GetQueueAttributesCommand).callsFake((input: { QueueUrl: string }) => {
      const name = input.QueueUrl.split('/').pop()!;
      return { Attributes: { QueueArn: arn(name), ApproximateNumberOfMessages: String(counts[name] ?? 0) } };
    });
    sqs.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: 'task-1' });
    return sqs;
  }

  it('dlq redrive starts a move task back to the source queue', async () => {
    const f = fakes();
    const sqs = mockQueues(f, { 'closeloop-prod-notify-customer-dlq': 4 });
    try {
      const r = await cli(['dlq', 'redrive', 'notify-customer', '--stage', 'prod'], f);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      expect(sqs.commandCalls(StartMessageMoveTaskCommand).map((c) => c.args[0].input)).toEqual([
        {
          SourceArn: arn('closeloop-prod-notify-customer-dlq'),
          DestinationArn: arn('closeloop-prod-notify-customer'),
        },
      ]);
      expect(r.out).toContain('task task-1');
    } finally {
      sqs.restore();
    }
  });

  it('dlq redrive --dry-run starts nothing; the Pipe DLQ and unknown queues are refused', async () => {
    const f = fakes();
    const sqs = mockQueues(f, { 'closeloop-dev-triage-dlq': 2 });
    try {
      const dry = await cli(['dlq', 'redrive', 'triage', '--dry-run'], f);
      expect(dry.code).toBe(0);
      expect(dry.out).toContain(
        'would move ~2 message(s) from closeloop-dev-triage-dlq to closeloop-dev-triage',
      );
      const pipe = await cli(['dlq', 'redrive', 'triage-pipe'], f);
      expect(pipe.code).toBe(1);
      expect(pipe.err).toContain('no source queue');
      const unknown = await cli(['dlq', 'redrive', 'orders'], f);
      expect(unknown.code).toBe(1);
      expect(unknown.err).toContain(
        'one of triage, notify, notify-customer, webhooks, triage-pipe, webhook-routes',
      );
      expect(sqs.commandCalls(StartMessageMoveTaskCommand)).toHaveLength(0);
    } finally {
      sqs.restore();
    }
  });
});

describe('config diff', () => {
  it('shows only what changed, with context', () => {
    const diff = configDiff({ a: 1, b: [1, 2], c: 'x' }, { a: 1, b: [1, 3], c: 'x' });
    expect(diff).toContain('-     2');
    expect(diff).toContain('+     3');
    expect(configDiff({ a: 1 }, { a: 1 })).toBe('(no change)\n');
  });
});

describe('the Cognito adapter', () => {
  it('signs as AWS Signature Version 4 does (the published get-vanilla test vector)', () => {
    const headers = signRequest({
      method: 'GET',
      url: 'https://example.amazonaws.com/',
      headers: {},
      body: '',
      region: 'us-east-1',
      service: 'service',
      credentials: {
        accessKeyId: 'AKIDEXAMPLE',
        secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
      },
      at: new Date('2015-08-30T12:36:00Z'),
    });
    expect(headers.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, ' +
        'SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
    );
  });

  it('calls the user pool API with the action as X-Amz-Target and maps its errors', async () => {
    const seen: { target: string; body: Record<string, unknown>; auth: string }[] = [];
    const server = createServer((req, res) => {
      let text = '';
      req.on('data', (c) => {
        text += c;
      });
      req.on('end', () => {
        const target = String(req.headers['x-amz-target']);
        seen.push({ target, body: JSON.parse(text), auth: String(req.headers.authorization) });
        res.setHeader('content-type', 'application/x-amz-json-1.1');
        if (target.endsWith('AdminCreateUser')) {
          res.statusCode = 400;
          res.end(
            JSON.stringify({ __type: 'UsernameExistsException', message: 'User account already exists' }),
          );
        } else if (target.endsWith('AdminDeleteUser')) {
          res.statusCode = 400;
          res.end(JSON.stringify({ __type: 'NotAuthorizedException', message: 'no' }));
        } else {
          res.end(JSON.stringify({ UserPools: [{ Id: 'ap-northeast-1_X', Name: 'closeloop-dev-staff' }] }));
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const directory = cognitoDirectory({
        region: async () => 'ap-northeast-1',
        credentials: async () => ({ accessKeyId: 'AKID', secretAccessKey: 'secret', sessionToken: 'tok' }),
        clock: new VirtualClock(T0),
        endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
      });
      expect(await directory.poolIdByName('closeloop-dev-staff')).toBe('ap-northeast-1_X');
      expect(
        await directory.createUser('ap-northeast-1_X', { username: 'mori', email: 'm@shop.example.jp' }),
      ).toBe('exists');
      await expect(directory.deleteUser('ap-northeast-1_X', 'mori')).rejects.toThrow(
        'Cognito NotAuthorizedException: no',
      );
      expect(seen.map((s) => s.target)).toEqual([
        'AWSCognitoIdentityProviderService.ListUserPools',
        'AWSCognitoIdentityProviderService.AdminCreateUser',
        'AWSCognitoIdentityProviderService.AdminDeleteUser',
      ]);
      expect(seen[1]?.body).toMatchObject({ UserPoolId: 'ap-northeast-1_X', Username: 'mori' });
      expect(seen[0]?.auth).toMatch(
        /^AWS4-HMAC-SHA256 Credential=AKID\/20261118\/ap-northeast-1\/cognito-idp\/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, Signature=[0-9a-f]{64}$/,
      );
    } finally {
      server.close();
    }
  });
});
