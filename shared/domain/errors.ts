/** Named domain errors; handlers map them to responses in one place. */
export class DomainError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** One thing wrong with a request: where (`path`, e.g. `body.score`, `header:If-Match`) and what. */
export interface Issue {
  path: string;
  message: string;
}

export class ValidationFailed extends DomainError {
  constructor(readonly issues: Issue[]) {
    super(issues.map((i) => `${i.path || '(body)'}: ${i.message}`).join('; '));
  }
}

/** The Idempotency-Key was used before with another body. */
export class IdempotencyConflict extends DomainError {
  constructor(readonly feedbackId: string) {
    super('Idempotency-Key was already used with a different body');
  }
}

export class UnknownSite extends DomainError {}
export class BadSiteKey extends DomainError {}
export class OriginNotAllowed extends DomainError {}
/** A credential used where the other kind belongs (a server key from a browser, a site key on a server-only route). */
export class WrongKeyKind extends DomainError {}
/** The public site key came without an Origin: only browsers may use it. */
export class OriginRequired extends DomainError {}
/** The site's bot check (Turnstile) refused the request's token, or none was sent. */
export class BotCheckFailed extends DomainError {}

/** A queue message no retry can make readable: it fails alone, then goes to the DLQ. */
export class PoisonMessage extends DomainError {}

export class NotFound extends DomainError {
  constructor(
    readonly resource: 'case' | 'problem' | 'survey' | 'site' | 'known issue',
    readonly id: string,
  ) {
    super(`no ${resource} ${id}`);
  }
}

/** A change needs `If-Match: <version>` and the request has none (428). */
export class PreconditionRequired extends DomainError {
  constructor() {
    super('send If-Match: <version> (the case version you saw, from GET /v1/cases/{id})');
  }
}

/** A change the resource's state does not allow (409), with a machine-readable `code`. */
export class StateConflict extends DomainError {
  constructor(
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** The single-use signed link was spent before. */
export class LinkUsed extends DomainError {
  constructor() {
    super('this link was already used');
  }
}

/** The signed link is genuine but past its end (410): a survey that closed. */
export class LinkExpired extends DomainError {
  constructor() {
    super('this link has expired');
  }
}

/** The body is not JSON (415). */
export class UnsupportedMediaType extends DomainError {}
/** The body is over the route's limit (413). */
export class PayloadTooLarge extends DomainError {}

/** No valid staff identity (401). */
export class Unauthenticated extends DomainError {}

/** An identity that may not do this (403). */
export class Forbidden extends DomainError {}

/** Staff asked for what belongs to a team they are not on (403 `not_in_team`). */
export class NotInTeam extends Forbidden {}

/** A route for admins, asked by staff who are not (403 `admin_only`). */
export class AdminOnly extends Forbidden {}
