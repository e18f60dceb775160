/**
 * The one place validation messages are made: plain words that say what a field must be and what
 * it got (`must be a whole number from 0 to 10, got the text "9"`), for people who never read zod's
 * vocabulary ("Invalid input: expected number, received string"). zod/mini ships no messages, and
 * classic zod installs its English only when none is set, so each module that defines a schema
 * imports this one for its side effect and the messages are the same whatever loads first. A
 * schema's own message still wins, and it should be made with `mustBe` so it reads the same way.
 */
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';

const longest = 40;

/** What a request sent, as a person would say it. */
export function described(input: unknown): string {
  if (input === undefined) return 'nothing';
  if (input === null) return 'null';
  if (typeof input === 'string') {
    const shown = input.length > longest ? `${input.slice(0, longest)}…` : input;
    return input === '' ? 'empty text' : `the text ${JSON.stringify(shown)}`;
  }
  if (typeof input === 'number') return Number.isFinite(input) ? String(input) : 'not a number';
  if (typeof input === 'boolean') return String(input);
  if (Array.isArray(input)) return `a list of ${input.length}`;
  if (typeof input === 'object') return 'an object';
  return `a ${typeof input}`;
}

/** `must be <what>, got <what was sent>`. */
export const mustBe = (what: string, input: unknown) => `must be ${what}, got ${described(input)}`;

/** A zod `error` option that answers `mustBe(what, input)` for every problem of the field. */
export const plainly = (what: string) => ({
  error: (issue: { input?: unknown }) => mustBe(what, issue.input),
});

const typeWords: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
  date: 'a date',
  bigint: 'a whole number',
  null: 'null',
};

const formatWords: Record<string, string> = {
  email: 'an email address',
  url: 'a URL',
  uuid: 'a UUID',
  datetime: 'a date and time such as 2026-11-18T10:00:00Z',
  date: 'a date such as 2026-11-18',
  regex: 'in the expected format',
};

const units: Record<string, [string, (input: unknown) => number | undefined]> = {
  string: ['characters', (i) => (typeof i === 'string' ? i.length : undefined)],
  array: ['items', (i) => (Array.isArray(i) ? i.length : undefined)],
  set: ['items', (i) => (i instanceof Set ? i.size : undefined)],
};

function sizeMessage(issue: z.core.$ZodRawIssue, bound: 'most' | 'least'): string | undefined {
  const i = issue as unknown as { origin: string; maximum?: unknown; minimum?: unknown; inclusive?: boolean };
  const limit = Number(bound === 'most' ? i.maximum : i.minimum);
  const unit = units[i.origin];
  if (unit) {
    const [word, size] = unit;
    if (bound === 'least' && limit === 1) return 'must not be empty';
    const got = size(issue.input);
    return `must have at ${bound} ${limit} ${word}${got === undefined ? '' : `, got ${got}`}`;
  }
  if (i.origin === 'number' || i.origin === 'int' || i.origin === 'bigint') {
    const relation = i.inclusive === false ? (bound === 'most' ? 'less than' : 'more than') : `at ${bound}`;
    return mustBe(`${relation} ${limit}`, issue.input);
  }
  return undefined;
}

function plainWords(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is required';
      return mustBe(typeWords[issue.expected] ?? issue.expected, issue.input);
    case 'too_big':
      return sizeMessage(issue, 'most');
    case 'too_small':
      return sizeMessage(issue, 'least');
    case 'invalid_format':
      return mustBe(formatWords[issue.format] ?? `in the ${issue.format} format`, issue.input);
    case 'invalid_value':
      return mustBe(`one of ${issue.values.map((v) => String(v)).join(', ')}`, issue.input);
    case 'not_multiple_of':
      return mustBe(`a multiple of ${issue.divisor}`, issue.input);
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length > 1 ? 's' : ''}: ${issue.keys.join(', ')}`;
    case 'invalid_union':
      return `does not match any allowed form, got ${described(issue.input)}`;
    default:
      return undefined;
  }
}

const english = en().localeError;
z.config({ localeError: (issue) => plainWords(issue) ?? english(issue) });
