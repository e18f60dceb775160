import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { countLoop, logger, loopMetric } from '../../shared/observability.ts';
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
    let forwarded = 0;
    try {
      for (const record of event.Records) {
        try {
          if (await relayOne(record, ports)) forwarded += 1;
        } catch (error) {
          const sequenceNumber = record.dynamodb?.SequenceNumber ?? '';
          logger.error('outbox item not forwarded; the stream retries from it', {
            sequenceNumber,
            outboxId: record.dynamodb?.Keys?.pk?.S,
            error: error as Error,
          });
          countLoop(loopMetric.outboxFailed);
          return { batchItemFailures: [{ itemIdentifier: sequenceNumber }] };
        }
      }
      return { batchItemFailures: [] };
    } finally {
      countLoop(loopMetric.outboxForwarded, forwarded);
    }
  };
}

/** Forwards one record's outbox item; answers whether there was one. */
async function relayOne(record: DynamoDBRecord, ports: RelayPorts): Promise<boolean> {
  const image = record.dynamodb?.NewImage;
  if (record.eventName !== 'INSERT' || image?.type?.S !== itemTypes.outbox) return false;
  const item = unmarshall(image as Record<string, AttributeValue>) as OutboxItem;
  if (item.target === 'notify') await ports.notify(item.message);
  else await ports.publish(item.message);
  return true;
}
