/** Named domain errors; handlers map them to responses in one place. */
export class DomainError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export interface Problem {
  path: string;
  message: string;
}

export class ValidationFailed extends DomainError {
  constructor(readonly issues: Problem[]) {
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
