/** Errors of the staff API's use cases; functions/cases/handler.ts maps them to answers in one place. */
import { DomainError } from '../../shared/domain/errors.ts';

export class NotFound extends DomainError {
  constructor(
    readonly resource: 'case' | 'problem',
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

export class UnsupportedMediaType extends DomainError {}
export class PayloadTooLarge extends DomainError {}
