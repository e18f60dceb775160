import '../zod-locale.ts';
import { isValidTimeZone } from '../domain/time.ts';
import {
  customerConfirm,
  customerFollowUp,
  customerMessage,
  customerReceived,
  customerSurveyInvitation,
} from './customer-emails.ts';
import { type Ctx, caseRefOf, formatInstant, type RenderInput } from './email-parts.ts';
import { headerSafe } from './escape.ts';
import { type EmailDocument, renderHtml, renderText } from './layout.ts';
import { type NoticeData, parseNoticeData } from './notice-data.ts';
import {
  staffEscalation,
  staffNewCritical,
  staffPreBreach,
  staffProblemVerification,
  staffWeeklyDigest,
} from './staff-emails.ts';
// ---------------------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------------------

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

export function renderNotice(input: RenderInput): RenderedEmail {
  const doc = documentFor(input);
  return { subject: headerSafe(doc.title, 180), html: renderHtml(doc), text: renderText(doc) };
}

function documentFor(input: RenderInput): EmailDocument {
  const data = parseNoticeData(input.kind, input.data) as Record<string, unknown> & { timeZone?: string };
  const l = input.locale;
  const tz = validTimeZone(data.timeZone) ?? input.timeZone;
  const ctx: Ctx = {
    l,
    ja: l === 'ja',
    ...refsOf(input.caseId ?? (data.caseId as string | undefined), data.caseRef as string | undefined),
    tz,
    when: (iso) => formatInstant(iso, l, tz),
    input,
  };
  switch (input.kind) {
    case 'customer_confirm':
      return customerConfirm(ctx, data as NoticeData<'customer_confirm'>);
    case 'customer_received':
      return customerReceived(ctx, data as NoticeData<'customer_received'>);
    case 'customer_progress':
      return customerMessage(ctx, data as NoticeData<'customer_progress'>, 'progress');
    case 'customer_resolved':
      return customerMessage(ctx, data as NoticeData<'customer_resolved'>, 'resolved');
    case 'customer_follow_up':
      return customerFollowUp(ctx, data as NoticeData<'customer_follow_up'>);
    case 'customer_problem_resolved':
      return customerMessage(ctx, data as NoticeData<'customer_problem_resolved'>, 'problem');
    case 'customer_survey_invitation':
      return customerSurveyInvitation(ctx, data as NoticeData<'customer_survey_invitation'>);
    case 'staff_new_critical':
      return staffNewCritical(ctx, data as NoticeData<'staff_new_critical'>);
    case 'staff_pre_breach':
      return staffPreBreach(ctx, data as NoticeData<'staff_pre_breach'>);
    case 'staff_escalation':
      return staffEscalation(ctx, data as NoticeData<'staff_escalation'>);
    case 'staff_weekly_digest':
      return staffWeeklyDigest(ctx, data as NoticeData<'staff_weekly_digest'>);
    case 'staff_problem_verification':
      return staffProblemVerification(ctx, data as NoticeData<'staff_problem_verification'>);
  }
}

function refsOf(caseId: string | undefined, caseRef: string | undefined): Pick<Ctx, 'caseRef' | 'caseId'> {
  const shown = caseRefOf({ caseId, caseRef });
  const id = caseRefOf({ caseId });
  return { caseRef: shown, caseId: shown === id ? undefined : id };
}

function validTimeZone(zone: string | undefined): string | undefined {
  return zone && isValidTimeZone(zone) ? zone : undefined;
}

export { categoryLabel, formatInstant, type NoticeLinks, type RenderInput } from './email-parts.ts';
export { type NoticeData, NoticeDataInvalid, parseNoticeData, ratingValues } from './notice-data.ts';
