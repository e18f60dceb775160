import { linkMaintained, type Problem, type ProblemStatus } from '../domain/problem.ts';
import { itemTypes } from '../table.ts';

/**
 * Problems share one partition with their case links, so "every case of this problem" is one
 * Query (`pk = PROBLEM#<problemId>`): `sk = PROBLEM` is the problem, `sk = CASE#<caseId>` a link.
 * The case itself carries `problemId` too (set in the same transaction as the link).
 */
export const problemPk = (problemId: string) => `PROBLEM#${problemId}`;
export const problemKey = (problemId: string) => ({ pk: problemPk(problemId), sk: 'PROBLEM' as const });
export const problemCaseSkPrefix = 'CASE#';
export const problemCaseKey = (problemId: string, caseId: string) => ({
  pk: problemPk(problemId),
  sk: `${problemCaseSkPrefix}${caseId}`,
});

/** The problems-by-status index's keys (shared/table.ts `problemsByStatusIndex`). */
export const problemStatusKey = (status: ProblemStatus) => `PROBLEMS#${status}`;
export const problemIndexFields = (p: Pick<Problem, 'status' | 'createdAt' | 'problemId'>) => ({
  problemStatus: problemStatusKey(p.status),
  problemCreated: `${p.createdAt}#${p.problemId}`,
});

/**
 * The touchpoints, teams and sites of the linked cases are string sets on the item, so each link
 * can `ADD` its own without reading the problem (DynamoDB has no empty set: absent until a link).
 */
export type ProblemItem = Omit<Problem, (typeof linkMaintained)[number]> & {
  pk: string;
  sk: 'PROBLEM';
  type: typeof itemTypes.problem;
  problemStatus: string;
  problemCreated: string;
};

export interface ProblemCaseItem {
  pk: string;
  sk: string;
  type: typeof itemTypes.problemCase;
  problemId: string;
  caseId: string;
  teamId: string;
  touchpoint?: string;
  siteId?: string;
  /** `<siteId>.<hash>` of the case's customer address (shared/domain/contact.ts), when it has one. */
  customerRef?: string;
  linkedAt: string;
  linkedBy: string;
}

/** The problem's own attributes: what `update` may write (never the link-maintained sets). */
export function problemAttributes(p: Partial<Problem>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...p };
  for (const field of linkMaintained) delete out[field];
  if (p.status !== undefined && p.createdAt !== undefined && p.problemId !== undefined) {
    Object.assign(
      out,
      problemIndexFields({ status: p.status, createdAt: p.createdAt, problemId: p.problemId }),
    );
  }
  return out;
}

export function toProblemItem(p: Problem): ProblemItem {
  return { ...problemKey(p.problemId), type: itemTypes.problem, ...problemAttributes(p) } as ProblemItem;
}

const sortedSet = (value: unknown): string[] =>
  value instanceof Set || Array.isArray(value) ? [...value].map(String).sort() : [];

export function problemFromItem(item: Record<string, unknown>): Problem {
  const { pk: _pk, sk: _sk, type: _type, problemStatus: _s, problemCreated: _c, ...rest } = item;
  return {
    ...(rest as unknown as Problem),
    touchpoints: sortedSet(item.touchpoints),
    teams: sortedSet(item.teams),
    siteIds: sortedSet(item.siteIds),
  };
}

/** The update a link adds to the problem item, in the case's transaction. */
export function problemLinkUpdate(
  tableName: string,
  problemId: string,
  link: { touchpoint: string; teamId: string; siteId: string },
) {
  return {
    TableName: tableName,
    Key: problemKey(problemId),
    UpdateExpression: 'ADD touchpoints :touchpoint, teams :team, siteIds :site',
    ConditionExpression: 'attribute_exists(pk)',
    ExpressionAttributeValues: {
      ':touchpoint': new Set([link.touchpoint]),
      ':team': new Set([link.teamId]),
      ':site': new Set([link.siteId]),
    },
  };
}

/**
 * A resolved problem's verification still to run: one partition, `sk = <dueAt>#<problemId>`, so
 * the minute job reads what is due with one Query and deletes what it ran. Problems are few.
 */
export const problemCheckPk = 'PROBLEMCHECK';
export const problemCheckKey = (dueAt: string, problemId: string) => ({
  pk: problemCheckPk,
  sk: `${dueAt}#${problemId}`,
});
export const toProblemCheckItem = (c: { problemId: string; dueAt: string; resolution: number }) => ({
  ...problemCheckKey(c.dueAt, c.problemId),
  type: itemTypes.problemCheck,
  ...c,
});

export function toProblemCaseItem(link: Omit<ProblemCaseItem, 'pk' | 'sk' | 'type'>): ProblemCaseItem {
  return { ...problemCaseKey(link.problemId, link.caseId), type: itemTypes.problemCase, ...link };
}
