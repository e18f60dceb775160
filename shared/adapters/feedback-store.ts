import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { FeedbackStore } from '../domain/ports.ts';
import { fromItem, toItem } from '../repository/feedback-item.ts';
import { isConditionFailure } from './dynamo.ts';

export function dynamoFeedbackStore(
  db: DynamoDBDocumentClient,
  tableName: string,
  retentionDays: number,
): FeedbackStore {
  return {
    async putNew(feedback) {
      try {
        await db.send(
          new PutCommand({
            TableName: tableName,
            Item: toItem(feedback, retentionDays),
            ConditionExpression: 'attribute_not_exists(pk)',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        return { created: true };
      } catch (error) {
        if (!isConditionFailure(error) || !error.Item) throw error;
        return {
          created: false,
          existing: fromItem(unmarshall(error.Item as Record<string, AttributeValue>)),
        };
      }
    },
  };
}
