/**
 * The one place where errors become HTTP answers, for every API function: each error of the
 * domain hierarchy (shared/domain/errors.ts) has one status and one `error` code, the same on
 * every route. Anything else is unexpected: the caller logs it, and the answer is 503 with
 * Retry-After, since nothing was half-written (every change is one conditional transaction).
 */
import { InvalidTransition, StaleVersion } from './domain/case-commands.ts';
import {
  AdminOnly,
  BadSiteKey,
  BotCheckFailed,
  Forbidden,
  IdempotencyConflict,
  LinkExpired,
  LinkUsed,
  NotFound,
  NotInTeam,
  OriginNotAllowed,
  OriginRequired,
  PayloadTooLarge,
  PreconditionRequired,
  StateConflict,
  Unauthenticated,
  UnknownSite,
  UnsupportedMediaType,
  ValidationFailed,
  WrongKeyKind,
} from './domain/errors.ts';
import { type HttpResult, json } from './http.ts';

/** The `ETag` of a case version (what `If-Match` takes back). */
export const etagOf = (version: number) => `"${version}"`;

type Answer = (error: never) => HttpResult;
const plain =
  (status: number, code: string): Answer =>
  (error: Error) =>
    json(status, { error: code, message: error.message });

const answers: [abstract new (...args: never[]) => Error, Answer][] = [
  [ValidationFailed, (e: ValidationFailed) => json(400, { error: 'validation_failed', issues: e.issues })],
  [Unauthenticated, plain(401, 'unauthorized')],
  [UnknownSite, plain(401, 'unauthorized')],
  [BadSiteKey, plain(401, 'unauthorized')],
  // The staff API's refusals say why, before the generic answer catches the rest.
  [NotInTeam, plain(403, 'not_in_team')],
  [AdminOnly, plain(403, 'admin_only')],
  [Forbidden, plain(403, 'forbidden')],
  [OriginNotAllowed, plain(403, 'forbidden')],
  [OriginRequired, plain(403, 'origin_required')],
  [WrongKeyKind, plain(403, 'wrong_key_kind')],
  [BotCheckFailed, plain(403, 'bot_check_failed')],
  [NotFound, plain(404, 'not_found')],
  [
    StaleVersion,
    (e: StaleVersion) =>
      json(
        409,
        { error: 'version_conflict', current: e.current, message: e.message },
        { etag: etagOf(e.current) },
      ),
  ],
  [
    InvalidTransition,
    (e: InvalidTransition) =>
      json(409, { error: 'invalid_transition', action: e.action, status: e.status, message: e.message }),
  ],
  [StateConflict, (e: StateConflict) => json(409, { error: e.code, message: e.message, ...e.details })],
  [LinkUsed, plain(409, 'link_used')],
  [IdempotencyConflict, plain(409, 'idempotency_conflict')],
  [LinkExpired, plain(410, 'link_expired')],
  [PayloadTooLarge, plain(413, 'payload_too_large')],
  [UnsupportedMediaType, plain(415, 'unsupported_media_type')],
  [PreconditionRequired, plain(428, 'precondition_required')],
];

/** The answer to `error`; `unexpected` is told about anything outside the hierarchy first. */
export function errorResponse(error: unknown, unexpected: (error: unknown) => void): HttpResult {
  for (const [type, answer] of answers) if (error instanceof type) return answer(error as never);
  unexpected(error);
  return json(503, { error: 'unavailable', message: 'try again shortly' }, { 'retry-after': '1' });
}
