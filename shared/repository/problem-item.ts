import type { Problem } from '../domain/problem.ts';
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

export interface ProblemItem extends Problem {
  pk: string;
  sk: 'PROBLEM';
  type: typeof itemTypes.problem;
}

export interface ProblemCaseItem {
  pk: string;
  sk: string;
  type: typeof itemTypes.problemCase;
  problemId: string;
  caseId: string;
  teamId: string;
  linkedAt: string;
  linkedBy: string;
}

export function toProblemItem(p: Problem): ProblemItem {
  return { ...problemKey(p.problemId), type: itemTypes.problem, ...p };
}

export function problemFromItem(item: Record<string, unknown>): Problem {
  const { pk: _pk, sk: _sk, type: _type, ...rest } = item;
  return rest as unknown as Problem;
}

export function toProblemCaseItem(link: Omit<ProblemCaseItem, 'pk' | 'sk' | 'type'>): ProblemCaseItem {
  return { ...problemCaseKey(link.problemId, link.caseId), type: itemTypes.problemCase, ...link };
}
