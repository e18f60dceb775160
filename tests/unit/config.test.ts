import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bakedConfig, MissingConfigError } from '../../shared/config/baked.ts';
import {
  DEFAULT_CATEGORY_KEYWORDS,
  DEFAULT_CATEGORY_REASONS,
  DEFAULT_SEVERITY_KEYWORDS,
} from '../../shared/config/defaults.ts';
import {
  ConfigError,
  formatPath,
  loadConfigFile,
  parseConfig,
  resolveConfigPath,
} from '../../shared/config/load.ts';
import { type Config, siteKeyHashesOf } from '../../shared/config/schema.ts';
import { knownTouchpoints } from '../../shared/domain/feedback.ts';

const EXAMPLE_PATH = 'closeloop.config.example.json';
const FIXTURE_PATH = 'tests/fixtures/config/minimal.json';

/** A fresh copy of a JSON file, as plain data to break on purpose. */
// biome-ignore lint/suspicious/noExplicitAny: test data is edited freely
function readJson(path: string): any {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** The smallest valid config: one site, one calendar, one team; everything else defaulted. */
// biome-ignore lint/suspicious/noExplicitAny: test data is edited freely
const minimal = (): any => readJson(FIXTURE_PATH);
// biome-ignore lint/suspicious/noExplicitAny: test data is edited freely
const example = (): any => readJson(EXAMPLE_PATH);

/** The issues `parseConfig` reports for `input` (fails the test if it parses). */
function issuesOf(input: unknown): { path: string; message: string }[] {
  try {
    parseConfig(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).issues;
  }
  throw new Error('expected the config to be rejected');
}

/** Day of week (0 = Sunday) of a YYYY-MM-DD date. */
const weekday = (date: string): number => new Date(`${date}T00:00:00Z`).getUTCDay();
const addDays = (date: string, days: number): string =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

describe('the example config (closeloop.config.example.json)', () => {
  const config: Config = loadConfigFile(EXAMPLE_PATH);

  it('parses', () => {
    expect(config.sites.map((s) => s.id)).toEqual(['shop-jp', 'app-jp', 'shop-en']);
    expect(config.teams.map((t) => t.id)).toEqual(['web', 'orders', 'pricing', 'logistics', 'support']);
    expect(config.executives).toHaveLength(2);
    expect(config.routing.fallbackTeamId).toBe('support');
  });

  it('stores sha256 hashes of the local demo keys sk_local_<siteId>', () => {
    for (const site of config.sites) {
      const expected = createHash('sha256').update(`sk_local_${site.id}`).digest('hex');
      expect(site.siteKeyHash, site.id).toBe(expected);
    }
  });

  it('gives every team 2-4 members, one of them unavailable somewhere, and mixes assignment strategies', () => {
    for (const team of config.teams) {
      expect(team.members.length, team.id).toBeGreaterThanOrEqual(2);
      expect(team.members.length, team.id).toBeLessThanOrEqual(4);
    }
    const members = config.teams.flatMap((t) => t.members);
    expect(members.filter((m) => !m.available)).toHaveLength(1);
    expect(members.some((m) => m.locale === 'en')).toBe(true);
    expect(new Set(config.teams.map((t) => t.assignment))).toEqual(new Set(['round_robin', 'fewest_open']));
  });

  it('runs customer support on the longer support-desk calendar, open on Saturday', () => {
    const support = config.teams.find((t) => t.id === 'support');
    expect(support?.calendarId).toBe('support-desk');
    const desk = config.calendars.find((c) => c.id === 'support-desk');
    expect(desk?.timeZone).toBe('Asia/Tokyo');
    expect(desk?.weeklyHours.sat).toEqual([{ start: '09:00', end: '21:00' }]);
    expect(desk?.weeklyHours.sun).toEqual([]);
  });

  it('uses the agreed SLA policies', () => {
    expect(config.sla.policies.critical).toEqual({
      acknowledgeMinutes: 120,
      resolveMinutes: 960,
      warnAt: 0.75,
      ladder: [
        { level: 'lead', afterMinutes: 0 },
        { level: 'manager', afterMinutes: 60 },
        { level: 'executive', afterMinutes: 120 },
      ],
    });
    expect(config.sla.policies.routine).toEqual({
      acknowledgeMinutes: 480,
      resolveMinutes: 2700,
      warnAt: 0.75,
      ladder: [
        { level: 'lead', afterMinutes: 0 },
        { level: 'manager', afterMinutes: 480 },
        { level: 'executive', afterMinutes: 1440 },
      ],
    });
  });

  it('routes by the agreed rules, with kebab-case rule ids', () => {
    const teamFor = (id: string) => config.routing.rules.find((r) => r.id === id)?.teamId;
    expect(teamFor('checkout-abandonment-to-orders')).toBe('orders');
    expect(teamFor('payment-to-orders')).toBe('orders');
    expect(teamFor('order-to-orders')).toBe('orders');
    expect(teamFor('pricing-to-pricing')).toBe('pricing');
    expect(teamFor('delivery-to-logistics')).toBe('logistics');
    expect(teamFor('shipping-problem-to-logistics')).toBe('logistics');
    expect(teamFor('usability-to-web')).toBe('web');
    expect(teamFor('site-hard-to-use-to-web')).toBe('web');
    expect(teamFor('account-creation-to-web')).toBe('web');
    expect(teamFor('support-chat-to-support')).toBe('support');
    for (const rule of [...config.routing.rules, ...config.severity.rules]) {
      expect(rule.id).toMatch(/^[a-z0-9]+(?:-[a-z0-9]+)*$/);
    }
  });

  it('makes checkout abandonment and payment feedback critical on NPS 0-6 or CSAT 1-2', () => {
    expect(config.severity.rules.map((r) => r.match)).toEqual([
      { touchpoints: ['checkout_abandonment'], score: { type: 'nps', min: 0, max: 6 } },
      { touchpoints: ['checkout_abandonment'], score: { type: 'csat', min: 1, max: 2 } },
      { categories: ['payment'], score: { type: 'nps', min: 0, max: 6 } },
      { categories: ['payment'], score: { type: 'csat', min: 1, max: 2 } },
    ]);
  });

  describe('the tokyo-office calendar', () => {
    const office = config.calendars.find((c) => c.id === 'tokyo-office');
    const holidays = office?.holidays ?? [];
    const byDate = new Map(holidays.map((h) => [h.date, h.name]));
    const national = holidays.filter((h) => h.name !== '年末年始休業');

    it('is Asia/Tokyo, Monday to Friday 09:00-18:00', () => {
      expect(office?.timeZone).toBe('Asia/Tokyo');
      for (const day of ['mon', 'tue', 'wed', 'thu', 'fri'] as const) {
        expect(office?.weeklyHours[day]).toEqual([{ start: '09:00', end: '18:00' }]);
      }
      expect(office?.weeklyHours.sat).toEqual([]);
      expect(office?.weeklyHours.sun).toEqual([]);
    });

    it.each([
      ['2026-01-12', '成人の日'],
      ['2026-03-20', '春分の日'],
      ['2026-05-06', '振替休日'],
      ['2026-07-20', '海の日'],
      ['2026-09-21', '敬老の日'],
      ['2026-09-22', '国民の休日'],
      ['2026-09-23', '秋分の日'],
      ['2026-10-12', 'スポーツの日'],
      ['2027-01-11', '成人の日'],
      ['2027-03-21', '春分の日'],
      ['2027-03-22', '振替休日'],
      ['2027-07-19', '海の日'],
      ['2027-09-20', '敬老の日'],
      ['2027-09-23', '秋分の日'],
      ['2027-10-11', 'スポーツの日'],
    ])('closes on %s (%s)', (date, name) => {
      expect(byDate.get(date)).toBe(name);
    });

    it('lists all 18 national holidays of 2026 and all 17 of 2027', () => {
      expect(national.filter((h) => h.date.startsWith('2026-'))).toHaveLength(18);
      expect(national.filter((h) => h.date.startsWith('2027-'))).toHaveLength(17);
    });

    it('has no duplicate dates', () => {
      expect(new Set(holidays.map((h) => h.date)).size).toBe(holidays.length);
    });

    it('puts Happy Monday holidays on Mondays', () => {
      const happyMonday = ['成人の日', '海の日', '敬老の日', 'スポーツの日'];
      const dates = national.filter((h) => happyMonday.includes(h.name)).map((h) => h.date);
      expect(dates).toHaveLength(8);
      for (const date of dates) expect(weekday(date), date).toBe(1);
    });

    it('follows every Sunday national holiday with a 振替休日 on the next weekday that is not a holiday', () => {
      const sundays = national.filter((h) => weekday(h.date) === 0).map((h) => h.date);
      expect(sundays).toEqual(['2026-05-03', '2027-03-21']);
      for (const sunday of sundays) {
        let next = addDays(sunday, 1);
        while (byDate.has(next) && byDate.get(next) !== '振替休日') next = addDays(next, 1);
        expect(byDate.get(next), `substitute for ${sunday}`).toBe('振替休日');
      }
    });

    it('puts substitute and citizens holidays on weekdays, never on a weekend', () => {
      for (const h of national.filter((x) => x.name === '振替休日' || x.name === '国民の休日')) {
        expect([0, 6], h.date).not.toContain(weekday(h.date));
      }
      // 国民の休日: a day sandwiched between two national holidays.
      expect(byDate.has('2026-09-21') && byDate.has('2026-09-23')).toBe(true);
    });

    it('closes for the company year-end break, 29 December to 3 January', () => {
      for (const date of ['2026-12-29', '2026-12-30', '2026-12-31', '2027-01-02', '2027-01-03']) {
        expect(byDate.get(date), date).toBe('年末年始休業');
      }
    });
  });
});

describe('defaults', () => {
  const config = parseConfig(minimal());

  it('keeps feedback for 730 days', () => {
    expect(config.service.retentionDays).toBe(730);
  });

  it('gives a site the built-in touchpoints unless it names its own, and refuses a repeated or malformed one', () => {
    const own = minimal();
    own.sites[0].touchpoints = ['store_visit', 'delivery'];
    const repeated = minimal();
    repeated.sites[0].touchpoints = ['delivery', 'delivery'];
    const malformed = minimal();
    malformed.sites[0].touchpoints = ['Store Visit'];

    expect(config.sites[0]?.touchpoints).toEqual([...knownTouchpoints]);
    expect(parseConfig(own).sites[0]?.touchpoints).toEqual(['store_visit', 'delivery']);
    expect(issuesOf(repeated)).toEqual([
      { path: 'sites[0].touchpoints', message: 'must not repeat a touchpoint' },
    ]);
    expect(issuesOf(malformed)).toEqual([
      { path: 'sites[0].touchpoints[0]', message: 'must be a lower-case slug (a-z, 0-9, _; at most 64)' },
    ]);
  });

  it('throttles at 50 requests per second with a burst of 100', () => {
    expect(config.service.throttle).toEqual({ rateLimit: 50, burstLimit: 100 });
  });

  it('fills a partly given throttle', () => {
    const input = minimal();
    input.service.throttle = { rateLimit: 10 };
    expect(parseConfig(input).service.throttle).toEqual({ rateLimit: 10, burstLimit: 100 });
  });

  it('has no ops email and no separate staff throttle unless given; validates both when given', () => {
    expect(config.service.opsEmail).toBeUndefined();
    expect(config.service.staffThrottle).toBeUndefined();
    const input = minimal();
    input.service.opsEmail = 'oncall@example.com';
    input.service.staffThrottle = { rateLimit: 5, burstLimit: 10 };
    const parsed = parseConfig(input);
    expect(parsed.service.opsEmail).toBe('oncall@example.com');
    expect(parsed.service.staffThrottle).toEqual({ rateLimit: 5, burstLimit: 10 });
    input.service.opsEmail = 'not an address';
    input.service.staffThrottle = { rateLimit: 5 };
    expect(issuesOf(input).map((i) => i.path)).toEqual(
      expect.arrayContaining(['service.opsEmail', 'service.staffThrottle.burstLimit']),
    );
  });

  it('warns at 75% of an SLA deadline', () => {
    expect(config.sla.policies.critical.warnAt).toBe(0.75);
    expect(config.sla.policies.routine.warnAt).toBe(0.75);
  });

  it('sends the follow-up survey after 7 days and closes unanswered ones 7 days later', () => {
    expect(config.sla.followUp).toEqual({ delayDays: 7, closeUnansweredAfterDays: 7 });
  });

  it('targets 60% acknowledged within 2h, 85% within 6h, 95% closed within 48h and loop closed within 72h', () => {
    expect(config.sla.targets).toEqual({
      acknowledgedWithin2h: 0.6,
      acknowledgedWithin6h: 0.85,
      closedWithin48h: 0.95,
      loopClosedWithin72h: 0.95,
    });
  });

  it('opens a case for negative ratings, critical feedback and comments with contact consent', () => {
    expect(config.casePolicy).toEqual({ negative: true, critical: true, commentWithConsent: true });
  });

  it('maps the standard reasons to categories', () => {
    expect(config.categories.reasons).toEqual({
      price_too_high: 'pricing',
      shipping_problem: 'delivery',
      payment_method_unavailable: 'payment',
      insufficient_product_info: 'product_info',
      site_hard_to_use: 'usability',
      other: 'other',
    });
    expect(config.categories.reasons).toEqual(DEFAULT_CATEGORY_REASONS);
  });

  it('has a ja/en keyword dictionary for every category', () => {
    const { keywords } = config.categories;
    expect(Object.keys(keywords).sort()).toEqual(
      ['account', 'delivery', 'order', 'payment', 'pricing', 'product_info', 'usability'].sort(),
    );
    expect(keywords).toEqual(DEFAULT_CATEGORY_KEYWORDS);
    const expected: Record<string, string[]> = {
      payment: ['支払', '決済', 'クレジットカード', 'payment', 'credit card'],
      delivery: ['配送', '届かない', '送料', 'delivery', 'shipping'],
      pricing: ['高い', '価格', 'expensive', 'price'],
      product_info: ['説明', 'サイズ', 'description', 'size'],
      usability: ['使いにくい', '分かりにくい', 'hard to use', 'confusing'],
      account: ['ログイン', 'パスワード', 'login', 'password'],
      order: ['注文', 'キャンセル', 'order', 'cancel'],
    };
    for (const [category, words] of Object.entries(expected)) {
      expect(keywords[category], category).toEqual(expect.arrayContaining(words));
    }
  });

  it('makes "charged twice", "cannot order" and "cannot log in" (ja and en) critical', () => {
    expect(config.severity.keywords).toEqual([
      '二重請求',
      'charged twice',
      '注文できない',
      'cannot order',
      'ログインできない',
      'cannot log in',
    ]);
    expect(config.severity.rules).toEqual([]);
  });

  it('has no routing rules (everything goes to the fallback team), no executives, and available members', () => {
    expect(config.routing.rules).toEqual([]);
    expect(config.executives).toEqual([]);
    expect(config.teams[0]?.members.every((m) => m.available)).toBe(true);
  });

  it('gives each parse its own copy of the default lists', () => {
    const a = parseConfig(minimal());
    a.severity.keywords.push('mutated');
    a.categories.keywords.payment?.push('mutated');
    const b = parseConfig(minimal());
    expect(b.severity.keywords).toEqual(DEFAULT_SEVERITY_KEYWORDS);
    expect(b.categories.keywords.payment).not.toContain('mutated');
  });

  it('replaces a default map as a whole when the file gives one', () => {
    const input = minimal();
    input.categories = { reasons: { too_slow: 'usability' } };
    const parsed = parseConfig(input);
    expect(parsed.categories.reasons).toEqual({ too_slow: 'usability' });
    expect(parsed.categories.keywords).toEqual(DEFAULT_CATEGORY_KEYWORDS);
  });
});

describe('cross-reference checks', () => {
  it('rejects a routing rule naming an unknown team', () => {
    const input = minimal();
    input.routing.rules = [{ id: 'to-nowhere', teamId: 'nope', match: {} }];
    expect(issuesOf(input)).toEqual([
      { path: 'routing.rules[0].teamId', message: expect.stringContaining('unknown team "nope"') },
    ]);
  });

  it('rejects an unknown fallback team', () => {
    const input = minimal();
    input.routing.fallbackTeamId = 'nobody';
    expect(issuesOf(input)).toEqual([
      { path: 'routing.fallbackTeamId', message: 'unknown team "nobody" (known: support)' },
    ]);
  });

  it('rejects a team whose calendar does not exist', () => {
    const input = minimal();
    input.teams[0].calendarId = 'osaka-office';
    expect(issuesOf(input)).toEqual([
      { path: 'teams[0].calendarId', message: 'unknown calendar "osaka-office" (known: tokyo-office)' },
    ]);
  });

  it('rejects a lead who is not a member of the team', () => {
    const input = minimal();
    input.teams[0].leadId = 'tanaka';
    expect(issuesOf(input)).toEqual([
      {
        path: 'teams[0].leadId',
        message: '"tanaka" is not a member of team "support" (known: matsumoto, inoue)',
      },
    ]);
  });

  it('rejects a manager who is not a member of the team (members of other teams do not count)', () => {
    const input = example();
    input.teams[1].managerId = 'sato'; // sato is in the web team, not orders
    expect(issuesOf(input)).toEqual([
      { path: 'teams[1].managerId', message: expect.stringContaining('"sato"') },
    ]);
  });

  it.each([
    ['sites', 'sites', 'duplicate site id "shop-jp" (also sites[0])'],
    ['calendars', 'calendars', 'duplicate calendar id "tokyo-office" (also calendars[0])'],
    ['teams', 'teams', 'duplicate team id "web" (also teams[0])'],
    [
      'routing rules',
      'routing.rules',
      'duplicate rule id "checkout-abandonment-to-orders" (also routing.rules[0])',
    ],
    [
      'severity rules',
      'severity.rules',
      'duplicate rule id "checkout-abandonment-nps-detractor" (also severity.rules[0])',
    ],
  ])('rejects duplicate ids among %s (%s[1].id)', (_what, listPath, message) => {
    const input = example();
    const items: { id: string }[] = listPath.split('.').reduce((node, key) => node[key], input);
    items[1] = { ...items[1], id: items[0]?.id ?? '' };
    // The renamed item may leave other references dangling; the duplicate is what matters here.
    expect(issuesOf(input)).toContainEqual({ path: `${listPath}[1].id`, message });
  });

  it('rejects duplicate member ids within a team', () => {
    const input = minimal();
    input.teams[0].members[1].id = 'matsumoto';
    input.teams[0].managerId = 'matsumoto';
    expect(issuesOf(input)).toEqual([
      { path: 'teams[0].members[1].id', message: 'duplicate member id "matsumoto" (also members[0])' },
    ]);
  });

  it('allows the same person (member id) in two teams', () => {
    const input = example();
    input.teams[1].members.push({ ...input.teams[0].members[0] });
    expect(() => parseConfig(input)).not.toThrow();
  });

  it('rejects a holiday date that does not exist', () => {
    const input = minimal();
    input.calendars[0].holidays = [{ date: '2026-02-30', name: '存在しない日' }];
    expect(issuesOf(input)).toEqual([
      {
        path: 'calendars[0].holidays[0].date',
        message: 'must be an existing date YYYY-MM-DD (got "2026-02-30")',
      },
    ]);
  });

  it('rejects a holiday date in another format', () => {
    const input = minimal();
    input.calendars[0].holidays = [{ date: '2026/01/01', name: '元日' }];
    expect(issuesOf(input).map((i) => i.path)).toEqual(['calendars[0].holidays[0].date']);
  });

  it('rejects a time zone that is not an IANA zone', () => {
    const input = minimal();
    input.calendars[0].timeZone = 'Asia/Tokio';
    expect(issuesOf(input)).toEqual([
      { path: 'calendars[0].timeZone', message: 'unknown IANA time zone "Asia/Tokio" (e.g. "Asia/Tokyo")' },
    ]);
  });

  it('requires at least one site', () => {
    const input = minimal();
    input.sites = [];
    expect(issuesOf(input)).toEqual([{ path: 'sites', message: 'needs at least one site' }]);
  });

  it('requires at least one team', () => {
    const input = minimal();
    input.teams = [];
    expect(issuesOf(input)).toEqual([
      { path: 'teams', message: 'needs at least one team' },
      // ...and then the fallback team cannot exist either.
      { path: 'routing.fallbackTeamId', message: 'unknown team "support" (none defined)' },
    ]);
  });

  it('requires executives when a ladder climbs to the executive level', () => {
    const input = example();
    input.executives = [];
    expect(issuesOf(input)).toEqual([
      {
        path: 'sla.policies.critical.ladder[2].level',
        message: 'an "executive" step needs at least one entry in executives',
      },
      {
        path: 'sla.policies.routine.ladder[2].level',
        message: 'an "executive" step needs at least one entry in executives',
      },
    ]);
  });
});

describe('field checks', () => {
  it('rejects unknown keys, naming each one where it sits', () => {
    const input = example();
    input.servce = {};
    input.teams[2].members[0].nickname = 'Yumi';
    input.routing.rules[0].match.touchpoint = ['checkout_abandonment'];
    expect(issuesOf(input)).toEqual([
      { path: 'teams[2].members[0].nickname', message: 'unknown key' },
      { path: 'routing.rules[0].match.touchpoint', message: 'unknown key' },
      { path: 'servce', message: 'unknown key' },
    ]);
  });

  it('rejects "severities" in a severity rule (severity rules decide severity)', () => {
    const input = example();
    input.severity.rules[0].match.severities = ['critical'];
    expect(issuesOf(input)).toEqual([{ path: 'severity.rules[0].match.severities', message: 'unknown key' }]);
  });

  it('names missing required fields', () => {
    const input = minimal();
    delete input.service.senderEmail;
    delete input.routing;
    expect(issuesOf(input)).toEqual([
      { path: 'service.senderEmail', message: 'required' },
      { path: 'routing', message: 'required' },
    ]);
  });

  it('rejects a site key hash that is not a sha256 hex digest', () => {
    const input = minimal();
    input.sites[0].siteKeyHash = 'sk_local_shop-jp';
    expect(issuesOf(input).map((i) => i.path)).toEqual(['sites[0].siteKeyHash']);
  });

  it('takes one or two hashes per key (two during a rotation) and refuses a third', () => {
    const hash = (c: string) => c.repeat(64);
    const input = minimal();
    input.sites[0].siteKeyHash = [hash('a'), hash('b')];
    expect(siteKeyHashesOf(parseConfig(input).sites[0]!)).toEqual([hash('a'), hash('b')]);
    input.sites[0].siteKeyHash = [hash('a'), hash('b'), hash('c')];
    input.sites[0].serverKeyHash = [hash('d'), hash('e'), hash('f')];
    expect(issuesOf(input)).toEqual([
      { path: 'sites[0].siteKeyHash', message: expect.stringContaining('at most two hashes') },
      { path: 'sites[0].serverKeyHash', message: expect.stringContaining('at most two hashes') },
    ]);
  });

  it('rotates the link secret every 90 days unless told, and never more often than its longest link lives', () => {
    const input = minimal();
    expect(parseConfig(input).service.linkSecretRotationDays).toBe(90);
    input.service.linkSecretRotationDays = 29;
    expect(issuesOf(input)).toEqual([
      { path: 'service.linkSecretRotationDays', message: expect.stringContaining('at least 30 days') },
    ]);
  });

  it('rejects an origin with a path or trailing slash', () => {
    const input = minimal();
    input.sites[0].origins = ['https://shop.example.jp/', 'https://shop.example.jp/cart'];
    expect(issuesOf(input).map((i) => i.path)).toEqual(['sites[0].origins[0]', 'sites[0].origins[1]']);
  });

  it('accepts only the locales ja and en', () => {
    const input = minimal();
    input.sites[0].defaultLocale = 'fr';
    input.teams[0].members[0].locale = 'jp';
    expect(issuesOf(input).map((i) => i.path)).toEqual([
      'sites[0].defaultLocale',
      'teams[0].members[0].locale',
    ]);
  });

  it('rejects badly formed opening hours and accepts 24:00 and overnight intervals', () => {
    const input = minimal();
    input.calendars[0].weeklyHours.mon = [{ start: '9:00', end: '25:00' }];
    expect(issuesOf(input).map((i) => i.path)).toEqual([
      'calendars[0].weeklyHours.mon[0].start',
      'calendars[0].weeklyHours.mon[0].end',
    ]);
    const ok = minimal();
    ok.calendars[0].weeklyHours.sat = [{ start: '18:00', end: '24:00' }];
    ok.calendars[0].weeklyHours.sun = [{ start: '22:00', end: '06:00' }];
    expect(() => parseConfig(ok)).not.toThrow();
  });

  it('rejects a calendar that is never open', () => {
    const input = minimal();
    input.calendars[0].weeklyHours = {};
    expect(issuesOf(input)).toEqual([
      {
        path: 'calendars[0].weeklyHours',
        message: 'needs at least one opening interval (SLA clocks would never run)',
      },
    ]);
  });

  it('requires durations to be positive integers', () => {
    const input = minimal();
    input.sla.policies.critical.acknowledgeMinutes = 0;
    input.sla.policies.routine.resolveMinutes = 90.5;
    input.service.retentionDays = -1;
    expect(issuesOf(input).map((i) => i.path)).toEqual([
      'service.retentionDays',
      'sla.policies.critical.acknowledgeMinutes',
      'sla.policies.routine.resolveMinutes',
    ]);
  });

  it('rejects a resolve deadline shorter than the acknowledge deadline', () => {
    const input = minimal();
    input.sla.policies.routine.resolveMinutes = 60;
    expect(issuesOf(input)).toEqual([
      { path: 'sla.policies.routine.resolveMinutes', message: 'must be >= acknowledgeMinutes (480)' },
    ]);
  });

  it('rejects a ladder that repeats a level or goes back in time', () => {
    const input = example();
    input.sla.policies.critical.ladder = [
      { level: 'lead', afterMinutes: 0 },
      { level: 'manager', afterMinutes: 60 },
      { level: 'manager', afterMinutes: 30 },
    ];
    expect(issuesOf(input)).toEqual([
      {
        path: 'sla.policies.critical.ladder[2].level',
        message: 'duplicate level "manager" (also ladder[1])',
      },
      {
        path: 'sla.policies.critical.ladder[2].afterMinutes',
        message: "must be >= the previous step's afterMinutes (60)",
      },
    ]);
  });

  it('rejects a warnAt outside (0, 1) and targets outside [0, 1]', () => {
    const input = minimal();
    input.sla.policies.critical.warnAt = 1;
    input.sla.targets = { closedWithin48h: 95 };
    expect(issuesOf(input).map((i) => i.path)).toEqual([
      'sla.policies.critical.warnAt',
      'sla.targets.closedWithin48h',
    ]);
  });

  it('rejects a score range outside its rating scale or upside down', () => {
    const input = example();
    input.severity.rules[0].match.score = { type: 'nps', min: 0, max: 11 };
    input.severity.rules[1].match.score = { type: 'csat', min: 4, max: 2 };
    expect(issuesOf(input)).toEqual([
      { path: 'severity.rules[0].match.score.max', message: 'must be within the nps scale 0..10' },
      { path: 'severity.rules[1].match.score.max', message: 'must be >= min (4)' },
    ]);
  });

  it('rejects an empty list in a match (it could never match; omit the field instead)', () => {
    const input = example();
    input.routing.rules[0].match.channels = [];
    expect(issuesOf(input)).toEqual([
      { path: 'routing.rules[0].match.channels', message: 'must not be empty (omit it instead)' },
    ]);
  });

  it('accepts an empty match (it matches everything)', () => {
    const input = minimal();
    input.routing.rules = [{ id: 'catch-all', teamId: 'support', match: {} }];
    expect(parseConfig(input).routing.rules[0]?.match).toEqual({});
  });
});

describe('ConfigError', () => {
  it('lists several problems at once, one "<path>: <reason>" line each', () => {
    const input = example();
    input.routing.rules[0].teamId = 'nope';
    input.teams[0].leadId = 'ghost';
    input.calendars[0].timeZone = 'Tokyo';
    input.calendars[0].holidays[0].date = '2026-13-01';
    input.sites[0].extra = true;
    let error: unknown;
    try {
      parseConfig(input);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toBeInstanceOf(Error);
    const configError = error as ConfigError;
    expect(configError.name).toBe('ConfigError');
    expect(configError.issues.map((i) => i.path)).toEqual([
      'sites[0].extra',
      'calendars[0].timeZone',
      'calendars[0].holidays[0].date',
      'teams[0].leadId',
      'routing.rules[0].teamId',
    ]);
    const lines = configError.message.split('\n');
    expect(lines[0]).toBe('Invalid config (5 problems):');
    expect(lines.slice(1)).toEqual(configError.issues.map((i) => `${i.path}: ${i.message}`));
    expect(configError.message).toContain('routing.rules[0].teamId: unknown team "nope"');
  });

  it('names the source when parsing one', () => {
    expect(() => parseConfig({}, 'my.json')).toThrow(
      /^Invalid config in my\.json \(\d+ problems\):\nservice: required/,
    );
  });
});

describe('formatPath', () => {
  it.each([
    [[], '(root)'],
    [['routing', 'rules', 0, 'teamId'], 'routing.rules[0].teamId'],
    [['teams', 2, 'members', 10, 'id'], 'teams[2].members[10].id'],
    [['categories', 'keywords', 'product_info'], 'categories.keywords.product_info'],
    [['match', 'context', 'order-id'], 'match.context["order-id"]'],
    [[0], '[0]'],
  ] as [(string | number)[], string][])('formats %j as %s', (path, expected) => {
    expect(formatPath(path)).toBe(expected);
  });
});

describe('loading', () => {
  const dir = mkdtempSync(join(tmpdir(), 'closeloop-config-'));

  it('loads a file', () => {
    expect(loadConfigFile(FIXTURE_PATH).teams[0]?.id).toBe('support');
  });

  it('turns a JSON syntax error into a ConfigError naming the file', () => {
    const path = join(dir, 'broken.json');
    writeFileSync(path, '{ "service": { "name": "x", } }');
    expect(() => loadConfigFile(path)).toThrow(ConfigError);
    expect(() => loadConfigFile(path)).toThrow(`${path} is not valid JSON`);
  });

  it('turns a missing file into a ConfigError naming the file', () => {
    const path = join(dir, 'missing.json');
    expect(() => loadConfigFile(path)).toThrow(ConfigError);
    expect(() => loadConfigFile(path)).toThrow(`cannot read ${path}`);
  });

  it('names the file in validation errors', () => {
    const path = join(dir, 'invalid.json');
    writeFileSync(path, JSON.stringify({ ...minimal(), sites: [] }));
    expect(() => loadConfigFile(path)).toThrow(
      `Invalid config in ${path} (1 problem):\nsites: needs at least one site`,
    );
  });

  it('reads the config synth baked in (validated, defaults applied) from CLOSELOOP_CONFIG_JSON', () => {
    const validated = loadConfigFile(EXAMPLE_PATH);
    expect(bakedConfig({ CLOSELOOP_CONFIG_JSON: JSON.stringify(validated) })).toEqual(validated);
  });

  it('fails clearly when CLOSELOOP_CONFIG_JSON is missing or not JSON', () => {
    expect(() => bakedConfig({})).toThrow(MissingConfigError);
    expect(() => bakedConfig({})).toThrow('CLOSELOOP_CONFIG_JSON is not set');
    expect(() => bakedConfig({ CLOSELOOP_CONFIG_JSON: 'closeloop.config.json' })).toThrow(
      'CLOSELOOP_CONFIG_JSON is not valid JSON',
    );
  });

  it('resolves the config path: CLOSELOOP_CONFIG, else closeloop.config.json if present, else the example', () => {
    expect(resolveConfigPath({ CLOSELOOP_CONFIG: 'custom.json' })).toBe('custom.json');
    const cwd = process.cwd();
    const project = mkdtempSync(join(tmpdir(), 'closeloop-cwd-'));
    try {
      process.chdir(project);
      expect(resolveConfigPath({})).toBe('closeloop.config.example.json');
      writeFileSync('closeloop.config.json', '{}');
      expect(resolveConfigPath({})).toBe('closeloop.config.json');
    } finally {
      process.chdir(cwd);
    }
  });
});
