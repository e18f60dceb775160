import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';

export const eventSource = 'closeloop';

export function queueSender(sqs: SQSClient, queueUrl: string) {
  return async (message: Record<string, unknown>) => {
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(message) }));
  };
}

/** Events go out with `source: closeloop` and the contract's name as detail-type. */
export function busPublisher(client: EventBridgeClient, busName: string) {
  return async (event: Record<string, unknown>) => {
    const result = await client.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: busName,
            Source: eventSource,
            DetailType: String(event.type),
            Detail: JSON.stringify(event),
          },
        ],
      }),
    );
    // PutEvents answers 200 even when an entry failed; a failed entry must be retried.
    if (result.FailedEntryCount) {
      throw new Error(
        `event bus refused ${String(event.type)}: ${result.Entries?.[0]?.ErrorMessage ?? 'unknown'}`,
      );
    }
  };
}
