/**
 * An answer on the survey page (`POST /s/{token}`), checked against the survey it answers: the score
 * in the type's range, reasons only from the survey's list, a comment only where the survey asks for
 * one. Transport-free: the handler brings the fields from a form or a JSON body.
 */
import type { Issue } from './errors.ts';
import { SCORE_RANGES, type SurveySpec } from './invitation.ts';

export interface SurveyAnswer {
  score: number;
  reasons: string[];
  comment?: string;
}

export type ParsedSurveyAnswer = { ok: true; answer: SurveyAnswer } | { ok: false; issues: Issue[] };

/** As a widget answer's comment (shared/domain/feedback.ts). */
export const MAX_SURVEY_COMMENT = 4000;
const FIELDS = new Set(['score', 'reasons', 'comment']);

export function parseSurveyAnswer(fields: Record<string, unknown>, survey: SurveySpec): ParsedSurveyAnswer {
  const issues: Issue[] = [];
  const unknown = Object.keys(fields).filter((k) => !FIELDS.has(k));
  if (unknown.length > 0) {
    issues.push({
      path: '',
      message: `unknown field${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`,
    });
  }

  const { min, max } = SCORE_RANGES[survey.type];
  const score = scoreOf(fields.score);
  if (score === undefined) {
    issues.push({
      path: 'score',
      message: fields.score === undefined || fields.score === '' ? 'is required' : 'must be a whole number',
    });
  } else if (score < min || score > max) {
    issues.push({ path: 'score', message: `must be from ${min} to ${max}` });
  }

  const rawReasons =
    fields.reasons === undefined ? [] : Array.isArray(fields.reasons) ? fields.reasons : [fields.reasons];
  const reasons: string[] = [];
  rawReasons.forEach((reason, i) => {
    if (typeof reason !== 'string' || !survey.reasons.includes(reason)) {
      issues.push({ path: `reasons[${i}]`, message: `unknown reason ${JSON.stringify(String(reason))}` });
    } else if (!reasons.includes(reason)) {
      reasons.push(reason);
    }
  });

  let comment: string | undefined;
  if (fields.comment !== undefined && fields.comment !== null) {
    if (typeof fields.comment !== 'string') {
      issues.push({ path: 'comment', message: 'must be text' });
    } else {
      // Browsers send a textarea's line breaks as CRLF; its maxlength counted them as one.
      const text = fields.comment.replace(/\r\n?/g, '\n').trim();
      if (text.length > MAX_SURVEY_COMMENT) {
        issues.push({ path: 'comment', message: `must be at most ${MAX_SURVEY_COMMENT} characters` });
      } else if (text !== '' && !survey.comment) {
        issues.push({ path: 'comment', message: 'this survey takes no comment' });
      } else if (text !== '') {
        comment = text;
      }
    }
  }

  if (issues.length > 0 || score === undefined) return { ok: false, issues };
  return { ok: true, answer: { score, reasons, ...(comment === undefined ? {} : { comment }) } };
}

/** A whole number from a JSON number or a form's digits; anything else is no score. */
function scoreOf(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) ? value : undefined;
  if (typeof value === 'string' && /^-?[0-9]{1,3}$/.test(value.trim())) return Number(value.trim());
  return undefined;
}
