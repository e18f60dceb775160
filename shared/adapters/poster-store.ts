/** Posters in DynamoDB (shared/repository/poster-item.ts). */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { PosterStore } from '../domain/poster.ts';
import {
  posterFromItem,
  posterKey,
  posterPointerItem,
  posterPointerKey,
  posterToItem,
} from '../repository/poster-item.ts';
import { getConsistent, writeAtomically } from './dynamo.ts';

export function dynamoPosterStore(db: DynamoDBDocumentClient, tableName: string): PosterStore {
  const get = async (posterId: string) => {
    const item = await getConsistent(db, tableName, posterKey(posterId));
    return item ? posterFromItem(item) : undefined;
  };
  const existing = async (siteId: string, touchpoint: string) => {
    const pointer = await getConsistent(db, tableName, posterPointerKey(siteId, touchpoint));
    return typeof pointer?.posterId === 'string' ? get(pointer.posterId) : undefined;
  };
  return {
    get,
    async getOrCreate(candidate) {
      const found = await existing(candidate.siteId, candidate.touchpoint);
      if (found) return found;
      const absent = { TableName: tableName, ConditionExpression: 'attribute_not_exists(pk)' };
      try {
        await writeAtomically(db, [
          { Put: { ...absent, Item: posterPointerItem(candidate) } },
          { Put: { ...absent, Item: posterToItem(candidate) } },
        ]);
        return candidate;
      } catch (error) {
        // Two staff members asked at once: the first one's poster is the touchpoint's.
        const raced = await existing(candidate.siteId, candidate.touchpoint);
        if (raced) return raced;
        throw error;
      }
    },
  };
}
