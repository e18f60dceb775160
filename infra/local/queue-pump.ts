import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

export type SqsHandler = (event: SQSEvent) => Promise<SQSBatchResponse | undefined>;

/**
 * Stands in for a Lambda SQS event source mapping with ReportBatchItemFailures: successes are
 * deleted, failures stay on the queue (and move to the DLQ after maxReceiveCount). Locally a
 * failure becomes visible again after `retryDelaySeconds` rather than the full visibility
 * timeout, so retries take seconds, not minutes.
 */
export class QueuePump {
  #stopped = true;
  #loop: Promise<void> | undefined;

  constructor(
    private readonly sqs: SQSClient,
    readonly queueUrl: string,
    private readonly queueArn: string,
    private readonly handler: SqsHandler,
    private readonly opts: {
      batchSize?: number;
      retryDelaySeconds?: number;
      onError?: (e: unknown) => void;
    } = {},
  ) {}

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#loop = (async () => {
      while (!this.#stopped) {
        try {
          await this.pollOnce(1);
        } catch (error) {
          this.opts.onError?.(error);
          await new Promise((r) => setTimeout(r, 500));
        }
      }
    })();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#loop;
  }

  /** Receives one batch and hands it to the handler; answers how many messages it saw. */
  async pollOnce(waitSeconds = 0): Promise<number> {
    const received = await this.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.queueUrl,
        MaxNumberOfMessages: this.opts.batchSize ?? 10,
        WaitTimeSeconds: waitSeconds,
        MessageSystemAttributeNames: ['All'],
      }),
    );
    const messages = received.Messages ?? [];
    if (messages.length === 0) return 0;
    let failedIds: Set<string>;
    try {
      const response = await this.handler({ Records: messages.map((m) => this.#toRecord(m)) });
      failedIds = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
    } catch (error) {
      this.opts.onError?.(error);
      failedIds = new Set(messages.map((m) => m.MessageId!));
    }
    const done = messages.filter((m) => !failedIds.has(m.MessageId!));
    const failed = messages.filter((m) => failedIds.has(m.MessageId!));
    if (done.length > 0) {
      await this.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
        }),
      );
    }
    if (failed.length > 0) {
      await this.sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: failed.map((m, i) => ({
            Id: String(i),
            ReceiptHandle: m.ReceiptHandle!,
            VisibilityTimeout: this.opts.retryDelaySeconds ?? 1,
          })),
        }),
      );
    }
    return messages.length;
  }

  #toRecord(m: Message): SQSRecord {
    const a = m.Attributes ?? {};
    return {
      messageId: m.MessageId!,
      receiptHandle: m.ReceiptHandle!,
      body: m.Body ?? '',
      attributes: {
        ApproximateReceiveCount: a.ApproximateReceiveCount ?? '1',
        SentTimestamp: a.SentTimestamp ?? '0',
        SenderId: a.SenderId ?? 'local',
        ApproximateFirstReceiveTimestamp: a.ApproximateFirstReceiveTimestamp ?? '0',
      },
      messageAttributes: {},
      md5OfBody: m.MD5OfBody ?? '',
      eventSource: 'aws:sqs',
      eventSourceARN: this.queueArn,
      awsRegion: 'local',
    };
  }
}

/** Pumps started and stopped as one: the notify function reads the staff and the customer queue. */
export class PumpSet {
  constructor(readonly pumps: readonly QueuePump[]) {}

  start(): void {
    for (const pump of this.pumps) pump.start();
  }

  async stop(): Promise<void> {
    await Promise.all(this.pumps.map((pump) => pump.stop()));
  }
}
