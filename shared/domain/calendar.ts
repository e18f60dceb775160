/**
 * Business-time arithmetic on a team calendar (IANA time zone, weekly hours, holidays).
 *
 * Pure: no clock is read; every instant comes in as an argument. Time-zone rules come from the
 * platform's `Intl` data only.
 *
 * ## Rules
 *
 * - **Weekly hours.** Each local weekday lists wall-clock intervals `{ start, end }` ("HH:MM",
 *   24-hour). `start` is `00:00`..`23:59`; `end` is `00:00`..`24:00`. `24:00` is midnight at the
 *   end of the day. Intervals are half-open: `[start, end)`; a deadline that lands exactly on a
 *   closing time is that closing time, and counting resumes at the next opening.
 * - **Overnight shifts.** An interval whose `end <= start` runs past midnight and ends on the
 *   next local day (`22:00–06:00`; `09:00–09:00` is a 24-hour shift). A shift belongs to the
 *   day it *starts* on: if that day is a holiday the whole shift (including the part after
 *   midnight) is off; if the *next* day is a holiday, the part after midnight still counts.
 * - **Holidays** are local dates `YYYY-MM-DD` in the calendar's zone; no shift starts on them.
 * - **Overlaps** between intervals (same day or an overnight shift running into the next day's
 *   hours) are unioned: business time is the union of all intervals, never counted twice.
 * - **DST.** Each interval's ends are converted from local wall time to instants, and the
 *   interval lasts the real time between them: `00:00–24:00` lasts 23 h on a spring-forward day
 *   and 25 h on a fall-back day; `01:00–04:00` lasts 2 h / 4 h across a one-hour change.
 *   A wall time that does not exist (inside a spring-forward gap) maps to the first instant
 *   after the gap (the transition itself), so an interval lying entirely inside the gap is
 *   empty. A wall time that occurs twice (fall-back overlap) maps to its first occurrence.
 * - **Search horizon.** A calendar with no weekly hours at all throws `EmptyCalendarError`
 *   when used; so does a search that finds no business time in about 3 years (e.g. every
 *   working day is a holiday).
 *
 * Calendars are treated as immutable values: the parsed form and the per-day intervals are
 * memoised per calendar object (a `WeakMap`), and formatters are cached per time zone.
 * Work is O(days spanned), never O(minutes).
 */

import { DAY_MS, HOUR_MS, MINUTE_MS, offsetAt, SECOND_MS, type Weekday, zoneFormatter } from './time.ts';

export type { Weekday };

export interface BusinessInterval {
  /** Local wall time "HH:MM", 00:00..23:59. */
  readonly start: string;
  /** Local wall time "HH:MM", 00:00..24:00; `end <= start` means the shift ends the next day. */
  readonly end: string;
}

export interface Holiday {
  /** Local date "YYYY-MM-DD" in the calendar's time zone. */
  readonly date: string;
  readonly name?: string;
}

/** The structural shape a config calendar must have (a missing weekday means closed). */
export interface CalendarSpec {
  readonly timeZone: string;
  readonly weeklyHours: Readonly<Partial<Record<Weekday, readonly BusinessInterval[]>>>;
  readonly holidays?: readonly Holiday[];
}

/** The calendar has no business hours at all (or none within the ~3-year search horizon). */
export class EmptyCalendarError extends Error {
  override readonly name = 'EmptyCalendarError';
}

/** The calendar spec is malformed (bad time zone, time or date); the message names the field. */
export class InvalidCalendarError extends Error {
  override readonly name = 'InvalidCalendarError';
}

/** Longest stretch of days without business time before giving up (about 3 years). */
const MAX_IDLE_DAYS = 3 * 366;
/** Earliest instant of local day k is at least k*DAY_MS - this (UTC offsets stay within ±16 h). */
const MAX_OFFSET = 16 * HOUR_MS;
const DAY_CACHE_LIMIT = 8192;
/** Index 0 = Sunday, matching `(dayNumber + 4) mod 7` (1970-01-01 was a Thursday). */
const WEEKDAY_BY_INDEX: readonly Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const NO_INTERVALS: readonly number[] = [];

/** Local day number (days since 1970-01-01 in local wall time) of instant `t`. */
function localDayOf(fmt: Intl.DateTimeFormat, t: number): number {
  return Math.floor((t + offsetAt(fmt, t)) / DAY_MS);
}

/**
 * Instant of local wall time `wall` (ms since the epoch as if local time were UTC).
 * Gap (non-existent) → the transition instant; overlap (ambiguous) → first occurrence.
 * `before`/`after` are offsets probed well before and after, bracketing any transition.
 */
function wallToInstant(fmt: Intl.DateTimeFormat, wall: number, before: number, after: number): number {
  if (before === after) return wall - before;
  const tBefore = wall - before;
  const tAfter = wall - after;
  const validBefore = offsetAt(fmt, tBefore) === before;
  const validAfter = offsetAt(fmt, tAfter) === after;
  if (validBefore && validAfter) return Math.min(tBefore, tAfter);
  if (validBefore) return tBefore;
  if (validAfter) return tAfter;
  // In a gap: find the first instant whose local wall time is >= `wall` (the transition).
  let lo = Math.min(tBefore, tAfter);
  let hi = Math.max(tBefore, tAfter);
  while (hi - lo > SECOND_MS) {
    const mid = lo + Math.floor((hi - lo) / (2 * SECOND_MS)) * SECOND_MS;
    if (mid + offsetAt(fmt, mid) >= wall) hi = mid;
    else lo = mid;
  }
  return hi;
}

// ---------------------------------------------------------------------------------------------
// Compiled calendars
// ---------------------------------------------------------------------------------------------

interface Compiled {
  readonly fmt: Intl.DateTimeFormat;
  /** Per weekday (0 = Sunday): flat [startMinute, endMinute, ...], end may exceed 1440. */
  readonly weekly: readonly (readonly number[])[];
  readonly holidays: ReadonlySet<number>;
  /** Local day number → flat [startMs, endMs, ...] instants of shifts starting that day. */
  readonly days: Map<number, readonly number[]>;
}

const compiledCache = new WeakMap<CalendarSpec, Compiled>();

const START_RE = /^([01]\d|2[0-3]):([0-5]\d)$/;
const END_RE = /^(?:([01]\d|2[0-3]):([0-5]\d)|(24):(00))$/;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

function parseTime(value: unknown, re: RegExp, path: string): number {
  const m = typeof value === 'string' ? re.exec(value) : null;
  if (m === null) throw new InvalidCalendarError(`${path}: expected "HH:MM", got ${JSON.stringify(value)}`);
  const hh = m[1] ?? m[3] ?? '';
  const mm = m[2] ?? m[4] ?? '';
  return Number(hh) * 60 + Number(mm);
}

function parseDate(value: unknown, path: string): number {
  const m = typeof value === 'string' ? DATE_RE.exec(value) : null;
  if (m !== null) {
    const y = Number(m[1]);
    const mo = Number(m[2]);
    const d = Number(m[3]);
    const ms = Date.UTC(y, mo - 1, d);
    const back = new Date(ms);
    if (back.getUTCFullYear() === y && back.getUTCMonth() === mo - 1 && back.getUTCDate() === d) {
      return ms / DAY_MS;
    }
  }
  throw new InvalidCalendarError(`${path}: expected a date "YYYY-MM-DD", got ${JSON.stringify(value)}`);
}

function compile(cal: CalendarSpec): Compiled {
  const cached = compiledCache.get(cal);
  if (cached !== undefined) return cached;

  let fmt: Intl.DateTimeFormat;
  try {
    fmt = zoneFormatter(cal.timeZone);
  } catch {
    throw new InvalidCalendarError(`timeZone: unknown IANA time zone ${JSON.stringify(cal.timeZone)}`);
  }

  let total = 0;
  const weekly = WEEKDAY_BY_INDEX.map((wd) => {
    const list = cal.weeklyHours[wd] ?? [];
    const pairs = list.map((iv, i) => {
      const start = parseTime(iv.start, START_RE, `weeklyHours.${wd}[${i}].start`);
      const endRaw = parseTime(iv.end, END_RE, `weeklyHours.${wd}[${i}].end`);
      return [start, endRaw <= start ? endRaw + 1440 : endRaw] as const;
    });
    pairs.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    total += pairs.length;
    return pairs.flat();
  });

  const holidays = new Set<number>();
  (cal.holidays ?? []).forEach((h, i) => {
    holidays.add(parseDate(h.date, `holidays[${i}].date`));
  });

  if (total === 0) {
    throw new EmptyCalendarError(`calendar (${cal.timeZone}) has no weekly business hours`);
  }

  const compiled: Compiled = { fmt, weekly, holidays, days: new Map() };
  compiledCache.set(cal, compiled);
  return compiled;
}

/** Instants [start, end, ...] of the shifts that start on local day `day`, sorted, non-empty. */
function shiftsOfDay(cc: Compiled, day: number): readonly number[] {
  const hit = cc.days.get(day);
  if (hit !== undefined) return hit;
  let out: readonly number[] = NO_INTERVALS;
  const minutes = cc.holidays.has(day)
    ? NO_INTERVALS
    : (cc.weekly[(((day + 4) % 7) + 7) % 7] ?? NO_INTERVALS);
  if (minutes.length > 0) {
    const base = day * DAY_MS;
    // Wall times of this day's shifts lie in [base, base + 2 days); instants within ±16 h.
    const before = offsetAt(cc.fmt, base - DAY_MS);
    const after = offsetAt(cc.fmt, base + 3 * DAY_MS);
    const acc: number[] = [];
    for (let i = 0; i + 1 < minutes.length; i += 2) {
      const s = wallToInstant(cc.fmt, base + (minutes[i] ?? 0) * MINUTE_MS, before, after);
      const e = wallToInstant(cc.fmt, base + (minutes[i + 1] ?? 0) * MINUTE_MS, before, after);
      if (e > s) acc.push(s, e);
    }
    out = acc;
  }
  if (cc.days.size >= DAY_CACHE_LIMIT) cc.days.clear();
  cc.days.set(day, out);
  return out;
}

/**
 * Walks the business time that could contain or follow `from` as disjoint, ascending pieces
 * (overlapping shifts are clipped against what was already emitted; pieces may touch, e.g. on a
 * 24/7 calendar). Shifts start in ascending instant order day after day (the wall → instant
 * mapping is monotone), so no look-ahead is needed.
 */
class IntervalCursor {
  /** Current piece, valid after `next()` returned true. */
  start = 0;
  end = Number.NEGATIVE_INFINITY;
  private day: number;
  private list: readonly number[];
  private i = 0;
  private lastDayWithHours: number;

  constructor(
    private readonly cc: Compiled,
    from: number,
    /** Stop once no shift can start at or before this instant. */
    private readonly until: number,
  ) {
    // A shift lasts at most ~25 h, so only yesterday's shifts can reach into today.
    this.day = localDayOf(cc.fmt, from) - 1;
    this.lastDayWithHours = this.day;
    this.list = shiftsOfDay(cc, this.day);
  }

  next(): boolean {
    for (;;) {
      while (this.i >= this.list.length) {
        this.day += 1;
        if (this.day * DAY_MS - MAX_OFFSET > this.until) return false;
        if (this.until === Number.POSITIVE_INFINITY && this.day - this.lastDayWithHours > MAX_IDLE_DAYS) {
          return false;
        }
        this.list = shiftsOfDay(this.cc, this.day);
        this.i = 0;
        if (this.list.length > 0) this.lastDayWithHours = this.day;
      }
      const s = this.list[this.i] ?? 0;
      const e = this.list[this.i + 1] ?? 0;
      this.i += 2;
      if (e > this.end) {
        this.start = Math.max(s, this.end);
        this.end = e;
        return true;
      }
    }
  }
}

function instantOf(d: Date, name: string): number {
  const t = d instanceof Date ? d.getTime() : Number.NaN;
  if (Number.isNaN(t)) throw new RangeError(`${name}: invalid Date`);
  return t;
}

function noHoursAhead(cal: CalendarSpec, t: number): EmptyCalendarError {
  return new EmptyCalendarError(
    `calendar (${cal.timeZone}) has no business hours within ${MAX_IDLE_DAYS} days after ${new Date(t).toISOString()}`,
  );
}

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------

/**
 * Parses and checks a calendar (time zone, "HH:MM" times, holiday dates, at least one interval).
 * Throws `InvalidCalendarError` naming the bad field, or `EmptyCalendarError`.
 */
export function assertValidCalendar(cal: CalendarSpec): void {
  compile(cal);
}

/** Whether `at` falls inside business hours (intervals are half-open: closing time is not). */
export function isBusinessTime(at: Date, cal: CalendarSpec): boolean {
  const t = instantOf(at, 'at');
  const cur = new IntervalCursor(compile(cal), t, t);
  while (cur.next()) {
    if (cur.end > t) return cur.start <= t;
  }
  return false;
}

/** `at` itself if it is business time, else the next opening. */
export function nextBusinessInstant(at: Date, cal: CalendarSpec): Date {
  const t = instantOf(at, 'at');
  const cur = new IntervalCursor(compile(cal), t, Number.POSITIVE_INFINITY);
  while (cur.next()) {
    if (cur.end > t) return new Date(Math.max(cur.start, t));
  }
  throw noHoursAhead(cal, t);
}

/**
 * The instant at which `minutes` of business time have elapsed after `start`. Counting begins at
 * `start` if it is business time, else at the next opening; `0` minutes therefore returns
 * `nextBusinessInstant(start)`. A result that lands exactly on a closing time is that closing
 * time. Fractional minutes are honoured to the millisecond. Throws `RangeError` for negative or
 * non-finite minutes.
 */
export function addBusinessMinutes(start: Date, minutes: number, cal: CalendarSpec): Date {
  const t = instantOf(start, 'start');
  if (!Number.isFinite(minutes) || minutes < 0) {
    throw new RangeError(`minutes must be a finite number >= 0, got ${minutes}`);
  }
  let remaining = Math.round(minutes * MINUTE_MS);
  const cur = new IntervalCursor(compile(cal), t, Number.POSITIVE_INFINITY);
  while (cur.next()) {
    if (cur.end <= t) continue;
    const from = Math.max(cur.start, t);
    const available = cur.end - from;
    if (remaining <= available) return new Date(from + remaining);
    remaining -= available;
  }
  throw noHoursAhead(cal, t);
}

/**
 * Business minutes inside `[from, to)`; 0 when `to <= from`. Exact (may be fractional when the
 * instants are not on whole minutes), so `businessMinutesBetween(s, addBusinessMinutes(s, m)) === m`.
 */
export function businessMinutesBetween(from: Date, to: Date, cal: CalendarSpec): number {
  const a = instantOf(from, 'from');
  const b = instantOf(to, 'to');
  const cc = compile(cal);
  if (!(b > a)) return 0;
  let total = 0;
  const cur = new IntervalCursor(cc, a, b);
  while (cur.next()) {
    if (cur.start >= b) break;
    const s = Math.max(cur.start, a);
    const e = Math.min(cur.end, b);
    if (e > s) total += e - s;
  }
  return total / MINUTE_MS;
}
