/**
 * `POST /v1/events` (docs/invitations.md): the shop's backend tells what happened to a customer,
 * with its server key only. Parse → `recordJourneyEvent` → 202; every problem is a 4xx from the
 * one error mapper, and nothing is stored unless all of the request is valid.
 */
import { journeyRulesOf, type RecordDeps, recordJourneyEvent } from '../../core/invitations/index.ts';
import { authenticateSite, type SiteAccess } from '../../shared/auth/site-auth.ts';
import { parseJourneyEvent } from '../../shared/domain/journey.ts';
import {
  type HttpEvent,
  type HttpResult,
  header,
  json,
  readJsonBody,
  SERVER_KEY_HEADER,
  SITE_KEY_HEADER,
} from '../../shared/http.ts';
import { errorResponse } from '../../shared/http-errors.ts';
import { correlate, logger } from '../../shared/observability.ts';

export const maxEventBytes = 16 * 1024;

export interface EventsDeps extends RecordDeps {
  sites: readonly SiteAccess[];
}

export function makeEventsHandler(deps: EventsDeps) {
  return async function events(event: HttpEvent): Promise<HttpResult> {
    try {
      return await receive(event, deps);
    } catch (error) {
      return errorResponse(error, (e) => logger.error('journey event failed', { error: e as Error }));
    }
  };
}

async function receive(event: HttpEvent, deps: EventsDeps): Promise<HttpResult> {
  const body = readJsonBody(event, maxEventBytes);
  const siteId =
    typeof body === 'object' && body !== null ? (body as { siteId?: unknown }).siteId : undefined;
  const parse = () => parseJourneyEvent(body, journeyRulesOf(deps.config), deps.clock.now());
  // Without a site id there is no site to authenticate against: the body's problems come first.
  if (typeof siteId !== 'string') parse();
  // Authenticate before validating: a stranger learns nothing about the schema of a site not theirs.
  authenticateSite(
    deps.sites,
    siteId as string,
    {
      siteKey: header(event, SITE_KEY_HEADER),
      serverKey: header(event, SERVER_KEY_HEADER),
      origin: header(event, 'origin') || undefined,
    },
    ['server'],
  );
  const input = parse();
  const recorded = await recordJourneyEvent(input, deps);
  correlate({ eventId: input.eventId, invitationId: recorded.invitation?.invitationId });
  logger.info('journey event recorded', {
    type: input.type,
    replayed: recorded.replayed,
    invitation: recorded.invitation?.status,
  });
  const { replayed: _replayed, ...answer } = recorded;
  return json(202, answer);
}
