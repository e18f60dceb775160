import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { isForCustomer } from '../../shared/events/notice-requested.ts';
import { countLoop, logger, loopMetric } from '../../shared/observability.ts';
import type { OutboxItem } from '../../shared/repository/outbox.ts';
import { itemTypes } from '../../shared/table.ts';

export interface RelayPorts {
  /** Sends a notice for staff to the staff notify queue. */
  notifyStaff(message: Record<string, unknown>): Promise<void>;
  /** Sends a notice for a customer to the customer notify queue. */
  notifyCustomer(message: Record<string, unknown>): Promise<void>;
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
  if (item.target === 'bus') await ports.publish(item.message);
  else if (isForCustomer(item.message)) await ports.notifyCustomer(item.message);
  else await ports.notifyStaff(item.message);
  return true;
}
