import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { OutboxItem } from '../../shared/repository/outbox.ts';
import { itemTypes } from '../../shared/table.ts';

export interface RelayPorts {
  /** Sends a message body to the notify queue. */
  notify(message: Record<string, unknown>): Promise<void>;
  /** Publishes a versioned event (its `type` names it) to the event bus. */
  publish(event: Record<string, unknown>): Promise<void>;
}

/** Only new outbox items are relayed; updates and deletes (TTL) are not messages. */
export const relayFilterPattern = {
  eventName: ['INSERT'],
  dynamodb: { NewImage: { type: { S: [itemTypes.outbox] } } },
};

/**
 * Forwards outbox items from the table's stream, in order. On a failure it reports that record
 * and stops, so Lambda retries from it and nothing after it overtakes it.
 */
export function makeRelayHandler(ports: RelayPorts) {
  return async function relay(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
    for (const record of event.Records) {
      try {
        await relayOne(record, ports);
      } catch {
        return { batchItemFailures: [{ itemIdentifier: record.dynamodb?.SequenceNumber ?? '' }] };
      }
    }
    return { batchItemFailures: [] };
  };
}

async function relayOne(record: DynamoDBRecord, ports: RelayPorts): Promise<void> {
  const image = record.dynamodb?.NewImage;
  if (record.eventName !== 'INSERT' || image?.type?.S !== itemTypes.outbox) return;
  const item = unmarshall(image as Record<string, AttributeValue>) as OutboxItem;
  if (item.target === 'notify') await ports.notify(item.message);
  else await ports.publish(item.message);
}
