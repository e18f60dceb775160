import { PreconditionRequired, ValidationFailed } from '../../shared/domain/errors.ts';

/**
 * `If-Match: <version>` of a case change. Accepted: the bare version (`3`) or the strong entity
 * tag the API answers in `ETag` (`"3"`). Missing → 428; anything else (`*`, `W/"3"`, a list,
 * `0`, `abc`) → 400: a change must name the one version the caller saw.
 */
export function parseIfMatch(value: string | undefined): number {
  if (value === undefined || value.trim() === '') throw new PreconditionRequired();
  const m = /^\s*(?:"([1-9]\d{0,8})"|([1-9]\d{0,8}))\s*$/.exec(value);
  if (!m) {
    throw new ValidationFailed([
      { path: 'header:If-Match', message: 'must be the case version, e.g. 3 or "3" (from the ETag)' },
    ]);
  }
  return Number(m[1] ?? m[2]);
}
