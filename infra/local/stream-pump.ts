import {
  type _Record,
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';

/**
 * Stands in for the EventBridge Pipe (or event source mapping) that reads the table's stream in
 * AWS: records are delivered in order, and a shard's position only moves past a record once
 * `deliver` succeeded, so a failing queue delays delivery but never drops it.
 */
export class StreamPump {
  readonly #positions = new Map<string, { after?: string; closed?: boolean }>();
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;
  failures = 0;
  delivered = 0;
  /** Records passed over by `dropPending` (lost as if the stream had trimmed them). */
  dropped = 0;

  constructor(
    private readonly streams: DynamoDBStreamsClient,
    private readonly streamArn: string,
    private readonly deliver: (record: _Record) => Promise<void>,
    private readonly onError: (error: unknown) => void = () => {},
  ) {}

  start(intervalMs = 200): void {
    this.#stopped = false;
    const tick = async () => {
      await this.pollOnce();
      if (!this.#stopped) this.#timer = setTimeout(tick, intervalMs);
    };
    this.#timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }

  /** One pass over every shard; overlapping calls share the pass in flight. */
  pollOnce(): Promise<void> {
    this.#running ??= this.#pass().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  /**
   * Moves every shard past the records it holds without delivering them: what AWS does to records
   * older than the stream's 24 h retention while both readers are down. Answers how many were lost.
   */
  async dropPending(): Promise<number> {
    await this.#running;
    const before = this.dropped;
    const shards = await this.#shards();
    for (const shard of shards) {
      await this.#drainShard(
        shard,
        async () => {
          this.dropped++;
        },
        { evenIfStopped: true },
      );
    }
    return this.dropped - before;
  }

  async #pass(): Promise<void> {
    try {
      const shards = await this.#shards();
      for (const shard of shards) {
        await this.#drainShard(shard, async (record) => {
          await this.deliver(record);
          this.delivered++;
        });
      }
    } catch (error) {
      this.failures++;
      this.onError(error);
    }
  }

  async #shards() {
    const description = await this.streams.send(new DescribeStreamCommand({ StreamArn: this.streamArn }));
    const shards = description.StreamDescription?.Shards ?? [];
    // Parents before children keeps per-item order across shard splits.
    return shards
      .filter((s) => !this.#positions.get(s.ShardId!)?.closed)
      .sort((a, b) =>
        BigInt(a.SequenceNumberRange?.StartingSequenceNumber ?? '0') <
        BigInt(b.SequenceNumberRange?.StartingSequenceNumber ?? '0')
          ? -1
          : 1,
      );
  }

  async #drainShard(
    shard: { ShardId?: string },
    handle: (record: _Record) => Promise<void>,
    { evenIfStopped = false } = {},
  ): Promise<void> {
    const shardId = shard.ShardId!;
    const position = this.#positions.get(shardId) ?? {};
    this.#positions.set(shardId, position);
    let iterator = (
      await this.streams.send(
        new GetShardIteratorCommand({
          StreamArn: this.streamArn,
          ShardId: shardId,
          ShardIteratorType: position.after ? 'AFTER_SEQUENCE_NUMBER' : 'TRIM_HORIZON',
          SequenceNumber: position.after,
        }),
      )
    ).ShardIterator;
    while (iterator && (evenIfStopped || !this.#stopped)) {
      const page = await this.streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 100 }));
      for (const record of page.Records ?? []) {
        await handle(record);
        position.after = record.dynamodb?.SequenceNumber;
      }
      if (!page.NextShardIterator) position.closed = true;
      if (!page.Records?.length) return;
      iterator = page.NextShardIterator;
    }
  }
}
