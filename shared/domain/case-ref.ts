/**
 * The short case reference a customer can read out on the phone (`CL-7K3M9`), beside the internal
 * case id. Pure: the random bytes come from the caller (node:crypto in the functions).
 */

/**
 * Crockford's base 32 without 0, 1 (they read as O, I, L) and without the letters Crockford
 * already drops (I, L, O, U): 30 symbols that survive handwriting, a phone line and a bad font.
 */
export const caseRefAlphabet = '23456789ABCDEFGHJKMNPQRSTVWXYZ';
export const caseRefPrefix = 'CL-';
/**
 * 30⁵ ≈ 24 million references before the first collision retry grows them; each retry after a
 * taken reference draws one symbol more (up to 8), so a crowded deployment never runs dry.
 */
export const caseRefMinLength = 5;
export const caseRefMaxLength = 8;

export const caseRefPattern = new RegExp(
  `^${caseRefPrefix}[${caseRefAlphabet}]{${caseRefMinLength},${caseRefMaxLength}}$`,
);

/** Bytes at or above this would make `byte % 30` favour the first symbols: they are skipped. */
const unbiasedBelow = 256 - (256 % caseRefAlphabet.length);

/**
 * A reference of `length` symbols from random bytes; asks for more bytes while too many were
 * skipped, so every symbol is equally likely.
 */
export function caseRefFrom(randomBytes: (n: number) => Uint8Array, length = caseRefMinLength): string {
  let symbols = '';
  while (symbols.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte >= unbiasedBelow) continue;
      symbols += caseRefAlphabet[byte % caseRefAlphabet.length];
      if (symbols.length === length) break;
    }
  }
  return `${caseRefPrefix}${symbols}`;
}

/** The length to draw after `taken` references were found in use (shared/domain/triage-ports.ts). */
export const caseRefLengthAfter = (taken: number) => Math.min(caseRefMinLength + taken, caseRefMaxLength);

/** Staff type what the customer reads out, in either case: `cl-7k3m9` finds `CL-7K3M9`. */
export const caseRefInputPattern = new RegExp(
  `^[Cc][Ll]-[${caseRefAlphabet}${caseRefAlphabet.toLowerCase()}]{${caseRefMinLength},${caseRefMaxLength}}$`,
);
export const normalizeCaseRef = (raw: string) => raw.toUpperCase();
