/** The `CaseReader` port on DynamoDB: one case by id, read consistently (notify, signed links). */
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { CaseReader } from '../domain/notice-ports.ts';
import { caseFromItem, caseKey } from '../repository/case-item.ts';

export function dynamoCaseReader(db: DynamoDBDocumentClient, tableName: string): CaseReader {
  return {
    async get(caseId) {
      const { Item } = await db.send(
        new GetCommand({ TableName: tableName, Key: caseKey(caseId), ConsistentRead: true }),
      );
      return Item ? caseFromItem(Item) : undefined;
    },
  };
}
