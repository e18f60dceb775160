import { describe, expect, it } from 'vitest';
import { StaleVersion } from '../../shared/domain/case-commands.ts';
import {
  AdminOnly,
  BotCheckFailed,
  Forbidden,
  IdempotencyConflict,
  NotFound,
  NotInTeam,
  OriginRequired,
  PayloadTooLarge,
  PreconditionRequired,
  StateConflict,
  UnknownSite,
  UnsupportedMediaType,
  ValidationFailed,
  WrongKeyKind,
} from '../../shared/domain/errors.ts';
import { errorResponse } from '../../shared/http-errors.ts';

const answer = (error: unknown) => {
  const unexpected: unknown[] = [];
  const result = errorResponse(error, (e) => unexpected.push(e));
  return {
    status: result.statusCode,
    body: JSON.parse(result.body as string),
    headers: result.headers,
    unexpected,
  };
};

describe('the one HTTP error mapper', () => {
  it.each([
    [new ValidationFailed([{ path: 'rating.score', message: 'must be 0–10' }]), 400, 'validation_failed'],
    [new UnknownSite('unknown site "x"'), 401, 'unauthorized'],
    [new Forbidden('this link is not genuine'), 403, 'forbidden'],
    [new NotInTeam('not a member of team web'), 403, 'not_in_team'],
    [new AdminOnly('admins only'), 403, 'admin_only'],
    [new OriginRequired('no origin'), 403, 'origin_required'],
    [new WrongKeyKind('server key from a page'), 403, 'wrong_key_kind'],
    [new BotCheckFailed('no token'), 403, 'bot_check_failed'],
    [new NotFound('case', 'case_1'), 404, 'not_found'],
    [new StateConflict('problem_resolved', 'already resolved'), 409, 'problem_resolved'],
    [new IdempotencyConflict('key reused'), 409, 'idempotency_conflict'],
    [new PayloadTooLarge('too big'), 413, 'payload_too_large'],
    [new UnsupportedMediaType('not json'), 415, 'unsupported_media_type'],
    [new PreconditionRequired(), 428, 'precondition_required'],
  ])('answers %s with its one status and code', (error, status, code) => {
    const { status: got, body, unexpected } = answer(error);

    expect({ status: got, error: body.error }).toEqual({ status, error: code });
    expect(unexpected).toEqual([]);
  });

  it('answers a stale version with the current one and its ETag', () => {
    const { status, body, headers } = answer(new StaleVersion(7));

    expect(status).toBe(409);
    expect(body).toMatchObject({ error: 'version_conflict', current: 7 });
    expect(headers.etag).toBe('"7"');
  });

  it('answers anything outside the hierarchy 503 with Retry-After, and hands it to the caller to log', () => {
    const boom = new Error('DynamoDB is down');

    const { status, body, headers, unexpected } = answer(boom);

    expect(status).toBe(503);
    expect(body).toEqual({ error: 'unavailable', message: 'try again shortly' });
    expect(headers['retry-after']).toBe('1');
    expect(unexpected).toEqual([boom]);
  });
});
