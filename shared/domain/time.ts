/**
 * Time, the one module for it: durations, IANA zones, local dates and ISO weeks, and the way
 * between an instant and a zone's wall clock. Pure: instants come in as arguments (the clock
 * port is shared/clock.ts); zone rules come from the platform's `Intl` data only. Business hours
 * on top of this live in calendar.ts.
 */

/** Durations in milliseconds, the one declaration of each. */
export const SECOND_MS = 1_000;
export const MINUTE_MS = 60 * SECOND_MS;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

/** Weekdays as the config and calendars name them, Monday first (ISO 8601). */
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** True if the runtime knows `timeZone` as an IANA zone (e.g. "Asia/Tokyo"). */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat(undefined, { timeZone });
    return true;
  } catch {
    return false;
  }
}

const zoneFormatters = new Map<string, Intl.DateTimeFormat>();

export function zoneFormatter(timeZone: string): Intl.DateTimeFormat {
  let fmt = zoneFormatters.get(timeZone);
  if (fmt === undefined) {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    zoneFormatters.set(timeZone, fmt);
  }
  return fmt;
}

/** How far `timeZone`'s wall clock is ahead of UTC at instant `t` (ms): local = utc + offset. */
export function utcOffsetMs(t: number, timeZone: string): number {
  return offsetAt(zoneFormatter(timeZone), t);
}

const FORMAT_RE = /^(\d+)\/(\d+)\/(\d+),? (\d+):(\d+):(\d+)$/;

/** UTC offset (ms, local = utc + offset) in effect at instant `t`, to the second. */
export function offsetAt(fmt: Intl.DateTimeFormat, t: number): number {
  const secs = Math.floor(t / SECOND_MS) * SECOND_MS;
  // Fast path: en-US "M/D/YYYY, HH:MM:SS" (about 3x cheaper than formatToParts).
  const m = FORMAT_RE.exec(fmt.format(secs));
  if (m !== null) {
    const local = Date.UTC(
      Number(m[3]),
      Number(m[1]) - 1,
      Number(m[2]),
      Number(m[4]) % 24,
      Number(m[5]),
      Number(m[6]),
    );
    return local - secs;
  }
  let y = 1970;
  let mo = 1;
  let d = 1;
  let h = 0;
  let mi = 0;
  let s = 0;
  for (const p of fmt.formatToParts(secs)) {
    switch (p.type) {
      case 'year':
        y = Number(p.value);
        break;
      case 'month':
        mo = Number(p.value);
        break;
      case 'day':
        d = Number(p.value);
        break;
      case 'hour':
        h = Number(p.value) % 24;
        break;
      case 'minute':
        mi = Number(p.value);
        break;
      case 'second':
        s = Number(p.value);
        break;
      default:
        break;
    }
  }
  return Date.UTC(y, mo - 1, d, h, mi, s) - secs;
}

/** `timeZone`'s wall clock at `at`, as a Date whose UTC fields read that wall time. */
export function wallClock(at: Date, timeZone: string): Date {
  return new Date(at.getTime() + utcOffsetMs(at.getTime(), timeZone));
}

/** The instant of 00:00 on `date` (`YYYY-MM-DD`) in `timeZone`. */
export function localMidnight(date: string, timeZone: string): Date {
  const wall = Date.parse(`${date}T00:00:00Z`);
  let t = wall - utcOffsetMs(wall, timeZone);
  t = wall - utcOffsetMs(t, timeZone); // once more, in case an offset change lies in between
  return new Date(t);
}

const dateFormatters = new Map<string, Intl.DateTimeFormat>();

/** `YYYY-MM-DD` of instant `at` in `timeZone`. */
export function localDate(at: Date, timeZone: string): string {
  let fmt = dateFormatters.get(timeZone);
  if (fmt === undefined) {
    fmt = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dateFormatters.set(timeZone, fmt);
  }
  return fmt.format(at);
}

/**
 * ISO 8601 week (`2026-W48`) of instant `at` as a calendar in `timeZone` shows it: weeks start on
 * Monday, and week 1 is the week with the year's first Thursday (so 2026-12-31 can be `2026-W53`
 * and 2027-01-01 `2026-W53` too).
 */
export function isoWeekOf(at: Date, timeZone: string): string {
  const [y, m, d] = localDate(at, timeZone).split('-').map(Number) as [number, number, number];
  const day = new Date(Date.UTC(y, m - 1, d));
  const weekday = day.getUTCDay() || 7; // Monday 1 … Sunday 7
  day.setUTCDate(day.getUTCDate() + 4 - weekday); // the Thursday of this week decides the year
  const year = day.getUTCFullYear();
  const week = Math.ceil(((day.getTime() - Date.UTC(year, 0, 1)) / DAY_MS + 1) / 7);
  return `${year}-W${String(week).padStart(2, '0')}`;
}
