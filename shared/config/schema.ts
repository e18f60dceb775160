/**
 * The Closeloop config file (see closeloop.config.example.json and docs/config.md, which
 * `npm run config-docs` generates from these schemas and their `.describe()` texts).
 * Every object is strict: an unknown key is an error, so a typo never silently disables a setting.
 * Pure: no AWS SDK, no I/O. Parse through `parseConfig` (load.ts) to get readable errors.
 * The sections that stand on their own (service, sites, intake, calendars, teams, executives) and
 * the vocabulary live in ./schema-parts.ts; this module re-exports them.
 */
import * as z from 'zod';
import {
  DEFAULT_CASE_POLICY,
  DEFAULT_CATEGORY_KEYWORDS,
  DEFAULT_CATEGORY_REASONS,
  DEFAULT_COHORTS,
  DEFAULT_FOLLOW_UP,
  DEFAULT_PROBLEM_VERIFICATION,
  DEFAULT_SEVERITY_KEYWORDS,
  DEFAULT_TARGETS,
  DEFAULT_WARN_AT,
} from './defaults.ts';
import { durationMinutes, invitationsSchema } from './invitations-schema.ts';
import {
  calendarSchema,
  channelSchema,
  executiveSchema,
  idSchema,
  intakeSchema,
  keywordSchema,
  LADDER_LEVELS,
  positiveInt,
  RATING_SCALES,
  ratingTypeSchema,
  SEVERITIES,
  serviceSchema,
  severitySchema,
  share,
  siteSchema,
  teamSchema,
  unlessMissing,
} from './schema-parts.ts';
import { slackSchema, webhookSchema } from './webhooks-schema.ts';

export {
  type ContactLimits,
  durationMinutes,
  type InvitationRule,
  type Invitations,
  SURVEY_TYPES,
  type Survey,
} from './invitations-schema.ts';
export {
  ASSIGNMENTS,
  type Assignment,
  type Calendar,
  CHANNELS,
  type Channel,
  calendarSchema,
  channelSchema,
  type Executive,
  executiveSchema,
  type Holiday,
  holidaySchema,
  type Interval,
  intakeSchema,
  intervalSchema,
  isIsoDate,
  LADDER_LEVELS,
  type LadderLevel,
  LOCALES,
  type Locale,
  localeSchema,
  type Member,
  memberSchema,
  RATING_SCALES,
  type RatingType,
  ratingTypeSchema,
  SEVERITIES,
  type Severity,
  type Site,
  serviceSchema,
  severitySchema,
  siteSchema,
  type Team,
  teamSchema,
  WEEKDAYS,
  type Weekday,
  type WeeklyHours,
  weeklyHoursSchema,
} from './schema-parts.ts';
export { serverKeyHashesOf, siteKeyHashesOf } from './site-keys.ts';
export {
  type Slack,
  slackSchema,
  type Webhook,
  webhookSchema,
  webhookUrlProblem,
} from './webhooks-schema.ts';

// ---------------------------------------------------------------------------------------------
// Matching, categories, routing, severity
// ---------------------------------------------------------------------------------------------

export const scoreRangeSchema = z
  .strictObject({
    type: ratingTypeSchema.describe('The rating type: `nps` 0–10, `csat` 1–5, `ces` 1–7, `thumbs` 0–1.'),
    min: z.int(unlessMissing('must be an integer')).describe('Lowest matching score, within the scale.'),
    max: z
      .int(unlessMissing('must be an integer'))
      .describe('Highest matching score, within the scale and >= `min`.'),
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
  touchpoints: nonEmptyList(idSchema).optional().describe("The feedback's touchpoint is one of these."),
  channels: nonEmptyList(channelSchema).optional().describe("The feedback's channel is one of these."),
  categories: nonEmptyList(idSchema)
    .optional()
    .describe("The feedback's category (see `categories`) is one of these."),
  reasons: nonEmptyList(idSchema).optional().describe('The feedback names at least one of these reasons.'),
  keywords: nonEmptyList(keywordSchema)
    .optional()
    .describe(
      'The comment contains one of these (compared after NFKC normalisation and lower-casing, so half- and full-width forms match).',
    ),
  score: scoreRangeSchema
    .optional()
    .describe('The rating has this type and a score in this inclusive range.'),
  context: z
    .record(z.string().min(1), nonEmptyList(z.string()))
    .optional()
    .describe(
      'Context field → allowed values, e.g. `{ "sku": ["SKU-1"] }`: every listed field is present with one of its values (compared as strings).',
    ),
  severities: nonEmptyList(severitySchema)
    .optional()
    .describe('Routing rules only: the severity already decided is one of these.'),
});
export type Match = z.infer<typeof matchSchema>;

export const routingRuleSchema = z.strictObject({
  id: idSchema.describe("The rule's id, recorded on the case as what routed it."),
  teamId: idSchema.describe('The team (its id) that gets the case.'),
  match: matchSchema.describe('When the rule applies (see Match).'),
});
export type RoutingRule = z.infer<typeof routingRuleSchema>;

/** Severity rules decide severity, so they cannot match on it. */
export const severityMatchSchema = matchSchema.omit({ severities: true });
export type SeverityMatch = z.infer<typeof severityMatchSchema>;

export const severityRuleSchema = z.strictObject({
  id: idSchema.describe("The rule's id, recorded on the case as what made it critical."),
  match: severityMatchSchema.describe('When the rule applies (see Match; `severities` is not allowed here).'),
});
export type SeverityRule = z.infer<typeof severityRuleSchema>;

export const categoriesSchema = z
  .strictObject({
    reasons: z
      .record(idSchema, idSchema)
      .default(() => ({ ...DEFAULT_CATEGORY_REASONS }))
      .describe(
        'Reason slug (from the reason picker) → category. A value replaces the built-in map as a whole.',
      ),
    keywords: z
      .record(idSchema, z.array(keywordSchema))
      .default(() =>
        Object.fromEntries(Object.entries(DEFAULT_CATEGORY_KEYWORDS).map(([k, words]) => [k, [...words]])),
      )
      .describe(
        'Category → ja/en keywords searched in the comment (NFKC-normalised, lower case). A value replaces the built-in dictionary as a whole.',
      ),
  })
  .prefault({});
export type Categories = z.infer<typeof categoriesSchema>;

export const routingSchema = z.strictObject({
  rules: z
    .array(routingRuleSchema)
    .default([])
    .describe('Ordered; the first rule whose match holds routes the case. Ids unique.'),
  fallbackTeamId: idSchema.describe('The team (its id) that gets a case no rule matches.'),
});
export type Routing = z.infer<typeof routingSchema>;

export const severityConfigSchema = z
  .strictObject({
    keywords: z
      .array(keywordSchema)
      .default(() => [...DEFAULT_SEVERITY_KEYWORDS])
      .describe(
        'A comment containing any of these (NFKC-normalised, lower case) makes the feedback critical.',
      ),
    rules: z
      .array(severityRuleSchema)
      .default([])
      .describe('A feedback matching any of these rules is critical. Ids unique.'),
  })
  .prefault({});
export type SeverityConfig = z.infer<typeof severityConfigSchema>;

export const casePolicySchema = z
  .strictObject({
    negative: z
      .boolean()
      .default(DEFAULT_CASE_POLICY.negative)
      .describe('Negative ratings open a case: NPS 0–6, CSAT 1–2, CES 1–3, thumbs down.'),
    critical: z.boolean().default(DEFAULT_CASE_POLICY.critical).describe('Critical feedback opens a case.'),
    commentWithConsent: z
      .boolean()
      .default(DEFAULT_CASE_POLICY.commentWithConsent)
      .describe('A non-blank comment whose author consented to be contacted opens a case.'),
  })
  .prefault({});
export type CasePolicy = z.infer<typeof casePolicySchema>;

// ---------------------------------------------------------------------------------------------
// SLA (minutes are business minutes on the owning team's calendar)
// ---------------------------------------------------------------------------------------------

export const ladderStepSchema = z.strictObject({
  level: z
    .enum(LADDER_LEVELS)
    .describe("Who is told: the team's lead, the team's manager, or every entry of `executives`."),
  afterMinutes: z
    .int(unlessMissing('must be an integer'))
    .nonnegative('must be 0 or more')
    .describe('Business minutes after the missed deadline (0: at the breach).'),
});
export type LadderStep = z.infer<typeof ladderStepSchema>;

export const slaPolicySchema = z
  .strictObject({
    acknowledgeMinutes: positiveInt.describe(
      'Business minutes from the feedback (or a reopen) to the acknowledge deadline.',
    ),
    resolveMinutes: positiveInt.describe(
      'Business minutes to the resolve deadline, >= `acknowledgeMinutes`; the clock stops while the case waits on the customer.',
    ),
    warnAt: z
      .number()
      .gt(0, 'must be between 0 and 1 (exclusive)')
      .lt(1, 'must be between 0 and 1 (exclusive)')
      .default(DEFAULT_WARN_AT)
      .describe('Fraction of a deadline after which the assignee gets a pre-breach warning.'),
    ladder: z
      .array(ladderStepSchema)
      .min(1, 'needs at least one step')
      .describe(
        'Escalations once a deadline is missed: each level at most once, `afterMinutes` never decreasing.',
      ),
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
  policies: z
    .strictObject({
      critical: slaPolicySchema.describe('The deadlines and escalations of critical cases.'),
      routine: slaPolicySchema.describe('The deadlines and escalations of routine cases.'),
    })
    .describe('One policy per severity.'),
  followUp: z
    .strictObject({
      delayDays: positiveInt
        .default(DEFAULT_FOLLOW_UP.delayDays)
        .describe(
          'Days (24-hour days, not business days) after the resolution before the follow-up survey goes to a customer who consented.',
        ),
      closeUnansweredAfterDays: positiveInt
        .default(DEFAULT_FOLLOW_UP.closeUnansweredAfterDays)
        .describe('Days without an answer after which the case closes as unverified.'),
    })
    .prefault({})
    .describe('The survey that asks the customer whether the resolution helped.'),
  targets: z
    .strictObject({
      acknowledgedWithin2h: share
        .default(DEFAULT_TARGETS.acknowledgedWithin2h)
        .describe('Share of cases acknowledged within 2 hours (elapsed, not business time) of the feedback.'),
      acknowledgedWithin6h: share
        .default(DEFAULT_TARGETS.acknowledgedWithin6h)
        .describe('Share of cases acknowledged within 6 hours of the feedback.'),
      closedWithin48h: share
        .default(DEFAULT_TARGETS.closedWithin48h)
        .describe('Share of cases first resolved within 48 hours of the feedback.'),
      loopClosedWithin72h: share
        .default(DEFAULT_TARGETS.loopClosedWithin72h)
        .describe(
          'Share of the cases with contact consent whose customer was told the resolution within 72 hours.',
        ),
    })
    .prefault({})
    .describe(
      'Attainment targets, as shares 0..1, that `GET /v1/metrics` reports next to the measured ones.',
    ),
});
export type Sla = z.infer<typeof slaSchema>;

// ---------------------------------------------------------------------------------------------
// Insights (trends)
// ---------------------------------------------------------------------------------------------

export const insightsSchema = z
  .strictObject({
    cohorts: z
      .strictObject({
        newDays: positiveInt
          .default(DEFAULT_COHORTS.newDays)
          .describe('A customer for fewer days than this is `new`.'),
        longTermDays: positiveInt
          .default(DEFAULT_COHORTS.longTermDays)
          .describe('A customer for more days than this is `long_term`; between the two, `active`.'),
      })
      .prefault({})
      .refine((c) => c.longTermDays >= c.newDays, {
        message: 'longTermDays must be >= newDays',
        path: ['longTermDays'],
      })
      .describe(
        'Cohorts by days as a customer (from `customer.since`, else the first journey event seen), counted in the weekly counters.',
      ),
  })
  .prefault({});
export type Insights = z.infer<typeof insightsSchema>;

export const problemsSchema = z
  .strictObject({
    verification: z
      .strictObject({
        afterDays: positiveInt
          .default(DEFAULT_PROBLEM_VERIFICATION.afterDays)
          .describe(
            "Days after a problem's resolution its fix is checked (or once the after window's last week has closed, if later).",
          ),
        windowWeeks: positiveInt
          .max(13)
          .default(DEFAULT_PROBLEM_VERIFICATION.windowWeeks)
          .describe(
            'Whole ISO weeks compared on each side of the resolution week (the week itself is left out: it mixes both).',
          ),
        reopenOn: z
          .array(z.enum(['worse', 'no_change']))
          .default([...DEFAULT_PROBLEM_VERIFICATION.reopenOn])
          .describe('Verdicts that reopen the problem (its cases stay as they are); empty: only flag it.'),
      })
      .prefault({})
      .describe(
        "The before/after check of a resolved problem's touchpoints (`GET /v1/problems/{id}/impact`).",
      ),
  })
  .prefault({});

// ---------------------------------------------------------------------------------------------
// Stakeholders (the broadcast when a problem is resolved)
// ---------------------------------------------------------------------------------------------

const teamList = z.array(idSchema).min(1, 'name at least one team');
export const stakeholdersSchema = z
  .strictObject({
    byTouchpoint: z
      .record(z.string(), teamList)
      .default({})
      .describe(
        "Touchpoint → the teams told (`staff_problem_resolved` to each team's inbox) when a problem with a linked case on that touchpoint is resolved.",
      ),
    byCategory: z
      .record(z.string(), teamList)
      .default({})
      .describe('Category → the teams told when a problem with a linked case of that category is resolved.'),
  })
  .prefault({});
export type Stakeholders = z.infer<typeof stakeholdersSchema>;

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
    service: serviceSchema.describe(
      'The service as a whole: its name, its sender, its links and API throttling.',
    ),
    sites: z
      .array(siteSchema)
      .min(1, 'needs at least one site')
      .describe('The client sites that send feedback, each with its keys and origins. Ids unique.'),
    intake: intakeSchema.describe('Limits on the public intake, `POST /v1/feedback`.'),
    calendars: z
      .array(calendarSchema)
      .min(1, 'needs at least one calendar')
      .describe(
        "Business calendars: SLA minutes count only while the owning team's calendar is open. Ids unique.",
      ),
    teams: z
      .array(teamSchema)
      .min(1, 'needs at least one team')
      .describe('The teams that work the cases; every case belongs to one. Ids unique.'),
    executives: z
      .array(executiveSchema)
      .default([])
      .describe(
        'Who the `executive` rung of the escalation ladder tells (all of them); needed as soon as a ladder has an `executive` step.',
      ),
    categories: categoriesSchema.describe(
      "A feedback's category: the first of its reasons mapped here (to a category other than `other`), else the category whose keyword occurs first in the comment, else `other`.",
    ),
    routing: routingSchema.describe('Which team gets a case.'),
    severity: severityConfigSchema.describe('Which feedback is critical; everything else is routine.'),
    casePolicy: casePolicySchema.describe('Which feedback opens a case; any one that applies suffices.'),
    sla: slaSchema.describe(
      "Deadlines, escalations, the follow-up survey and targets; minutes are business minutes on the owning team's calendar.",
    ),
    invitations: invitationsSchema.describe(
      'Surveys the journey events (`POST /v1/events`) invite customers to, and the contact limits.',
    ),
    insights: insightsSchema.describe('The weekly trends (`GET /v1/trends`): cohort bounds.'),
    webhooks: z
      .array(webhookSchema)
      .default([])
      .describe(
        'Outbound webhooks: each endpoint gets the events it names, signed per Standard Webhooks (docs/webhooks.md). Ids unique.',
      ),
    slack: slackSchema
      .optional()
      .describe(
        'A Slack channel (incoming webhook) told of new critical cases and escalations (docs/webhooks.md#slack). None when absent.',
      ),
    problems: problemsSchema.describe('Problems: whether a fix delivered, checked after its resolution.'),
    stakeholders: stakeholdersSchema.describe(
      'Who hears that a problem was resolved besides its customers: what broke, the root cause, what changed and how many customers were affected (docs/known-issues.md).',
    ),
  })
  .superRefine((config, ctx) => {
    checkUnique(ctx, config.sites, ['sites'], 'site');
    checkUnique(ctx, config.calendars, ['calendars'], 'calendar');
    checkUnique(ctx, config.teams, ['teams'], 'team');
    checkUnique(ctx, config.routing.rules, ['routing', 'rules'], 'rule');
    checkUnique(ctx, config.severity.rules, ['severity', 'rules'], 'rule');
    checkUnique(ctx, config.webhooks, ['webhooks'], 'webhook');

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

    checkInvitations(ctx, config);

    for (const by of ['byTouchpoint', 'byCategory'] as const) {
      for (const [key, teams] of Object.entries(config.stakeholders[by])) {
        teams.forEach((teamId, i) => {
          if (!teamIds.has(teamId)) {
            ctx.addIssue({
              code: 'custom',
              path: ['stakeholders', by, key, i],
              message: `unknown team "${teamId}" (${known(teamIds)})`,
            });
          }
        });
      }
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

/**
 * Every rule names a known event type and reason; a survey link outlives no secret that signs it
 * (the link secret rotates every `linkSecretRotationDays`, and verifiers know two versions).
 */
function checkInvitations(
  ctx: z.RefinementCtx,
  config: {
    invitations: z.output<typeof invitationsSchema>;
    categories: { reasons: Record<string, string> };
    sites: readonly { id: string }[];
    calendars: readonly { id: string }[];
    service: { linkSecretRotationDays: number };
  },
): void {
  const { invitations } = config;
  checkUnique(ctx, invitations.rules, ['invitations', 'rules'], 'rule');
  const eventTypes = new Set(invitations.eventTypes);
  const reasons = new Set(Object.keys(config.categories.reasons));
  const siteIds = new Set(config.sites.map((s) => s.id));
  const calendarIds = new Set(config.calendars.map((c) => c.id));
  invitations.rules.forEach((rule, r) => {
    const at = ['invitations', 'rules', r];
    if (!eventTypes.has(rule.eventType)) {
      ctx.addIssue({
        code: 'custom',
        path: [...at, 'eventType'],
        message: `unknown event type "${rule.eventType}" (${known(eventTypes)})`,
      });
    }
    rule.survey.reasons.forEach((reason, i) => {
      if (!reasons.has(reason)) {
        ctx.addIssue({
          code: 'custom',
          path: [...at, 'survey', 'reasons', i],
          message: `unknown reason "${reason}" (${known(reasons)})`,
        });
      }
    });
    const lifeDays = Math.ceil(durationMinutes(rule.delay) / 1440) + rule.expiresAfterDays;
    if (lifeDays > config.service.linkSecretRotationDays) {
      ctx.addIssue({
        code: 'custom',
        path: [...at, 'expiresAfterDays'],
        message: `delay + expiresAfterDays is ${lifeDays} days, more than service.linkSecretRotationDays (${config.service.linkSecretRotationDays}): the link would outlive its secret`,
      });
    }
  });
  for (const [field, map] of [
    ['reviewUrls', invitations.reviewUrls],
    ['contactCalendars', invitations.contactCalendars],
  ] as const) {
    for (const siteId of Object.keys(map)) {
      if (!siteIds.has(siteId)) {
        ctx.addIssue({
          code: 'custom',
          path: ['invitations', field, siteId],
          message: `unknown site "${siteId}" (${known(siteIds)})`,
        });
      }
    }
  }
  for (const [siteId, calendarId] of Object.entries(invitations.contactCalendars)) {
    if (!calendarIds.has(calendarId)) {
      ctx.addIssue({
        code: 'custom',
        path: ['invitations', 'contactCalendars', siteId],
        message: `unknown calendar "${calendarId}" (${known(calendarIds)})`,
      });
    }
  }
}

/** The parsed config, defaults applied. */
export type Config = z.output<typeof configSchema>;
/** What a config file may contain (defaulted fields optional). */
export type ConfigInput = z.input<typeof configSchema>;
