import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { scanPages } from '../../shared/adapters/dynamo.ts';
import type { Case, TimelineEvent } from '../../shared/domain/case.ts';
import { caseFromItem, eventFromItem } from '../../shared/repository/case-item.ts';
import { itemTypes } from '../../shared/table.ts';

export type CaseWithTimeline = Case & { timeline: TimelineEvent[] };

/**
 * Every case with its timeline, newest first (`GET /__local/cases`), until the staff API lands.
 * A Scan is fine for a local demo table; the staff API reads by key and index instead.
 */
export async function listCasesWithTimeline(
  db: DynamoDBDocumentClient,
  tableName: string,
): Promise<CaseWithTimeline[]> {
  const cases = new Map<string, Case>();
  const events = new Map<string, { sk: string; event: TimelineEvent }[]>();
  const pages = scanPages(db, {
    TableName: tableName,
    ConsistentRead: true,
    FilterExpression: '#type IN (:case, :event)',
    ExpressionAttributeNames: { '#type': 'type' },
    ExpressionAttributeValues: { ':case': itemTypes.case, ':event': itemTypes.event },
  });
  for await (const page of pages) {
    for (const item of page.items) {
      const pk = String(item.pk);
      if (item.type === itemTypes.case) cases.set(pk, caseFromItem(item));
      else events.set(pk, [...(events.get(pk) ?? []), { sk: String(item.sk), event: eventFromItem(item) }]);
    }
  }
  return [...cases]
    .map(([pk, c]) => {
      // The case as stored, SLA timer attributes (dueAt, dueStep) included: handy in a demo.
      const timeline = (events.get(pk) ?? []).sort((a, b) => (a.sk < b.sk ? -1 : 1)).map((e) => e.event);
      return { ...c, timeline };
    })
    .sort((a, b) =>
      a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : a.caseId < b.caseId ? 1 : -1,
    );
}
