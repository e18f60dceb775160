/**
 * An in-memory stand-in for the one table behind aws-sdk-client-mock's DocumentClient mock, for
 * unit tests of adapters and handlers. It evaluates the small expression language the adapters
 * use (attribute_(not_)exists, `=`, `IN`, AND, OR; SET (with `if_not_exists(a, :v) + :w`) / REMOVE /
 * ADD) and fails conditions the way
 * DynamoDB does (ConditionalCheckFailedException, TransactionCanceledException with reasons).
 * Anything else throws, so a test never passes on an expression this fake does not understand.
 */
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { AwsStub } from 'aws-sdk-client-mock';

type Item = Record<string, unknown>;
type Names = Record<string, string> | undefined;
type Values = Record<string, unknown> | undefined;
interface Key {
  pk: string;
  sk: string;
}

const keyOf = (k: Key) => `${k.pk}\u0000${k.sk}`;
const clone = <T>(v: T): T => structuredClone(v);
const named = (token: string, names: Names) => (token.startsWith('#') ? (names?.[token] ?? token) : token);

function conditionHolds(
  expr: string | undefined,
  item: Item | undefined,
  names: Names,
  values: Values,
): boolean {
  if (!expr) return true;
  return expr.split(/\s+OR\s+/).some((alternative) => allHold(alternative, item, names, values));
}

function allHold(expr: string, item: Item | undefined, names: Names, values: Values): boolean {
  return expr.split(/\s+AND\s+/).every((part) => {
    const p = part.trim().replace(/^\((.*)\)$/, '$1');
    let m = /^(\S+) IN \(([^)]*)\)$/.exec(p);
    if (m) {
      const options = m[2]!.split(',').map((v) => values?.[v.trim()]);
      return item !== undefined && options.includes(item[named(m[1]!, names)]);
    }
    m = /^attribute_not_exists\((\S+)\)$/.exec(p);
    if (m) return item?.[named(m[1]!, names)] === undefined;
    m = /^attribute_exists\((\S+)\)$/.exec(p);
    if (m) return item?.[named(m[1]!, names)] !== undefined;
    m = /^(\S+) = (:\S+)$/.exec(p);
    if (m) return item !== undefined && item[named(m[1]!, names)] === values?.[m[2]!];
    throw new Error(`fake table: unsupported condition "${p}"`);
  });
}

function applyUpdate(expr: string, item: Item, names: Names, values: Values): Item {
  const next = clone(item);
  const sections = expr.split(/\b(SET|REMOVE|ADD)\b/).map((s) => s.trim());
  for (let i = 1; i < sections.length; i += 2) {
    const verb = sections[i];
    const body = sections[i + 1] ?? '';
    for (const clause of body
      .split(/,(?![^(]*\))/)
      .map((c) => c.trim())
      .filter(Boolean)) {
      if (verb === 'SET') {
        const counter = /^(\S+) = if_not_exists\((\S+), (:\S+)\) \+ (:\S+)$/.exec(clause);
        if (counter) {
          const start = next[named(counter[2]!, names)] ?? values?.[counter[3]!];
          next[named(counter[1]!, names)] = Number(start) + Number(values?.[counter[4]!]);
          continue;
        }
        const m = /^(\S+) = (:\S+)$/.exec(clause);
        if (!m) throw new Error(`fake table: unsupported SET "${clause}"`);
        next[named(m[1]!, names)] = clone(values?.[m[2]!]);
      } else if (verb === 'REMOVE') {
        delete next[named(clause, names)];
      } else {
        const m = /^(\S+) (:\S+)$/.exec(clause);
        if (!m) throw new Error(`fake table: unsupported ADD "${clause}"`);
        const name = named(m[1]!, names);
        next[name] = Number(next[name] ?? 0) + Number(values?.[m[2]!]);
      }
    }
  }
  return next;
}

const conditionFailed = () =>
  Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' });

export class FakeTable {
  readonly items = new Map<string, Item>();
  /** Every write command's input, in order (for assertions on what was written together). */
  readonly writes: { command: string; input: unknown }[] = [];

  // biome-ignore lint/suspicious/noExplicitAny: any DocumentClient mock (aws-sdk-client-mock's types are per client)
  constructor(m: AwsStub<any, any, any>) {
    m.on(GetCommand).callsFake((input: { Key: Key }) => {
      const item = this.items.get(keyOf(input.Key));
      return { Item: item ? clone(item) : undefined };
    });
    // Queries of one partition of the table (no index): `pk = :pk`, optionally `AND begins_with(sk, :x)`.
    m.on(QueryCommand).callsFake(
      (input: {
        IndexName?: string;
        KeyConditionExpression?: string;
        ExpressionAttributeValues?: Values;
      }) => {
        const m2 = /^pk = (:\S+)(?: AND begins_with\(sk, (:\S+)\))?$/.exec(
          input.KeyConditionExpression ?? '',
        );
        if (input.IndexName || !m2) {
          throw new Error(
            `fake table: unsupported query ${input.IndexName ?? ''} ${input.KeyConditionExpression}`,
          );
        }
        const pk = input.ExpressionAttributeValues?.[m2[1]!];
        const prefix = m2[2] ? String(input.ExpressionAttributeValues?.[m2[2]]) : '';
        const items = [...this.items.values()]
          .filter((i) => i.pk === pk && String(i.sk).startsWith(prefix))
          .sort((a, b) => (String(a.sk) < String(b.sk) ? -1 : 1))
          .map(clone);
        return { Items: items, Count: items.length, ScannedCount: items.length };
      },
    );
    m.on(PutCommand).callsFake((input) => {
      this.writes.push({ command: 'Put', input });
      this.#put(input);
      return {};
    });
    m.on(DeleteCommand).callsFake((input) => {
      this.writes.push({ command: 'Delete', input });
      this.#delete(input);
      return {};
    });
    m.on(UpdateCommand).callsFake((input) => {
      this.writes.push({ command: 'Update', input });
      this.#update(input);
      return input.ReturnValues ? { Attributes: this.get(input.Key) } : {};
    });
    m.on(TransactWriteCommand).callsFake((input: { TransactItems: Record<string, Item>[] }) => {
      this.writes.push({ command: 'TransactWrite', input });
      const fault = this.transactFaults.shift();
      if (fault === 'throttled') {
        throw Object.assign(new Error('Throughput exceeds the current capacity'), {
          name: 'ThrottlingException',
          $fault: 'client',
        });
      }
      const codes = input.TransactItems.map((t) => (this.#holds(t) ? 'None' : 'ConditionalCheckFailed'));
      if (codes.includes('ConditionalCheckFailed')) {
        throw Object.assign(new Error('Transaction cancelled'), {
          name: 'TransactionCanceledException',
          CancellationReasons: codes.map((Code) => ({ Code })),
        });
      }
      for (const t of input.TransactItems) {
        if (t.Put) this.#put(t.Put as never);
        if (t.Update) this.#update(t.Update as never);
        if (t.Delete) this.#delete(t.Delete as never);
      }
      if (fault === 'answer_lost') {
        throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError', $fault: 'client' });
      }
      return {};
    });
  }

  /**
   * Faults for the next TransactWrites, in order: `throttled` (nothing written) or `answer_lost`
   * (written, then the caller sees an error, as when a response times out).
   */
  readonly transactFaults: ('throttled' | 'answer_lost')[] = [];

  get(key: Key): Item | undefined {
    const item = this.items.get(keyOf(key));
    return item ? clone(item) : undefined;
  }

  put(item: object): void {
    this.items.set(keyOf(item as Key), clone(item as Item));
  }

  /** Items whose pk starts with `prefix`. */
  query(prefix: string): Item[] {
    return [...this.items.values()].filter((i) => String(i.pk).startsWith(prefix)).map(clone);
  }

  #holds(t: Record<string, Item>): boolean {
    const op = (t.Put ?? t.Update ?? t.Delete ?? t.ConditionCheck) as {
      Item?: Item;
      Key?: Key;
      ConditionExpression?: string;
      ExpressionAttributeNames?: Names;
      ExpressionAttributeValues?: Values;
    };
    const key = (op.Key ?? op.Item) as unknown as Key;
    return conditionHolds(
      op.ConditionExpression,
      this.items.get(keyOf(key)),
      op.ExpressionAttributeNames,
      op.ExpressionAttributeValues,
    );
  }

  #put(input: {
    Item: Item;
    ConditionExpression?: string;
    ExpressionAttributeNames?: Names;
    ExpressionAttributeValues?: Values;
  }) {
    const key = keyOf(input.Item as unknown as Key);
    if (
      !conditionHolds(
        input.ConditionExpression,
        this.items.get(key),
        input.ExpressionAttributeNames,
        input.ExpressionAttributeValues,
      )
    )
      throw conditionFailed();
    this.items.set(key, clone(input.Item));
  }

  #delete(input: {
    Key: Key;
    ConditionExpression?: string;
    ExpressionAttributeNames?: Names;
    ExpressionAttributeValues?: Values;
  }) {
    const key = keyOf(input.Key);
    if (
      !conditionHolds(
        input.ConditionExpression,
        this.items.get(key),
        input.ExpressionAttributeNames,
        input.ExpressionAttributeValues,
      )
    )
      throw conditionFailed();
    this.items.delete(key);
  }

  #update(input: {
    Key: Key;
    UpdateExpression: string;
    ConditionExpression?: string;
    ExpressionAttributeNames?: Names;
    ExpressionAttributeValues?: Values;
    ReturnValuesOnConditionCheckFailure?: string;
  }) {
    const key = keyOf(input.Key);
    const current = this.items.get(key);
    if (
      !conditionHolds(
        input.ConditionExpression,
        current,
        input.ExpressionAttributeNames,
        input.ExpressionAttributeValues,
      )
    ) {
      const failed = conditionFailed();
      // As DynamoDB: the old item comes back in its wire form, for the caller to unmarshall.
      if (input.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' && current) {
        throw Object.assign(failed, { Item: marshall(current, { removeUndefinedValues: true }) });
      }
      throw failed;
    }
    this.items.set(
      key,
      applyUpdate(
        input.UpdateExpression,
        current ?? { ...input.Key },
        input.ExpressionAttributeNames,
        input.ExpressionAttributeValues,
      ),
    );
  }
}
