/**
 * The `invitations` section: which journey events (`POST /v1/events`) invite the customer to a
 * survey, when, and within which contact limits (docs/invitations.md). Defaulted as a whole, so a
 * config without it parses and invites nobody.
 */
import * as z from 'zod';
import { DEFAULT_CONTACT_LIMITS, DEFAULT_INVITATION_TIMING, JOURNEY_EVENT_TYPES } from './defaults.ts';
import { idSchema, positiveInt, unlessMissing } from './schema-parts.ts';

/** `0`, `30m`, `1h`, `14d`: minutes, hours or days. */
export const durationSchema = z
  .string()
  .regex(/^(0|[1-9][0-9]{0,4}[mhd])$/, 'must be a duration such as 0, 30m, 1h or 14d')
  .describe('A duration: `0`, or a number of minutes (`30m`), hours (`1h`) or days (`14d`).');

export const SURVEY_TYPES = ['nps', 'csat', 'ces'] as const;

const httpsUrlSchema = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

export const surveySchema = z.strictObject({
  type: z.enum(SURVEY_TYPES).describe('The question: NPS (0–10), CSAT (1–5) or CES (1–7).'),
  reasons: z
    .array(idSchema)
    .max(10, 'at most 10 reasons')
    .default([])
    .describe("The touchpoint's multiple-choice reasons (ids of `categories.reasons`), offered on the page."),
  comment: z.boolean().default(true).describe('The page offers a free-text comment.'),
});
export type Survey = z.output<typeof surveySchema>;

export const invitationRuleSchema = z.strictObject({
  id: idSchema.describe("The rule's id, recorded on each invitation it makes."),
  eventType: idSchema.describe('The journey event type that triggers it (one of `invitations.eventTypes`).'),
  touchpoint: idSchema.describe("The answer's touchpoint, as a widget answer's."),
  survey: surveySchema.describe('What the survey page asks.'),
  delay: durationSchema.describe(
    'How long after the event the email goes (`0`: at once), moved into the site’s contact hours.',
  ),
  email: z
    .boolean()
    .default(true)
    .describe(
      'The invitation is emailed; `false` makes only the survey link and QR code (a receipt or packing slip).',
    ),
  reminderAfterDays: z
    .int(unlessMissing('must be an integer'))
    .min(0, 'must be ≥ 0')
    .max(30, 'must be ≤ 30')
    .default(DEFAULT_INVITATION_TIMING.reminderAfterDays)
    .describe('One reminder this many days after the email if unanswered; `0`: no reminder.'),
  expiresAfterDays: positiveInt
    .max(60, 'must be ≤ 60')
    .default(DEFAULT_INVITATION_TIMING.expiresAfterDays)
    .describe('The survey link works this many days after the email (or the event, without email).'),
});
export type InvitationRule = z.output<typeof invitationRuleSchema>;

export const contactLimitsSchema = z
  .strictObject({
    quietDaysAfterAnswer: z
      .int(unlessMissing('must be an integer'))
      .min(0, 'must be ≥ 0')
      .default(DEFAULT_CONTACT_LIMITS.quietDaysAfterAnswer)
      .describe('No invitation to a customer this many days after they answered one.'),
    quietDaysAfterIgnored: z
      .int(unlessMissing('must be an integer'))
      .min(0, 'must be ≥ 0')
      .default(DEFAULT_CONTACT_LIMITS.quietDaysAfterIgnored)
      .describe('No invitation this many days after one expired unanswered.'),
    maxInvitationsPer30Days: positiveInt
      .default(DEFAULT_CONTACT_LIMITS.maxInvitationsPer30Days)
      .describe('At most this many invitations to one customer in any 30 days, all rules together.'),
  })
  .prefault({});
export type ContactLimits = z.output<typeof contactLimitsSchema>;

export const invitationsSchema = z
  .strictObject({
    eventTypes: z
      .array(idSchema)
      .min(1, 'needs at least one event type')
      .default([...JOURNEY_EVENT_TYPES])
      .describe(
        'The journey event types `POST /v1/events` accepts; the five built-in ones by default, extend the list for your own.',
      ),
    rules: z
      .array(invitationRuleSchema)
      .default([])
      .describe('One rule per event type that invites; an event type without a rule is only recorded.'),
    limits: contactLimitsSchema.describe(
      'Contact limits, per site and customer, across every rule and channel.',
    ),
    reviewUrls: z
      .record(idSchema, httpsUrlSchema)
      .default({})
      .describe(
        'Per site id: the review or referral link a promoter (NPS 9–10, CSAT 5, CES 6–7) is shown after answering.',
      ),
    contactCalendars: z
      .record(idSchema, idSchema)
      .default({})
      .describe(
        'Per site id: the calendar (its id) whose open hours invitations are sent in; default: the first calendar.',
      ),
  })
  .prefault({});
export type Invitations = z.output<typeof invitationsSchema>;

/** Minutes of a duration string (`14d` → 20160). */
export function durationMinutes(duration: string): number {
  if (duration === '0') return 0;
  const n = Number(duration.slice(0, -1));
  const unit = duration.at(-1);
  return unit === 'd' ? n * 1440 : unit === 'h' ? n * 60 : n;
}
