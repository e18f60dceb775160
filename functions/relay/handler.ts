import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { forwardOutbox } from '../../core/delivery/forward.ts';
import type { Clock } from '../../shared/clock.ts';
import type { OutboxMarks, RelayTargets } from '../../shared/domain/delivery-ports.ts';
import { countLoop, logger, loopMetric } from '../../shared/observability.ts';
import { type OutboxItem, outboxIdOf } from '../../shared/repository/outbox.ts';
import { itemTypes } from '../../shared/table.ts';

export interface RelayPorts extends RelayTargets, OutboxMarks {
  clock: Clock;
}

/** Only new outbox items are relayed; updates (the relay's own stamp) and deletes (TTL) are not messages. */
export const relayFilterPattern = {
  eventName: ['INSERT'],
  dynamodb: { NewImage: { type: { S: [itemTypes.outbox] } } },
};

/**
 * Forwards outbox items from the table's stream, in order. On a failure it reports that record
 * and stops, so Lambda retries from it and nothing after it overtakes it. Each forwarded item is
 * stamped `relayedAt`, so the intake reconciler knows it went.
 */
export function makeRelayHandler(ports: RelayPorts) {
  return async function relay(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
    let forwarded = 0;
    try {
      for (const record of event.Records) {
        let item: OutboxItem | undefined;
        try {
          item = outboxItemOf(record);
          if (item === undefined) continue;
          await forwardOutbox(item, ports);
          forwarded += 1;
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
        await stamp(item, ports);
      }
      return { batchItemFailures: [] };
    } finally {
      countLoop(loopMetric.outboxForwarded, forwarded);
    }
  };
}

/**
 * The message went; a stamp that fails only means the reconciler sends it once more later, which
 * the consumers absorb (triage marker, notice claims). Retrying the record would send it again now.
 */
async function stamp(item: OutboxItem, ports: RelayPorts): Promise<void> {
  try {
    await ports.markRelayed(outboxIdOf(item.pk), ports.clock.now());
  } catch (error) {
    logger.warn('outbox item forwarded but not stamped; the reconciler may send it again', {
      outboxId: item.pk,
      error: error as Error,
    });
  }
}

/** The record's new outbox item, if it is the insert of one. */
function outboxItemOf(record: DynamoDBRecord): OutboxItem | undefined {
  const image = record.dynamodb?.NewImage;
  if (record.eventName !== 'INSERT' || image?.type?.S !== itemTypes.outbox) return undefined;
  return unmarshall(image as Record<string, AttributeValue>) as OutboxItem;
}
