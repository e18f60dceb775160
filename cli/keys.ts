import { createHash, randomBytes } from 'node:crypto';

export type KeyKind = 'site' | 'server';

/** 32 random bytes, base64url, with a prefix that says which kind it is (`sk_…` public, `sv_…` secret). */
export function generateKey(kind: KeyKind, random: (bytes: number) => Buffer = randomBytes): string {
  return `${kind === 'site' ? 'sk' : 'sv'}_${random(32).toString('base64url')}`;
}

/** What config stores: the SHA-256 of the key, 64 lower-case hex characters. */
export const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');
