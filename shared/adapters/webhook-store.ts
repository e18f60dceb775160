/** Endpoint states in the table (shared/domain/webhook-ports.ts, shared/repository/webhook-item.ts). */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { EndpointStates } from '../domain/webhook-ports.ts';
import {
  webhookEndpointFromItem,
  webhookEndpointKey,
  webhookEndpointToItem,
} from '../repository/webhook-item.ts';
import { getConsistent, putIfAbsent } from './dynamo.ts';

export function dynamoEndpointStates(db: DynamoDBDocumentClient, tableName: string): EndpointStates {
  return {
    async get(ref) {
      const item = await getConsistent(db, tableName, webhookEndpointKey(ref));
      return item ? webhookEndpointFromItem(item) : undefined;
    },
    async disable(ref, state) {
      // The first 410 is the one kept; a second consumer that saw one too changes nothing.
      await putIfAbsent(db, tableName, webhookEndpointToItem(ref, state));
    },
  };
}
