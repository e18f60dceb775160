import { describe, expect, it } from 'vitest';
import { parseIfMatch } from '../../functions/cases/if-match.ts';
import { PreconditionRequired, ValidationFailed } from '../../shared/domain/errors.ts';
import { etagOf } from '../../shared/http-errors.ts';

describe('If-Match', () => {
  it('takes the bare version or the strong ETag the API answers', () => {
    expect(parseIfMatch('3')).toBe(3);
    expect(parseIfMatch('"3"')).toBe(3);
    expect(parseIfMatch(' "12" ')).toBe(12);
    expect(parseIfMatch(etagOf(41))).toBe(41);
  });

  it('is required: missing or blank → 428 (PreconditionRequired)', () => {
    expect(() => parseIfMatch(undefined)).toThrow(PreconditionRequired);
    expect(() => parseIfMatch('  ')).toThrow(PreconditionRequired);
  });

  it.each(['*', 'W/"3"', '"3", "4"', '0', '03', '-1', 'abc', '"3', '1.5', '9999999999'])(
    'refuses %s as malformed (400 naming header:If-Match)',
    (value) => {
      try {
        parseIfMatch(value);
        expect.unreachable();
      } catch (error) {
        expect(error).toBeInstanceOf(ValidationFailed);
        expect((error as ValidationFailed).issues).toEqual([
          { path: 'header:If-Match', message: expect.stringContaining('case version') },
        ]);
      }
    },
  );
});
