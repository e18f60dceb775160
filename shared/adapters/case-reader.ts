/** The `CaseReader` port on DynamoDB: one case by id, read consistently (notify, signed links). */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CaseReader } from '../domain/notice-ports.ts';
import { caseFromItem, caseKey } from '../repository/case-item.ts';
import { getConsistent } from './dynamo.ts';

export function dynamoCaseReader(db: DynamoDBDocumentClient, tableName: string): CaseReader {
  return {
    async get(caseId) {
      const Item = await getConsistent(db, tableName, caseKey(caseId));
      return Item ? caseFromItem(Item) : undefined;
    },
  };
}
