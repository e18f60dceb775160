/**
 * Key formats of posters (shared/domain/poster.ts):
 * - `poster`: `POSTER#<posterId>` / `POSTER`, the poster itself, read on every answer to its code;
 * - `posterPointer`: `POSTERFOR#<siteId>#<touchpoint>` / `POSTER`, the touchpoint's one poster, so
 *   fetching the code again gives the same code.
 * Neither expires: printed codes stay up for years.
 */
import type { Poster } from '../domain/poster.ts';
import { itemTypes } from '../table.ts';

export const posterKey = (posterId: string) => ({ pk: `POSTER#${posterId}`, sk: 'POSTER' });
export const posterPointerKey = (siteId: string, touchpoint: string) => ({
  pk: `POSTERFOR#${siteId}#${touchpoint}`,
  sk: 'POSTER',
});

export const posterToItem = (poster: Poster) => ({
  ...posterKey(poster.posterId),
  type: itemTypes.poster,
  ...poster,
});

export function posterFromItem(item: Record<string, unknown>): Poster {
  const { pk: _pk, sk: _sk, type: _type, ...poster } = item;
  return poster as unknown as Poster;
}

export const posterPointerItem = (poster: Poster) => ({
  ...posterPointerKey(poster.siteId, poster.touchpoint),
  type: itemTypes.posterPointer,
  posterId: poster.posterId,
});
