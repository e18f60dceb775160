/**
 * Cases by creation time, one team at a time, from the `casesByTeam` index (shared/table.ts: the
 * sort key `caseCreated` is `<createdAt>#<caseId>`, so a time range is a key condition, no scan).
 */
import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Case } from '../../shared/domain/case.ts';
import { caseFromItem, caseTeamKey } from '../../shared/repository/case-item.ts';
import { table } from '../../shared/table.ts';

export interface CreatedRange {
  /** Inclusive ISO instant. */
  from?: string;
  /** Exclusive ISO instant. */
  to?: string;
}

export async function* casesCreated(
  db: DynamoDBDocumentClient,
  tableName: string,
  teamId: string,
  range: CreatedRange,
): AsyncGenerator<Case> {
  const index = table.casesByTeamIndex;
  const names: Record<string, string> = { '#team': index.partitionKey, '#created': index.sortKey };
  const values: Record<string, unknown> = { ':team': caseTeamKey(teamId) };
  let condition = '#team = :team';
  // `<createdAt>#<caseId>` sorts after `<createdAt>`, so the exclusive `to` bound holds for BETWEEN too.
  if (range.from !== undefined) values[':from'] = range.from;
  if (range.to !== undefined) values[':to'] = range.to;
  if (range.from !== undefined && range.to !== undefined) condition += ' AND #created BETWEEN :from AND :to';
  else if (range.from !== undefined) condition += ' AND #created >= :from';
  else if (range.to !== undefined) condition += ' AND #created < :to';
  else delete names['#created'];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await db.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: index.name,
        KeyConditionExpression: condition,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ScanIndexForward: true,
        ExclusiveStartKey: start,
      }),
    );
    for (const item of page.Items ?? []) {
      const { timerShard: _s, dueAt: _d, dueStep: _t, ...rest } = item;
      yield caseFromItem(rest);
    }
    start = page.LastEvaluatedKey;
  } while (start);
}
