/**
 * Text normalisation for keyword matching (ja / en).
 *
 * `normalizeText` applies Unicode NFKC (half-width ｶﾀｶﾅ → full-width カタカナ with voiced marks
 * composed, full-width ＡＢＣ/１２３ → ABC/123, full-width space → space), lower-cases
 * (locale-independent), collapses every run of whitespace to one space and trims.
 */
export function normalizeText(s: string): string {
  return s.normalize('NFKC').toLowerCase().replace(/\s+/gu, ' ').trim();
}

/**
 * Position of `keyword` (normalised the same way) in an already normalised text, or -1.
 * Plain substring search: Japanese has no word boundaries. An empty keyword never matches.
 */
export function keywordIndex(normalizedText: string, keyword: string): number {
  const k = normalizeText(keyword);
  if (k === '') return -1;
  return normalizedText.indexOf(k);
}

/** Whether `keyword` (normalised the same way) occurs in an already normalised text. */
export function containsKeyword(normalizedText: string, keyword: string): boolean {
  return keywordIndex(normalizedText, keyword) >= 0;
}
