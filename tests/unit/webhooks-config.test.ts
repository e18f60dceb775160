import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../shared/config/load.ts';
import { WEBHOOK_EVENT_TYPES } from '../../shared/domain/webhooks.ts';

// biome-ignore lint/suspicious/noExplicitAny: raw JSON fixtures are edited freely
const minimal = (): any => JSON.parse(readFileSync('tests/fixtures/config/minimal.json', 'utf8'));

const hook = (over: Record<string, unknown> = {}) => ({
  id: 'crm',
  url: 'https://crm.example.jp/hooks/closeloop',
  events: ['case.opened'],
  secretName: 'closeloop/webhooks/crm',
  ...over,
});

function issuesOf(input: unknown): { path: string; message: string }[] {
  try {
    parseConfig(input);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  throw new Error('expected the config to be refused');
}

const withHooks = (...webhooks: unknown[]) => ({ ...minimal(), webhooks });

describe('config: webhooks', () => {
  it('has none by default, and no Slack', () => {
    const config = parseConfig(minimal());
    expect(config.webhooks).toEqual([]);
    expect(config.slack).toBeUndefined();
  });

  it('takes an https endpoint for any known event, without personal data by default', () => {
    const config = parseConfig(withHooks(hook({ events: [...WEBHOOK_EVENT_TYPES] })));
    expect(config.webhooks).toEqual([
      { ...hook({ events: [...WEBHOOK_EVENT_TYPES] }), includePersonalData: false },
    ]);
  });

  it('takes plain http only to this machine (localhost, 127.0.0.1)', () => {
    for (const url of ['http://localhost:3000/__local/webhook-sink', 'http://127.0.0.1:8080/x']) {
      expect(parseConfig(withHooks(hook({ url }))).webhooks[0]?.url).toBe(url);
    }
    expect(issuesOf(withHooks(hook({ url: 'http://crm.example.jp/hooks' })))).toEqual([
      {
        path: 'webhooks[0].url',
        message:
          'must be an https URL; http only for localhost or 127.0.0.1 (got "http://crm.example.jp/hooks")',
      },
    ]);
  });

  it('names each problem of a bad endpoint: URL, unknown event, no secret', () => {
    const issues = issuesOf(
      withHooks(
        hook({ url: 'ftp://x', events: ['case.opened', 'case.closed'], secretName: undefined }),
        hook({ url: 'not a url' }),
        hook({ url: 'https://user:pw@crm.example.jp/' }),
      ),
    );
    expect(issues).toEqual(
      expect.arrayContaining([
        { path: 'webhooks[0].url', message: expect.stringContaining('must be an https URL') },
        {
          path: 'webhooks[0].events[1]',
          message: `unknown event "case.closed" (known: ${WEBHOOK_EVENT_TYPES.join(', ')})`,
        },
        { path: 'webhooks[0].secretName', message: expect.stringMatching(/required/) },
        { path: 'webhooks[1].url', message: 'must be an https URL (got "not a url")' },
        { path: 'webhooks[2].url', message: 'must not carry a user name or password' },
      ]),
    );
    expect(issues).toHaveLength(5);
  });

  it('refuses a repeated endpoint id', () => {
    expect(issuesOf(withHooks(hook(), hook({ url: 'https://other.example.jp/' })))).toEqual([
      { path: 'webhooks[1].id', message: 'duplicate webhook id "crm" (also webhooks[0])' },
    ]);
  });

  it('refuses an endpoint with no events or an event twice', () => {
    expect(issuesOf(withHooks(hook({ events: [] })))).toEqual([
      { path: 'webhooks[0].events', message: 'needs at least one event' },
    ]);
    expect(issuesOf(withHooks(hook({ events: ['case.opened', 'case.opened'] })))).toEqual([
      { path: 'webhooks[0].events', message: 'must not repeat an event' },
    ]);
  });

  it('takes Slack with its secret name; escalations default to all', () => {
    const config = parseConfig({ ...minimal(), slack: { webhookSecretName: 'closeloop/slack' } });
    expect(config.slack).toEqual({ webhookSecretName: 'closeloop/slack', escalations: 'all' });
    expect(issuesOf({ ...minimal(), slack: { escalations: 'some' } })).toEqual([
      { path: 'slack.webhookSecretName', message: expect.stringMatching(/required/) },
      { path: 'slack.escalations', message: expect.any(String) },
    ]);
  });
});
