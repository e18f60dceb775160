/**
 * DynamoDB wiring of what a signed link can do to a case (acknowledge, claim, answer the
 * follow-up survey): the `CaseActions` port of functions/notify/actions-handler.ts, implemented
 * by the staff API's use cases (functions/cases/link-actions.ts → `changeCase`), so a link and
 * `POST /v1/cases/{id}/<action>` write the same transaction: state, timeline event (via
 * `signed_link`), SLA timer recomputed from the timeline, attainment and open-case counters,
 * notices, and the link's single-use token (conditional on not being spent).
 */
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { linkCaseActions } from '../../functions/cases/link-actions.ts';
import type { Clock } from '../clock.ts';
import type { Config } from '../config/schema.ts';
import type { CaseActions, CaseReader } from '../domain/notice-ports.ts';
import { caseFromItem, caseKey } from '../repository/case-item.ts';
import { dynamoStaffCaseStore } from './staff-store.ts';

export function dynamoCaseReader(db: DynamoDBDocumentClient, tableName: string): CaseReader {
  return {
    async get(caseId) {
      const { Item } = await db.send(
        new GetCommand({ TableName: tableName, Key: caseKey(caseId), ConsistentRead: true }),
      );
      return Item ? caseFromItem(Item) : undefined;
    },
  };
}

export function dynamoCaseActions(
  db: DynamoDBDocumentClient,
  tableName: string,
  clock: Clock,
  config: Config,
): CaseActions {
  return linkCaseActions({ cases: dynamoStaffCaseStore(db, tableName), clock, config });
}
