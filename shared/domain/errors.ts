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
