/**
 * The parts of the config schema (./schema.ts) that stand on their own: the vocabulary shared with
 * the public contract, the scalars, and the sections service, sites, intake, calendars, teams and
 * executives. The `.describe()` texts say what each field does; `npm run config-docs` turns them
 * into docs/config.md. Import from ./schema.ts, which re-exports what the rest of the code uses.
 */
import * as z from 'zod';
import { knownTouchpoints, touchpointPattern } from '../domain/feedback.ts';
import { LONGEST_SECRET_SIGNED_LINK_DAYS } from '../domain/signed-link.ts';
import { isValidTimeZone, WEEKDAYS, type Weekday } from '../domain/time.ts';
import {
  DEFAULT_CLOSED_CASE_RETENTION_DAYS,
  DEFAULT_INTAKE,
  DEFAULT_LINK_SECRET_ROTATION_DAYS,
  DEFAULT_RETENTION_DAYS,
  DEFAULT_THROTTLE,
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

export { WEEKDAYS, type Weekday };

// ---------------------------------------------------------------------------------------------
// Scalars
// ---------------------------------------------------------------------------------------------

/** A custom message that leaves a missing value to the parse-level "required" message. */
export const unlessMissing = (message: string) => ({
  error: (issue: { input?: unknown }) => (issue.input === undefined ? undefined : message),
});

const ID_PATTERN = /^[a-z0-9]+(?:[-_][a-z0-9]+)*$/;
/** Ids and slugs: lower case letters and digits, single `-` or `_` between them (`shop-jp`, `price_too_high`). */
export const idSchema = z
  .string()
  .max(64, 'must be at most 64 characters')
  .regex(ID_PATTERN, 'must be lower case letters and digits separated by single "-" or "_"');

const nameSchema = z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters');
const emailSchema = z.email(unlessMissing('must be an email address'));
export const positiveInt = z.int(unlessMissing('must be an integer')).positive('must be a positive integer');
export const share = z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1');
export const keywordSchema = z.string().trim().min(1, 'must not be empty');

/** True if `date` is an existing calendar day written as YYYY-MM-DD. */
export function isIsoDate(date: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = new Date(Date.UTC(y, mo - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d;
}

/** An allowed browser origin: scheme + host (+ port), no path, no trailing slash. */
const originSchema = z
  .string()
  .refine(
    (value) => {
      try {
        const url = new URL(value);
        return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value;
      } catch {
        return false;
      }
    },
    { error: (iss) => `must be an origin like "https://shop.example.jp" (got ${JSON.stringify(iss.input)})` },
  )
  .describe(
    'An origin: scheme, host and optional port, no path, no trailing slash (`https://shop.example.jp`).',
  );

const httpUrlSchema = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

// ---------------------------------------------------------------------------------------------
// Service, sites, intake
// ---------------------------------------------------------------------------------------------

const rateLimit = positiveInt.describe('Steady requests per second.');
const burstLimit = positiveInt.describe('Requests that may arrive at once above the steady rate.');

export const serviceSchema = z.strictObject({
  name: nameSchema.describe('The service name in emails: the From name and the name in the text.'),
  senderEmail: emailSchema.describe('From address of every email; must be a verified SES identity.'),
  publicBaseUrl: httpUrlSchema
    .optional()
    .describe(
      'Base URL of the links in emails (signed actions, follow-up survey, unsubscribe); default: the API URL (the `ApiUrl` output).',
    ),
  opsEmail: emailSchema
    .optional()
    .describe(
      'An address subscribed to the ops topic every alarm notifies (the recipient confirms the subscription); none when absent.',
    ),
  retentionDays: positiveInt
    .default(DEFAULT_RETENTION_DAYS)
    .describe('Feedback expires (DynamoDB TTL) this many days after it arrived.'),
  closedCaseRetentionDays: positiveInt
    .default(DEFAULT_CLOSED_CASE_RETENTION_DAYS)
    .describe(
      'A closed case and its timeline are deleted (by the minute sweep) this many days after the case last closed; a reopen keeps it.',
    ),
  linkSecretRotationDays: z
    .int(unlessMissing('must be an integer'))
    .min(
      LONGEST_SECRET_SIGNED_LINK_DAYS,
      `at least ${LONGEST_SECRET_SIGNED_LINK_DAYS} days: the life of the longest link the secret signs`,
    )
    .max(1000, 'at most 1000 days (Secrets Manager)')
    .default(DEFAULT_LINK_SECRET_ROTATION_DAYS)
    .describe(
      'Days between automatic rotations of the link secret; at least the life of the longest link it signs (30 days), so AWSCURRENT and AWSPREVIOUS cover every such link.',
    ),
  throttle: z
    .strictObject({
      rateLimit: rateLimit.default(DEFAULT_THROTTLE.rateLimit),
      burstLimit: burstLimit.default(DEFAULT_THROTTLE.burstLimit),
    })
    .prefault({})
    .describe(
      "API Gateway throttling: the stage's default and each public route's own limit; above it the API answers 429.",
    ),
  staffThrottle: z
    .strictObject({ rateLimit, burstLimit })
    .optional()
    .describe('Throttling of each staff (JWT) route; default: the values of `service.throttle`.'),
  tracing: z
    .boolean()
    .default(true)
    .describe('X-Ray active tracing of every function (the API and queue paths); `false` turns it off.'),
});

const keyHashSchema = z
  .string()
  .regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex characters (sha256 of the site key)');

/** One key hash, or two during a rotation (the new key's and the old one's). */
const keyHashesSchema = z.union(
  [
    keyHashSchema,
    z.array(keyHashSchema).min(1, 'needs at least one hash').max(2, 'at most two hashes (during a rotation)'),
  ],
  {
    error:
      'one sha256 hash (64 lower-case hex characters), or a list of two during a rotation: at most two hashes',
  },
);

export const siteSchema = z.strictObject({
  id: idSchema.describe("The site's id: `siteId` in the feedback, `data-site-id` on the widget's tag."),
  name: nameSchema.describe('Shown to customers in emails (e.g. the address confirmation).'),
  origins: z
    .array(originSchema)
    .min(1, 'needs at least one origin')
    .describe(
      'Browser origins that may post with the site key (checked against `Origin`, and allowed by CORS).',
    ),
  siteKeyHash: keyHashesSchema.describe(
    "sha256 (hex) of the public site key (`X-Site-Key`); the key itself never sits in config. During a rotation a list of two: the new key's hash and the old one's.",
  ),
  serverKeyHash: keyHashesSchema
    .optional()
    .describe(
      "sha256 (hex) of the secret server key (`X-Server-Key`, for the shop's backend), the same way; its plaintext lives in Secrets Manager (one secret per site). No server key when absent.",
    ),
  defaultLocale: localeSchema.describe(
    "Language of the site's customer emails and pages when the feedback names none.",
  ),
  touchpoints: z
    .array(z.string().regex(touchpointPattern, 'must be a lower-case slug (a-z, 0-9, _; at most 64)'))
    .min(1, 'needs at least one touchpoint')
    .refine((list) => new Set(list).size === list.length, 'must not repeat a touchpoint')
    .default([...knownTouchpoints])
    .describe(
      'Where on the site feedback is asked for: `POST /v1/feedback` refuses any other touchpoint with a 400 that names these, so a misspelled one is never routed by fallback.',
    ),
  botCheck: z
    .strictObject({
      kind: z.literal('turnstile').describe('The bot check: Cloudflare Turnstile.'),
      siteKey: z
        .string()
        .trim()
        .min(1, 'must not be empty')
        .max(100, 'must be at most 100 characters')
        .describe(
          "Turnstile's public site key (the widget's `data-turnstile-site-key`; the local demo page renders it).",
        ),
      secretName: z
        .string()
        .trim()
        .min(1, 'must not be empty')
        .max(512, 'must be at most 512 characters')
        .describe('Secrets Manager name of the Turnstile secret key.'),
    })
    .optional()
    .describe(
      'A bot check on site-key requests: they need a passing token in `X-Bot-Token`. Off when absent.',
    ),
});
export type Site = z.infer<typeof siteSchema>;

export const intakeSchema = z
  .strictObject({
    limits: z
      .strictObject({
        perClientPerMinute: positiveInt
          .default(DEFAULT_INTAKE.perClientPerMinute)
          .describe('Site-key requests per client address per minute.'),
        serverPerSitePerMinute: positiveInt
          .default(DEFAULT_INTAKE.serverPerSitePerMinute)
          .describe('Server-key requests per site per minute (not limited per client).'),
      })
      .prefault({})
      .describe('Rate limits of `POST /v1/feedback`; above them it answers 429 with `Retry-After`.'),
    confirmationsPerSitePerHour: positiveInt
      .default(DEFAULT_INTAKE.confirmationsPerSitePerHour)
      .describe(
        'Double opt-in emails (address confirmations) per site per hour; above it confirmations wait for the next hour.',
      ),
  })
  .prefault({});

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
  start: z
    .string()
    .regex(START_PATTERN, 'must be a time HH:MM between 00:00 and 23:59')
    .describe("Opening time in the calendar's time zone."),
  end: z
    .string()
    .regex(END_PATTERN, 'must be a time HH:MM between 00:00 and 24:00')
    .describe('Closing time; an end at or before `start` runs past midnight into the next day.'),
});
export type Interval = z.infer<typeof intervalSchema>;

const dayHours = (day: string) =>
  z.array(intervalSchema).default([]).describe(`Opening intervals on ${day}; none: closed all day.`);

export const weeklyHoursSchema = z
  .strictObject({
    mon: dayHours('Mondays'),
    tue: dayHours('Tuesdays'),
    wed: dayHours('Wednesdays'),
    thu: dayHours('Thursdays'),
    fri: dayHours('Fridays'),
    sat: dayHours('Saturdays'),
    sun: dayHours('Sundays'),
  })
  .refine((week) => WEEKDAYS.some((day) => week[day].length > 0), {
    error: 'needs at least one opening interval (SLA clocks would never run)',
  });
export type WeeklyHours = z.infer<typeof weeklyHoursSchema>;

export const holidaySchema = z.strictObject({
  date: z
    .string()
    .refine(isIsoDate, {
      error: (iss) => `must be an existing date YYYY-MM-DD (got ${JSON.stringify(iss.input)})`,
    })
    .describe('The day, YYYY-MM-DD (an existing date).'),
  name: nameSchema.describe('What the day is, for people reading the config (e.g. 元日).'),
});
export type Holiday = z.infer<typeof holidaySchema>;

export const calendarSchema = z.strictObject({
  id: idSchema.describe("The calendar's id, named by a team's `calendarId`."),
  timeZone: z
    .string()
    .refine(isValidTimeZone, {
      error: (iss) => `unknown IANA time zone ${JSON.stringify(iss.input)} (e.g. "Asia/Tokyo")`,
    })
    .describe('IANA time zone of the opening hours and holidays, e.g. `Asia/Tokyo`.'),
  weeklyHours: weeklyHoursSchema.describe(
    'Opening hours per weekday; at least one day needs an interval (SLA clocks run only while open).',
  ),
  holidays: z.array(holidaySchema).default([]).describe("Whole days closed, in the calendar's time zone."),
});
export type Calendar = z.infer<typeof calendarSchema>;

// ---------------------------------------------------------------------------------------------
// Teams, executives
// ---------------------------------------------------------------------------------------------

export const memberSchema = z.strictObject({
  id: idSchema.describe("The member's id: their username in the staff user pool (Cognito)."),
  name: nameSchema.describe("The member's name in emails and the console."),
  email: emailSchema.describe("Where the member's notices go (new critical cases, warnings, escalations)."),
  locale: localeSchema.describe("Language of the member's emails."),
  available: z
    .boolean()
    .default(true)
    .describe('`false`: the member keeps their cases but gets no new assignments.'),
});
export type Member = z.infer<typeof memberSchema>;

export const teamSchema = z.strictObject({
  id: idSchema.describe(
    "The team's id, named by routing rules; also the staff user pool group of its members.",
  ),
  name: nameSchema.describe("The team's name in emails and the console."),
  inboxEmail: emailSchema.describe(
    "The team's shared inbox: copied on new critical cases, sent the weekly digest, and sent a staff notice whose member is no longer in the config.",
  ),
  calendarId: idSchema.describe("The calendar (its id) the team's SLA clocks run on."),
  assignment: z
    .enum(ASSIGNMENTS)
    .describe(
      'How a new case gets its assignee: `round_robin` (the next available member, in config order) or `fewest_open` (the available member with the fewest open cases).',
    ),
  members: z
    .array(memberSchema)
    .min(1, 'needs at least one member')
    .describe('The members; ids unique within the team.'),
  leadId: idSchema.describe(
    'Member id (of this team) of the lead: the `lead` rung of the escalation ladder, and the assignee when no member is available.',
  ),
  managerId: idSchema.describe(
    'Member id (of this team) of the manager: the `manager` rung of the escalation ladder.',
  ),
});
export type Team = z.infer<typeof teamSchema>;

export const executiveSchema = z.strictObject({
  name: nameSchema.describe("The executive's name in emails."),
  email: emailSchema.describe('Where escalations to the `executive` rung go.'),
  locale: localeSchema.describe("Language of the executive's emails."),
});
export type Executive = z.infer<typeof executiveSchema>;
