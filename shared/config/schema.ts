/**
 * The Closeloop config file (see closeloop.config.example.json and docs/config.md).
 * Every object is strict: an unknown key is an error, so a typo never silently disables a setting.
 * Pure: no AWS SDK, no I/O. Parse through `parseConfig` (load.ts) to get readable errors.
 */
import * as z from 'zod';
import {
  DEFAULT_CASE_POLICY,
  DEFAULT_CATEGORY_KEYWORDS,
  DEFAULT_CATEGORY_REASONS,
  DEFAULT_FOLLOW_UP,
  DEFAULT_INTAKE,
  DEFAULT_RETENTION_DAYS,
  DEFAULT_SEVERITY_KEYWORDS,
  DEFAULT_TARGETS,
  DEFAULT_THROTTLE,
  DEFAULT_WARN_AT,
} from './defaults.ts';

// ---------------------------------------------------------------------------------------------
// Vocabulary shared with the public contract
// ---------------------------------------------------------------------------------------------

export const LOCALES = ['ja', 'en'] as const;
export const localeSchema = z.enum(LOCALES);
export type Locale = z.infer<typeof localeSchema>;

export const SEVERITIES = ['critical', 'routine'] as const;
export const severitySchema = z.enum(SEVERITIES);
export type Severity = z.infer<typeof severitySchema>;

export const CHANNELS = ['web', 'app', 'email', 'chat', 'sms', 'kiosk', 'qr', 'phone'] as const;
export const channelSchema = z.enum(CHANNELS);
export type Channel = z.infer<typeof channelSchema>;

/** Inclusive score range of each rating type. */
export const RATING_SCALES = {
  nps: { min: 0, max: 10 },
  csat: { min: 1, max: 5 },
  ces: { min: 1, max: 7 },
  thumbs: { min: 0, max: 1 },
} as const;
export type RatingType = keyof typeof RATING_SCALES;
export const ratingTypeSchema = z.enum(Object.keys(RATING_SCALES) as [RatingType, ...RatingType[]]);

export const ASSIGNMENTS = ['round_robin', 'fewest_open'] as const;
export type Assignment = (typeof ASSIGNMENTS)[number];

export const LADDER_LEVELS = ['lead', 'manager', 'executive'] as const;
export type LadderLevel = (typeof LADDER_LEVELS)[number];

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

// ---------------------------------------------------------------------------------------------
// Scalars
// ---------------------------------------------------------------------------------------------

/** A custom message that leaves a missing value to the parse-level "required" message. */
const unlessMissing = (message: string) => ({
  error: (issue: { input?: unknown }) => (issue.input === undefined ? undefined : message),
});

const ID_PATTERN = /^[a-z0-9]+(?:[-_][a-z0-9]+)*$/;
/** Ids and slugs: lower case letters and digits, single `-` or `_` between them (`shop-jp`, `price_too_high`). */
const idSchema = z
  .string()
  .max(64, 'must be at most 64 characters')
  .regex(ID_PATTERN, 'must be lower case letters and digits separated by single "-" or "_"');

const nameSchema = z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters');
const emailSchema = z.email(unlessMissing('must be an email address'));
const positiveInt = z.int(unlessMissing('must be an integer')).positive('must be a positive integer');
const share = z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1');
const keywordSchema = z.string().trim().min(1, 'must not be empty');

/** True if `date` is an existing calendar day written as YYYY-MM-DD. */
export function isIsoDate(date: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = new Date(Date.UTC(y, mo - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d;
}

/** True if the runtime knows `timeZone` as an IANA zone (e.g. "Asia/Tokyo"). */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat(undefined, { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** An allowed browser origin: scheme + host (+ port), no path, no trailing slash. */
const originSchema = z.string().refine(
  (value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value;
    } catch {
      return false;
    }
  },
  { error: (iss) => `must be an origin like "https://shop.example.jp" (got ${JSON.stringify(iss.input)})` },
);

const httpUrlSchema = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

// ---------------------------------------------------------------------------------------------
// Service, sites
// ---------------------------------------------------------------------------------------------

export const serviceSchema = z.strictObject({
  name: nameSchema,
  /** SES identity used as From. */
  senderEmail: emailSchema,
  /** Base for links in emails (actions, follow-up survey, unsubscribe). */
  publicBaseUrl: httpUrlSchema.optional(),
  /** Optional: subscribed (by email, confirmed by the recipient) to the ops topic every alarm notifies. */
  opsEmail: emailSchema.optional(),
  /** Feedback TTL in days. */
  retentionDays: positiveInt.default(DEFAULT_RETENTION_DAYS),
  /** Per-route API throttling; above it the API answers 429. */
  throttle: z
    .strictObject({
      rateLimit: positiveInt.default(DEFAULT_THROTTLE.rateLimit),
      burstLimit: positiveInt.default(DEFAULT_THROTTLE.burstLimit),
    })
    .prefault({}),
  /** Throttling of each staff (JWT) route. @default the same as `throttle` */
  staffThrottle: z.strictObject({ rateLimit: positiveInt, burstLimit: positiveInt }).optional(),
});

const keyHashSchema = z
  .string()
  .regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex characters (sha256 of the site key)');

/** One key hash, or two during a rotation (the new key's and the old one's). */
const keyHashesSchema = z.union([
  keyHashSchema,
  z.array(keyHashSchema).min(1, 'needs at least one hash').max(2, 'at most two hashes (during a rotation)'),
]);

export const siteSchema = z.strictObject({
  id: idSchema,
  name: nameSchema,
  origins: z.array(originSchema).min(1, 'needs at least one origin'),
  /**
   * sha256 of the public site key, 64 lower-case hex characters; the key itself never sits in
   * config. During a rotation, a list of two: the new key's hash and the old one's.
   */
  siteKeyHash: keyHashesSchema,
  /**
   * sha256 of the secret server key (shop backends, `X-Server-Key`), the same way; the key's
   * plaintext lives in Secrets Manager (one secret per site). No server key when absent.
   */
  serverKeyHash: keyHashesSchema.optional(),
  defaultLocale: localeSchema,
  /** Optional bot check on the public key (Cloudflare Turnstile); off when absent. */
  botCheck: z
    .strictObject({
      kind: z.literal('turnstile'),
      /** Turnstile's public site key, rendered by the widget. */
      siteKey: z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters'),
      /** Secrets Manager name of the Turnstile secret key (in AWS). */
      secretName: z.string().trim().min(1, 'must not be empty').max(512, 'must be at most 512 characters'),
    })
    .optional(),
});

/** Every configured key hash of a site (one, or two during a rotation). */
export const siteKeyHashesOf = (site: Pick<Site, 'siteKeyHash'>): string[] => hashesOf(site.siteKeyHash);

/** Every configured server key hash of a site (none when it has no server key). */
export const serverKeyHashesOf = (site: Pick<Site, 'serverKeyHash'>): string[] =>
  hashesOf(site.serverKeyHash);

const hashesOf = (hashes: string | string[] | undefined): string[] =>
  hashes === undefined ? [] : typeof hashes === 'string' ? [hashes] : hashes;

export const intakeSchema = z
  .strictObject({
    limits: z
      .strictObject({
        /** Public-key requests per client address per minute; above it 429 + Retry-After. */
        perClientPerMinute: positiveInt.default(DEFAULT_INTAKE.perClientPerMinute),
        /** Server-key requests per site per minute (not limited per client). */
        serverPerSitePerMinute: positiveInt.default(DEFAULT_INTAKE.serverPerSitePerMinute),
      })
      .prefault({}),
    /** Double opt-in emails per site per hour; above it confirmations wait for the next hour. */
    confirmationsPerSitePerHour: positiveInt.default(DEFAULT_INTAKE.confirmationsPerSitePerHour),
  })
  .prefault({});
export type Site = z.infer<typeof siteSchema>;

// ---------------------------------------------------------------------------------------------
// Business calendars
// ---------------------------------------------------------------------------------------------

const START_PATTERN = /^(?:[01]\d|2[0-3]):[0-5]\d$/;
const END_PATTERN = /^(?:(?:[01]\d|2[0-3]):[0-5]\d|24:00)$/;

/**
 * Opening interval in the calendar's local time. `end` may be "24:00"; an interval whose
 * end <= start runs past midnight into the next day.
 */
export const intervalSchema = z.strictObject({
  start: z.string().regex(START_PATTERN, 'must be a time HH:MM between 00:00 and 23:59'),
  end: z.string().regex(END_PATTERN, 'must be a time HH:MM between 00:00 and 24:00'),
});
export type Interval = z.infer<typeof intervalSchema>;

const dayHoursSchema = z.array(intervalSchema).default([]);

export const weeklyHoursSchema = z
  .strictObject({
    mon: dayHoursSchema,
    tue: dayHoursSchema,
    wed: dayHoursSchema,
    thu: dayHoursSchema,
    fri: dayHoursSchema,
    sat: dayHoursSchema,
    sun: dayHoursSchema,
  })
  .refine((week) => WEEKDAYS.some((day) => week[day].length > 0), {
    error: 'needs at least one opening interval (SLA clocks would never run)',
  });
export type WeeklyHours = z.infer<typeof weeklyHoursSchema>;

export const holidaySchema = z.strictObject({
  date: z.string().refine(isIsoDate, {
    error: (iss) => `must be an existing date YYYY-MM-DD (got ${JSON.stringify(iss.input)})`,
  }),
  name: nameSchema,
});
export type Holiday = z.infer<typeof holidaySchema>;

export const calendarSchema = z.strictObject({
  id: idSchema,
  timeZone: z.string().refine(isValidTimeZone, {
    error: (iss) => `unknown IANA time zone ${JSON.stringify(iss.input)} (e.g. "Asia/Tokyo")`,
  }),
  weeklyHours: weeklyHoursSchema,
  /** Whole days closed, in the calendar's time zone. */
  holidays: z.array(holidaySchema).default([]),
});
export type Calendar = z.infer<typeof calendarSchema>;

// ---------------------------------------------------------------------------------------------
// Teams, executives
// ---------------------------------------------------------------------------------------------

export const memberSchema = z.strictObject({
  id: idSchema,
  name: nameSchema,
  email: emailSchema,
  locale: localeSchema,
  /** Unavailable members keep their cases but get no new assignments. */
  available: z.boolean().default(true),
});
export type Member = z.infer<typeof memberSchema>;

export const teamSchema = z.strictObject({
  id: idSchema,
  name: nameSchema,
  inboxEmail: emailSchema,
  calendarId: idSchema,
  assignment: z.enum(ASSIGNMENTS),
  members: z.array(memberSchema).min(1, 'needs at least one member'),
  /** Member id of this team: second rung of the escalation ladder. */
  leadId: idSchema,
  /** Member id of this team: third rung of the escalation ladder. */
  managerId: idSchema,
});
export type Team = z.infer<typeof teamSchema>;

export const executiveSchema = z.strictObject({
  name: nameSchema,
  email: emailSchema,
  locale: localeSchema,
});
export type Executive = z.infer<typeof executiveSchema>;

// ---------------------------------------------------------------------------------------------
// Matching, categories, routing, severity
// ---------------------------------------------------------------------------------------------

export const scoreRangeSchema = z
  .strictObject({
    type: ratingTypeSchema,
    min: z.int(unlessMissing('must be an integer')),
    max: z.int(unlessMissing('must be an integer')),
  })
  .superRefine((range, ctx) => {
    const scale = RATING_SCALES[range.type];
    for (const key of ['min', 'max'] as const) {
      if (range[key] < scale.min || range[key] > scale.max) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `must be within the ${range.type} scale ${scale.min}..${scale.max}`,
        });
      }
    }
    if (range.min > range.max) {
      ctx.addIssue({ code: 'custom', path: ['max'], message: `must be >= min (${range.min})` });
    }
  });
export type ScoreRange = z.infer<typeof scoreRangeSchema>;

const nonEmptyList = <T extends z.ZodType>(item: T) =>
  z.array(item).min(1, 'must not be empty (omit it instead)');

/**
 * Every present field must match (lists match if any entry matches); an empty match matches
 * everything. `severities` is for routing rules only.
 */
export const matchSchema = z.strictObject({
  touchpoints: nonEmptyList(idSchema).optional(),
  channels: nonEmptyList(channelSchema).optional(),
  categories: nonEmptyList(idSchema).optional(),
  reasons: nonEmptyList(idSchema).optional(),
  /** Any of these found in the comment. */
  keywords: nonEmptyList(keywordSchema).optional(),
  /** Rating type and inclusive score range. */
  score: scoreRangeSchema.optional(),
  /** Context field -> allowed values (e.g. `{ "sku": ["SKU-1"] }`). */
  context: z.record(z.string().min(1), nonEmptyList(z.string())).optional(),
  severities: nonEmptyList(severitySchema).optional(),
});
export type Match = z.infer<typeof matchSchema>;

export const routingRuleSchema = z.strictObject({
  id: idSchema,
  teamId: idSchema,
  match: matchSchema,
});
export type RoutingRule = z.infer<typeof routingRuleSchema>;

/** Severity rules decide severity, so they cannot match on it. */
export const severityMatchSchema = matchSchema.omit({ severities: true });
export type SeverityMatch = z.infer<typeof severityMatchSchema>;

export const severityRuleSchema = z.strictObject({
  id: idSchema,
  match: severityMatchSchema,
});
export type SeverityRule = z.infer<typeof severityRuleSchema>;

export const categoriesSchema = z
  .strictObject({
    /** Reason slug -> category. */
    reasons: z.record(idSchema, idSchema).default(() => ({ ...DEFAULT_CATEGORY_REASONS })),
    /** Category -> ja/en keywords searched in the comment. */
    keywords: z
      .record(idSchema, z.array(keywordSchema))
      .default(() =>
        Object.fromEntries(Object.entries(DEFAULT_CATEGORY_KEYWORDS).map(([k, words]) => [k, [...words]])),
      ),
  })
  .prefault({});
export type Categories = z.infer<typeof categoriesSchema>;

export const routingSchema = z.strictObject({
  /** Ordered; the first matching rule wins. */
  rules: z.array(routingRuleSchema).default([]),
  fallbackTeamId: idSchema,
});
export type Routing = z.infer<typeof routingSchema>;

export const severityConfigSchema = z
  .strictObject({
    /** A comment containing any of these is critical. */
    keywords: z.array(keywordSchema).default(() => [...DEFAULT_SEVERITY_KEYWORDS]),
    /** A feedback matching any rule is critical. */
    rules: z.array(severityRuleSchema).default([]),
  })
  .prefault({});
export type SeverityConfig = z.infer<typeof severityConfigSchema>;

export const casePolicySchema = z
  .strictObject({
    /** Detractors (NPS 0-6), negative CSAT (1-2) and other negative ratings. */
    negative: z.boolean().default(DEFAULT_CASE_POLICY.negative),
    /** Every critical feedback. */
    critical: z.boolean().default(DEFAULT_CASE_POLICY.critical),
    /** Any comment whose author consented to be contacted. */
    commentWithConsent: z.boolean().default(DEFAULT_CASE_POLICY.commentWithConsent),
  })
  .prefault({});
export type CasePolicy = z.infer<typeof casePolicySchema>;

// ---------------------------------------------------------------------------------------------
// SLA (minutes are business minutes on the owning team's calendar)
// ---------------------------------------------------------------------------------------------

export const ladderStepSchema = z.strictObject({
  level: z.enum(LADDER_LEVELS),
  /** Business minutes after the deadline is missed. */
  afterMinutes: z.int(unlessMissing('must be an integer')).nonnegative('must be 0 or more'),
});
export type LadderStep = z.infer<typeof ladderStepSchema>;

export const slaPolicySchema = z
  .strictObject({
    acknowledgeMinutes: positiveInt,
    resolveMinutes: positiveInt,
    /** Fraction of the deadline after which a pre-breach warning goes out. */
    warnAt: z
      .number()
      .gt(0, 'must be between 0 and 1 (exclusive)')
      .lt(1, 'must be between 0 and 1 (exclusive)')
      .default(DEFAULT_WARN_AT),
    ladder: z.array(ladderStepSchema).min(1, 'needs at least one step'),
  })
  .superRefine((policy, ctx) => {
    if (policy.resolveMinutes < policy.acknowledgeMinutes) {
      ctx.addIssue({
        code: 'custom',
        path: ['resolveMinutes'],
        message: `must be >= acknowledgeMinutes (${policy.acknowledgeMinutes})`,
      });
    }
    const seen = new Map<string, number>();
    policy.ladder.forEach((step, i) => {
      const first = seen.get(step.level);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['ladder', i, 'level'],
          message: `duplicate level "${step.level}" (also ladder[${first}])`,
        });
      } else {
        seen.set(step.level, i);
      }
      const previous = policy.ladder[i - 1];
      if (previous && step.afterMinutes < previous.afterMinutes) {
        ctx.addIssue({
          code: 'custom',
          path: ['ladder', i, 'afterMinutes'],
          message: `must be >= the previous step's afterMinutes (${previous.afterMinutes})`,
        });
      }
    });
  });
export type SlaPolicy = z.infer<typeof slaPolicySchema>;

export const slaSchema = z.strictObject({
  policies: z.strictObject({ critical: slaPolicySchema, routine: slaPolicySchema }),
  followUp: z
    .strictObject({
      /** Days after resolution before the follow-up survey goes out. */
      delayDays: positiveInt.default(DEFAULT_FOLLOW_UP.delayDays),
      /** Days without an answer after which the case closes. */
      closeUnansweredAfterDays: positiveInt.default(DEFAULT_FOLLOW_UP.closeUnansweredAfterDays),
    })
    .prefault({}),
  targets: z
    .strictObject({
      acknowledgedWithin2h: share.default(DEFAULT_TARGETS.acknowledgedWithin2h),
      acknowledgedWithin6h: share.default(DEFAULT_TARGETS.acknowledgedWithin6h),
      closedWithin48h: share.default(DEFAULT_TARGETS.closedWithin48h),
      loopClosedWithin72h: share.default(DEFAULT_TARGETS.loopClosedWithin72h),
    })
    .prefault({}),
});
export type Sla = z.infer<typeof slaSchema>;

// ---------------------------------------------------------------------------------------------
// The whole file
// ---------------------------------------------------------------------------------------------

type Path = (string | number)[];

/** Reports every repeated `id` in `items` at `[...at, index, 'id']`. */
function checkUnique(
  ctx: z.RefinementCtx,
  items: readonly { id: string }[],
  at: Path,
  what: string,
  label = at.join('.'),
): void {
  const first = new Map<string, number>();
  items.forEach((item, i) => {
    const j = first.get(item.id);
    if (j === undefined) {
      first.set(item.id, i);
    } else {
      ctx.addIssue({
        code: 'custom',
        path: [...at, i, 'id'],
        message: `duplicate ${what} id "${item.id}" (also ${label}[${j}])`,
      });
    }
  });
}

function known(ids: Iterable<string>): string {
  const list = [...ids];
  return list.length ? `known: ${list.join(', ')}` : 'none defined';
}

export const configSchema = z
  .strictObject({
    service: serviceSchema,
    sites: z.array(siteSchema).min(1, 'needs at least one site'),
    intake: intakeSchema,
    calendars: z.array(calendarSchema).min(1, 'needs at least one calendar'),
    teams: z.array(teamSchema).min(1, 'needs at least one team'),
    /** Last rung of the escalation ladder. */
    executives: z.array(executiveSchema).default([]),
    categories: categoriesSchema,
    routing: routingSchema,
    severity: severityConfigSchema,
    casePolicy: casePolicySchema,
    sla: slaSchema,
  })
  .superRefine((config, ctx) => {
    checkUnique(ctx, config.sites, ['sites'], 'site');
    checkUnique(ctx, config.calendars, ['calendars'], 'calendar');
    checkUnique(ctx, config.teams, ['teams'], 'team');
    checkUnique(ctx, config.routing.rules, ['routing', 'rules'], 'rule');
    checkUnique(ctx, config.severity.rules, ['severity', 'rules'], 'rule');

    const calendarIds = new Set(config.calendars.map((c) => c.id));
    const teamIds = new Set(config.teams.map((t) => t.id));

    config.teams.forEach((team, t) => {
      checkUnique(ctx, team.members, ['teams', t, 'members'], 'member', 'members');
      if (!calendarIds.has(team.calendarId)) {
        ctx.addIssue({
          code: 'custom',
          path: ['teams', t, 'calendarId'],
          message: `unknown calendar "${team.calendarId}" (${known(calendarIds)})`,
        });
      }
      const memberIds = new Set(team.members.map((m) => m.id));
      for (const key of ['leadId', 'managerId'] as const) {
        if (!memberIds.has(team[key])) {
          ctx.addIssue({
            code: 'custom',
            path: ['teams', t, key],
            message: `"${team[key]}" is not a member of team "${team.id}" (${known(memberIds)})`,
          });
        }
      }
    });

    config.routing.rules.forEach((rule, r) => {
      if (!teamIds.has(rule.teamId)) {
        ctx.addIssue({
          code: 'custom',
          path: ['routing', 'rules', r, 'teamId'],
          message: `unknown team "${rule.teamId}" (${known(teamIds)})`,
        });
      }
    });
    if (!teamIds.has(config.routing.fallbackTeamId)) {
      ctx.addIssue({
        code: 'custom',
        path: ['routing', 'fallbackTeamId'],
        message: `unknown team "${config.routing.fallbackTeamId}" (${known(teamIds)})`,
      });
    }

    if (config.executives.length === 0) {
      for (const severity of SEVERITIES) {
        config.sla.policies[severity].ladder.forEach((step, i) => {
          if (step.level === 'executive') {
            ctx.addIssue({
              code: 'custom',
              path: ['sla', 'policies', severity, 'ladder', i, 'level'],
              message: 'an "executive" step needs at least one entry in executives',
            });
          }
        });
      }
    }
  });

/** The parsed config, defaults applied. */
export type Config = z.output<typeof configSchema>;
/** What a config file may contain (defaulted fields optional). */
export type ConfigInput = z.input<typeof configSchema>;
