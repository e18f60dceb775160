/**
 * Which language a notice is written in. The recipient's locale decides by its primary subtag
 * (`en-US`, `en_GB` → `en`; `ja-JP` → `ja`). Without a usable one, customers get their site's
 * default locale (else `ja`, the service's home market), staff get `en`.
 */
export const noticeLocales = ['ja', 'en'] as const;
export type NoticeLocale = (typeof noticeLocales)[number];

export function primaryLocale(tag: string | undefined): NoticeLocale | undefined {
  const primary = tag?.trim().split(/[-_]/)[0]?.toLowerCase();
  return (noticeLocales as readonly string[]).includes(primary ?? '') ? (primary as NoticeLocale) : undefined;
}

export function fallbackLocale(
  audience: 'customer' | 'staff',
  siteDefault: string | undefined,
): NoticeLocale {
  if (audience === 'staff') return 'en';
  return primaryLocale(siteDefault) ?? 'ja';
}

export function pickLocale(
  requested: string | undefined,
  audience: 'customer' | 'staff',
  siteDefault?: string,
): NoticeLocale {
  return primaryLocale(requested) ?? fallbackLocale(audience, siteDefault);
}
