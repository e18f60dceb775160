/**
 * The Slack adapter's message (docs/webhooks.md#slack), pure: a Block Kit message for an
 * incoming webhook, naming the case by its reference, its severity and touchpoint, with an "Open"
 * button to the case in the staff console. Config names and ids are escaped for Slack's mrkdwn;
 * no customer text ever goes in.
 */

type Event = Record<string, unknown>;

/** Slack's three control characters in text (https://api.slack.com/reference/surfaces/formatting). */
export const slackEscape = (s: string) =>
  s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

/** The console's page of a case: `<base>/console/#/cases/<caseId>`. */
export function consoleCaseUrl(publicBaseUrl: string, caseId: string): string {
  const base = publicBaseUrl.endsWith('/') ? publicBaseUrl : `${publicBaseUrl}/`;
  return new URL(`console/#/cases/${encodeURIComponent(caseId)}`, base).toString();
}

export interface SlackMessage {
  /** The notification's text (and what clients without blocks show). */
  text: string;
  blocks: Record<string, unknown>[];
}

const str = (v: unknown) => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));

/** The Block Kit message for a `case.opened` or `case.escalated` event. */
export function slackMessage(
  event: Event,
  opts: { publicBaseUrl: string; teamName?: string; assigneeName?: string },
): SlackMessage {
  const caseId = str(event.caseId);
  const ref = str(event.caseRef) || caseId;
  const severity = str(event.severity);
  const touchpoint = str(event.touchpoint);
  const team = opts.teamName ?? str(event.teamId);
  const assignee = opts.assigneeName ?? str(event.assigneeId);
  const escalated = event.type === 'case.escalated';
  const title = escalated
    ? `Escalated to ${str(event.level)}: ${ref} (${str(event.clock)} deadline missed)`
    : `New ${severity} case: ${ref}`;
  const fields = [
    ['Case', ref],
    ['Severity', severity],
    ['Touchpoint', touchpoint],
    ['Team', team],
    ['Assignee', assignee],
    escalated ? ['Missed deadline', str(event.deadline)] : ['Acknowledge by', str(event.acknowledgeBy)],
  ].map(([label, value]) => ({ type: 'mrkdwn', text: `*${label}*\n${slackEscape(value || '–')}` }));
  return {
    text: slackEscape(title),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: title.slice(0, 150), emoji: false } },
      { type: 'section', fields },
      {
        type: 'actions',
        elements: [
          {
            type: 'button',
            text: { type: 'plain_text', text: 'Open' },
            url: consoleCaseUrl(opts.publicBaseUrl, caseId),
            action_id: 'open_case',
            ...(severity === 'critical' ? { style: 'danger' } : {}),
          },
        ],
      },
    ],
  };
}
