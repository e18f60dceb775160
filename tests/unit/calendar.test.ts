import { describe, expect, it } from 'vitest';
import {
  addBusinessMinutes,
  assertValidCalendar,
  type BusinessInterval,
  businessMinutesBetween,
  type CalendarSpec,
  EmptyCalendarError,
  InvalidCalendarError,
  isBusinessTime,
  nextBusinessInstant,
  type Weekday,
} from '../../shared/domain/calendar.ts';

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

const at = (iso: string): Date => new Date(iso);
const MIN = 60_000;

const WEEKDAYS: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

function weekly(
  days: readonly Weekday[],
  intervals: readonly BusinessInterval[],
): Partial<Record<Weekday, BusinessInterval[]>> {
  const out: Partial<Record<Weekday, BusinessInterval[]>> = {};
  for (const d of WEEKDAYS) out[d] = days.includes(d) ? [...intervals] : [];
  return out;
}

const MON_FRI: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri'];
const NINE_SIX = [{ start: '09:00', end: '18:00' }];

/** Deterministic PRNG (mulberry32). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Independent oracle: is instant `t` business time, judged from its local wall clock
 * ("the wall time lies in a shift of a non-holiday day, or in the after-midnight part of an
 * overnight shift that started on the previous non-holiday day"). It agrees with the
 * implementation everywhere except when a shift boundary itself lies in a DST gap/overlap.
 */
const oracleFormatters = new Map<string, Intl.DateTimeFormat>();
function oracleIsBusiness(t: number, cal: CalendarSpec): boolean {
  let fmt = oracleFormatters.get(cal.timeZone);
  if (fmt === undefined) {
    fmt = new Intl.DateTimeFormat('en-GB', {
      timeZone: cal.timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    });
    oracleFormatters.set(cal.timeZone, fmt);
  }
  const parts = Object.fromEntries(fmt.formatToParts(t).map((p) => [p.type, p.value]));
  const dayMs = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day));
  const minute = Number(parts.hour) * 60 + Number(parts.minute);
  const toMin = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));
  const holidays = new Set((cal.holidays ?? []).map((h) => h.date));
  const info = (ms: number) => {
    const d = new Date(ms);
    const wd = (['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const)[d.getUTCDay()] ?? 'sun';
    return { holiday: holidays.has(d.toISOString().slice(0, 10)), shifts: cal.weeklyHours[wd] ?? [] };
  };
  const today = info(dayMs);
  if (!today.holiday) {
    for (const s of today.shifts) {
      const a = toMin(s.start);
      const b = toMin(s.end);
      if (b <= a ? minute >= a : minute >= a && minute < b) return true;
    }
  }
  const yesterday = info(dayMs - 86_400_000);
  if (!yesterday.holiday) {
    for (const s of yesterday.shifts) {
      const a = toMin(s.start);
      const b = toMin(s.end);
      if (b <= a && minute < b) return true;
    }
  }
  return false;
}

function expectRoundTrip(cal: CalendarSpec, seed: number, cases: number, fromIso: string, spanDays: number) {
  const rnd = prng(seed);
  const base = Date.parse(fromIso);
  for (let i = 0; i < cases; i++) {
    // whole minutes, sometimes with a seconds/ms part
    let s = base + Math.floor(rnd() * spanDays * 1440) * MIN;
    if (rnd() < 0.25) s += Math.floor(rnd() * MIN);
    const m = rnd() < 0.1 ? 0 : Math.floor(rnd() * 6000);
    const start = new Date(s);
    const end = addBusinessMinutes(start, m, cal);
    expect(
      businessMinutesBetween(start, end, cal),
      `seed ${seed} case ${i}: ${start.toISOString()} + ${m}`,
    ).toBe(m);
    expect(end.getTime()).toBeGreaterThanOrEqual(s);
    // the end is reached as early as possible: business time right before it (or it is the start clamp)
    if (m > 0) expect(isBusinessTime(new Date(end.getTime() - 1), cal)).toBe(true);
    else expect(end.getTime()).toBe(nextBusinessInstant(start, cal).getTime());
  }
}

// ---------------------------------------------------------------------------------------------
// Calendars
// ---------------------------------------------------------------------------------------------

/** 2026–2027 Japanese holidays (subset) and the company's year-end block. */
const JP_HOLIDAYS = [
  { date: '2026-01-01', name: '元日' },
  { date: '2026-01-02', name: '年始休業' },
  { date: '2026-01-12', name: '成人の日' },
  { date: '2026-02-11', name: '建国記念の日' },
  { date: '2026-02-23', name: '天皇誕生日' },
  { date: '2026-05-04', name: 'みどりの日' },
  { date: '2026-05-05', name: 'こどもの日' },
  { date: '2026-05-06', name: '振替休日' },
  { date: '2026-12-29' },
  { date: '2026-12-30' },
  { date: '2026-12-31' },
  { date: '2027-01-01' },
  { date: '2027-01-02' },
  { date: '2027-01-03' },
];

const tokyoPlain: CalendarSpec = {
  timeZone: 'Asia/Tokyo',
  weeklyHours: weekly(MON_FRI, NINE_SIX),
  holidays: [],
};
const tokyo: CalendarSpec = {
  timeZone: 'Asia/Tokyo',
  weeklyHours: weekly(MON_FRI, NINE_SIX),
  holidays: JP_HOLIDAYS,
};

// ---------------------------------------------------------------------------------------------
// Tokyo, Mon–Fri 09:00–18:00
// ---------------------------------------------------------------------------------------------

describe('Asia/Tokyo Mon–Fri 09:00–18:00', () => {
  it('Friday 17:30 + 120 min → Monday 10:30', () => {
    expect(addBusinessMinutes(at('2026-01-16T17:30:00+09:00'), 120, tokyo)).toEqual(
      at('2026-01-19T10:30:00+09:00'),
    );
    expect(addBusinessMinutes(at('2026-01-09T17:30:00+09:00'), 120, tokyoPlain)).toEqual(
      at('2026-01-12T10:30:00+09:00'),
    );
  });

  it('skips a public-holiday Monday (→ Tuesday)', () => {
    // 2026-01-12 is 成人の日
    expect(addBusinessMinutes(at('2026-01-09T17:30:00+09:00'), 120, tokyo)).toEqual(
      at('2026-01-13T10:30:00+09:00'),
    );
  });

  it('a start on Saturday begins counting Monday 09:00', () => {
    expect(addBusinessMinutes(at('2026-01-17T11:00:00+09:00'), 60, tokyo)).toEqual(
      at('2026-01-19T10:00:00+09:00'),
    );
    expect(addBusinessMinutes(at('2026-01-17T11:00:00+09:00'), 0, tokyo)).toEqual(
      at('2026-01-19T09:00:00+09:00'),
    );
    expect(addBusinessMinutes(at('2026-01-18T23:59:59+09:00'), 1, tokyo)).toEqual(
      at('2026-01-19T09:01:00+09:00'),
    );
  });

  it('a start before opening begins counting at opening', () => {
    expect(addBusinessMinutes(at('2026-01-20T07:15:00+09:00'), 30, tokyo)).toEqual(
      at('2026-01-20T09:30:00+09:00'),
    );
    expect(addBusinessMinutes(at('2026-01-20T00:00:00+09:00'), 540, tokyo)).toEqual(
      at('2026-01-20T18:00:00+09:00'),
    );
  });

  it('exactly at closing: the day is over; landing on closing stays there', () => {
    expect(addBusinessMinutes(at('2026-01-20T18:00:00+09:00'), 0, tokyo)).toEqual(
      at('2026-01-21T09:00:00+09:00'),
    );
    expect(addBusinessMinutes(at('2026-01-20T18:00:00+09:00'), 1, tokyo)).toEqual(
      at('2026-01-21T09:01:00+09:00'),
    );
    expect(addBusinessMinutes(at('2026-01-20T17:00:00+09:00'), 60, tokyo)).toEqual(
      at('2026-01-20T18:00:00+09:00'),
    );
    expect(addBusinessMinutes(at('2026-01-20T17:00:00+09:00'), 61, tokyo)).toEqual(
      at('2026-01-21T09:01:00+09:00'),
    );
  });

  it('0 minutes inside hours returns the start itself (to the millisecond)', () => {
    const s = at('2026-01-20T10:11:12.345+09:00');
    expect(addBusinessMinutes(s, 0, tokyo)).toEqual(s);
    expect(addBusinessMinutes(at('2026-01-20T09:00:00+09:00'), 0, tokyo)).toEqual(
      at('2026-01-20T09:00:00+09:00'),
    );
  });

  it('multi-day: 960 min spans two business days; 1080 min is two full days', () => {
    expect(addBusinessMinutes(at('2026-01-19T09:00:00+09:00'), 960, tokyo)).toEqual(
      at('2026-01-20T16:00:00+09:00'),
    );
    expect(addBusinessMinutes(at('2026-01-19T14:00:00+09:00'), 960, tokyo)).toEqual(
      at('2026-01-21T12:00:00+09:00'),
    );
    expect(addBusinessMinutes(at('2026-01-19T09:00:00+09:00'), 1080, tokyo)).toEqual(
      at('2026-01-20T18:00:00+09:00'),
    );
    // Thursday noon + 2 business days → Monday noon (over the weekend)
    expect(addBusinessMinutes(at('2026-01-22T12:00:00+09:00'), 1080, tokyo)).toEqual(
      at('2026-01-26T12:00:00+09:00'),
    );
    // Friday 17:00 + 960 → Tuesday 15:00 (60 Fri + 540 Mon + 360 Tue)
    expect(addBusinessMinutes(at('2026-01-23T17:00:00+09:00'), 960, tokyo)).toEqual(
      at('2026-01-27T15:00:00+09:00'),
    );
  });

  it('skips the year-end block of holidays', () => {
    // Mon 2026-12-28 17:00 → 60 min that day; Dec 29 – Jan 3 closed; Mon 2027-01-04 10:00
    expect(addBusinessMinutes(at('2026-12-28T17:00:00+09:00'), 120, tokyo)).toEqual(
      at('2027-01-04T10:00:00+09:00'),
    );
    expect(nextBusinessInstant(at('2026-12-28T18:00:00+09:00'), tokyo)).toEqual(
      at('2027-01-04T09:00:00+09:00'),
    );
    expect(
      businessMinutesBetween(at('2026-12-25T00:00:00+09:00'), at('2027-01-05T00:00:00+09:00'), tokyo),
    ).toBe(3 * 540);
    // Golden Week: Fri 2026-05-01, then Mon–Wed 4–6 May are holidays → Thursday 7 May
    expect(addBusinessMinutes(at('2026-05-01T17:00:00+09:00'), 120, tokyo)).toEqual(
      at('2026-05-07T10:00:00+09:00'),
    );
  });

  it('fractional minutes are honoured to the millisecond', () => {
    expect(addBusinessMinutes(at('2026-01-20T09:00:00+09:00'), 0.5, tokyo)).toEqual(
      at('2026-01-20T09:00:30+09:00'),
    );
    expect(
      businessMinutesBetween(at('2026-01-20T09:00:00+09:00'), at('2026-01-20T09:00:30+09:00'), tokyo),
    ).toBe(0.5);
  });

  describe('businessMinutesBetween', () => {
    it('across a weekend', () => {
      expect(
        businessMinutesBetween(at('2026-01-16T17:00:00+09:00'), at('2026-01-19T10:00:00+09:00'), tokyo),
      ).toBe(120);
    });

    it('across a weekend and a holiday', () => {
      expect(
        businessMinutesBetween(at('2026-01-09T17:00:00+09:00'), at('2026-01-13T10:00:00+09:00'), tokyo),
      ).toBe(120);
      expect(
        businessMinutesBetween(at('2026-01-09T17:00:00+09:00'), at('2026-01-13T10:00:00+09:00'), tokyoPlain),
      ).toBe(120 + 540);
    });

    it('a whole week is 5 × 540', () => {
      expect(
        businessMinutesBetween(at('2026-01-19T00:00:00+09:00'), at('2026-01-26T00:00:00+09:00'), tokyo),
      ).toBe(2700);
    });

    it('is 0 for empty, reversed or closed ranges', () => {
      const a = at('2026-01-20T10:00:00+09:00');
      expect(businessMinutesBetween(a, a, tokyo)).toBe(0);
      expect(businessMinutesBetween(a, at('2026-01-20T09:00:00+09:00'), tokyo)).toBe(0);
      expect(
        businessMinutesBetween(at('2026-01-17T00:00:00+09:00'), at('2026-01-19T09:00:00+09:00'), tokyo),
      ).toBe(0);
      expect(
        businessMinutesBetween(at('2026-01-12T00:00:00+09:00'), at('2026-01-13T00:00:00+09:00'), tokyo),
      ).toBe(0);
    });

    it('within one interval is plain elapsed time', () => {
      expect(
        businessMinutesBetween(at('2026-01-20T10:00:00+09:00'), at('2026-01-20T11:15:00+09:00'), tokyo),
      ).toBe(75);
    });
  });

  it('isBusinessTime uses half-open intervals, weekends and holidays', () => {
    expect(isBusinessTime(at('2026-01-20T09:00:00+09:00'), tokyo)).toBe(true);
    expect(isBusinessTime(at('2026-01-20T17:59:59.999+09:00'), tokyo)).toBe(true);
    expect(isBusinessTime(at('2026-01-20T18:00:00+09:00'), tokyo)).toBe(false);
    expect(isBusinessTime(at('2026-01-20T08:59:59.999+09:00'), tokyo)).toBe(false);
    expect(isBusinessTime(at('2026-01-17T12:00:00+09:00'), tokyo)).toBe(false);
    expect(isBusinessTime(at('2026-01-12T12:00:00+09:00'), tokyo)).toBe(false);
    expect(isBusinessTime(at('2026-01-12T12:00:00+09:00'), tokyoPlain)).toBe(true);
  });

  it('nextBusinessInstant', () => {
    const inside = at('2026-01-20T12:34:56+09:00');
    expect(nextBusinessInstant(inside, tokyo)).toEqual(inside);
    expect(nextBusinessInstant(at('2026-01-16T18:00:00+09:00'), tokyo)).toEqual(
      at('2026-01-19T09:00:00+09:00'),
    );
    expect(nextBusinessInstant(at('2026-01-09T20:00:00+09:00'), tokyo)).toEqual(
      at('2026-01-13T09:00:00+09:00'),
    );
  });

  it('round trip: businessMinutesBetween(s, addBusinessMinutes(s, m)) === m (400 seeded cases)', () => {
    expectRoundTrip(tokyo, 20260101, 400, '2025-12-01T00:00:00Z', 420);
  });

  it('agrees with a wall-clock oracle every 7 minutes over 10 weeks', () => {
    const start = Date.parse('2026-04-20T00:00:00+09:00');
    for (let t = start; t < start + 70 * 86_400_000; t += 7 * MIN) {
      expect(isBusinessTime(new Date(t), tokyo), new Date(t).toISOString()).toBe(oracleIsBusiness(t, tokyo));
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Saturday hours, overnight shifts, overlaps
// ---------------------------------------------------------------------------------------------

describe('a calendar with a Saturday interval', () => {
  const cal: CalendarSpec = {
    timeZone: 'Asia/Tokyo',
    weeklyHours: { ...weekly(MON_FRI, NINE_SIX), sat: [{ start: '10:00', end: '14:00' }] },
    holidays: [{ date: '2026-01-12' }],
  };

  it('counts Saturday 10:00–14:00', () => {
    expect(addBusinessMinutes(at('2026-01-16T17:00:00+09:00'), 120, cal)).toEqual(
      at('2026-01-17T11:00:00+09:00'),
    );
    expect(addBusinessMinutes(at('2026-01-17T13:00:00+09:00'), 120, cal)).toEqual(
      at('2026-01-19T10:00:00+09:00'),
    );
    expect(addBusinessMinutes(at('2026-01-17T08:00:00+09:00'), 0, cal)).toEqual(
      at('2026-01-17T10:00:00+09:00'),
    );
    expect(
      businessMinutesBetween(at('2026-01-16T00:00:00+09:00'), at('2026-01-19T00:00:00+09:00'), cal),
    ).toBe(540 + 240);
    expect(isBusinessTime(at('2026-01-17T14:00:00+09:00'), cal)).toBe(false);
    expect(isBusinessTime(at('2026-01-18T12:00:00+09:00'), cal)).toBe(false);
  });

  it('several intervals a day (lunch break) and unsorted input', () => {
    const split: CalendarSpec = {
      timeZone: 'Asia/Tokyo',
      weeklyHours: weekly(MON_FRI, [
        { start: '13:00', end: '18:00' },
        { start: '09:00', end: '12:00' },
      ]),
    };
    expect(addBusinessMinutes(at('2026-01-20T11:30:00+09:00'), 60, split)).toEqual(
      at('2026-01-20T13:30:00+09:00'),
    );
    expect(
      businessMinutesBetween(at('2026-01-20T00:00:00+09:00'), at('2026-01-21T00:00:00+09:00'), split),
    ).toBe(480);
    expect(isBusinessTime(at('2026-01-20T12:30:00+09:00'), split)).toBe(false);
  });

  it('round trip (300 seeded cases)', () => {
    expectRoundTrip(cal, 7, 300, '2026-01-01T00:00:00Z', 120);
  });
});

describe('overnight shift Mon–Fri 22:00–06:00 (a shift belongs to the day it starts)', () => {
  const night: CalendarSpec = {
    timeZone: 'Asia/Tokyo',
    weeklyHours: weekly(MON_FRI, [{ start: '22:00', end: '06:00' }]),
    holidays: [],
  };

  it('runs from the start day into the next morning, Friday’s into Saturday', () => {
    expect(isBusinessTime(at('2026-01-19T23:00:00+09:00'), night)).toBe(true); // Mon night
    expect(isBusinessTime(at('2026-01-20T05:59:00+09:00'), night)).toBe(true); // Tue early (Mon's shift)
    expect(isBusinessTime(at('2026-01-20T06:00:00+09:00'), night)).toBe(false);
    expect(isBusinessTime(at('2026-01-19T03:00:00+09:00'), night)).toBe(false); // Mon early: Sunday has no shift
    expect(isBusinessTime(at('2026-01-24T03:00:00+09:00'), night)).toBe(true); // Sat early: Friday's shift
    expect(isBusinessTime(at('2026-01-24T22:00:00+09:00'), night)).toBe(false); // Sat night
  });

  it('adds across midnight and across the day gap', () => {
    expect(addBusinessMinutes(at('2026-01-19T21:00:00+09:00'), 60, night)).toEqual(
      at('2026-01-19T23:00:00+09:00'),
    );
    expect(addBusinessMinutes(at('2026-01-19T23:30:00+09:00'), 60, night)).toEqual(
      at('2026-01-20T00:30:00+09:00'),
    );
    expect(addBusinessMinutes(at('2026-01-20T05:00:00+09:00'), 120, night)).toEqual(
      at('2026-01-20T23:00:00+09:00'),
    );
    expect(addBusinessMinutes(at('2026-01-24T05:00:00+09:00'), 120, night)).toEqual(
      at('2026-01-26T23:00:00+09:00'),
    );
    expect(
      businessMinutesBetween(at('2026-01-19T00:00:00+09:00'), at('2026-01-26T00:00:00+09:00'), night),
    ).toBe(5 * 480);
  });

  it('a holiday on the start day cancels the whole shift; a holiday the next day does not', () => {
    const wedHoliday: CalendarSpec = { ...night, holidays: [{ date: '2026-01-21' }] };
    // Tue 22:00 – Wed 06:00 still runs; Wed 22:00 – Thu 06:00 is off
    expect(isBusinessTime(at('2026-01-21T05:00:00+09:00'), wedHoliday)).toBe(true);
    expect(isBusinessTime(at('2026-01-21T23:00:00+09:00'), wedHoliday)).toBe(false);
    expect(isBusinessTime(at('2026-01-22T05:00:00+09:00'), wedHoliday)).toBe(false);
    expect(addBusinessMinutes(at('2026-01-21T05:00:00+09:00'), 120, wedHoliday)).toEqual(
      at('2026-01-22T23:00:00+09:00'),
    );
    expect(
      businessMinutesBetween(at('2026-01-19T00:00:00+09:00'), at('2026-01-26T00:00:00+09:00'), wedHoliday),
    ).toBe(4 * 480);
  });

  it('oracle agreement every 11 minutes over 6 weeks, with holidays', () => {
    const cal: CalendarSpec = { ...night, holidays: [{ date: '2026-02-11' }, { date: '2026-02-23' }] };
    const start = Date.parse('2026-02-01T00:00:00+09:00');
    for (let t = start; t < start + 42 * 86_400_000; t += 11 * MIN) {
      expect(isBusinessTime(new Date(t), cal), new Date(t).toISOString()).toBe(oracleIsBusiness(t, cal));
    }
  });

  it('a 24-hour shift (end == start) and a full day 00:00–24:00', () => {
    const day: CalendarSpec = {
      timeZone: 'Asia/Tokyo',
      weeklyHours: { mon: [{ start: '09:00', end: '09:00' }] },
    };
    expect(
      businessMinutesBetween(at('2026-01-19T00:00:00+09:00'), at('2026-01-21T00:00:00+09:00'), day),
    ).toBe(1440);
    expect(isBusinessTime(at('2026-01-20T08:59:00+09:00'), day)).toBe(true);
    expect(isBusinessTime(at('2026-01-20T09:00:00+09:00'), day)).toBe(false);

    const always: CalendarSpec = {
      timeZone: 'Asia/Tokyo',
      weeklyHours: weekly(WEEKDAYS, [{ start: '00:00', end: '24:00' }]),
    };
    const s = at('2026-01-19T13:37:00+09:00');
    expect(addBusinessMinutes(s, 10_000, always)).toEqual(new Date(s.getTime() + 10_000 * MIN));
    expect(businessMinutesBetween(s, at('2026-02-19T13:37:00+09:00'), always)).toBe(31 * 1440);
  });

  it('overlapping intervals are merged, never counted twice', () => {
    const cal: CalendarSpec = {
      timeZone: 'Asia/Tokyo',
      weeklyHours: {
        mon: [
          { start: '22:00', end: '06:00' },
          { start: '10:00', end: '12:00' },
          { start: '11:00', end: '13:00' },
        ],
        tue: [{ start: '00:00', end: '09:00' }],
      },
    };
    expect(
      businessMinutesBetween(at('2026-01-19T00:00:00+09:00'), at('2026-01-21T00:00:00+09:00'), cal),
    ).toBe(180 + 660);
    expect(addBusinessMinutes(at('2026-01-19T12:30:00+09:00'), 30, cal)).toEqual(
      at('2026-01-19T13:00:00+09:00'),
    );
    expect(addBusinessMinutes(at('2026-01-19T12:30:00+09:00'), 60, cal)).toEqual(
      at('2026-01-19T22:30:00+09:00'),
    );
    expect(addBusinessMinutes(at('2026-01-19T22:00:00+09:00'), 660, cal)).toEqual(
      at('2026-01-20T09:00:00+09:00'),
    );
    expectRoundTrip(cal, 99, 200, '2026-01-01T00:00:00Z', 60);
  });

  it('round trip (300 seeded cases)', () => {
    expectRoundTrip({ ...night, holidays: [{ date: '2026-03-20' }] }, 42, 300, '2026-01-01T00:00:00Z', 200);
  });
});

// ---------------------------------------------------------------------------------------------
// DST
// ---------------------------------------------------------------------------------------------

describe('DST: America/New_York (2026-03-08 spring forward, 2026-11-01 fall back)', () => {
  const office: CalendarSpec = {
    timeZone: 'America/New_York',
    weeklyHours: weekly(MON_FRI, [{ start: '09:00', end: '17:00' }]),
    holidays: [{ date: '2026-11-26', name: 'Thanksgiving' }],
  };
  const always: CalendarSpec = {
    timeZone: 'America/New_York',
    weeklyHours: weekly(WEEKDAYS, [{ start: '00:00', end: '24:00' }]),
  };

  it('office hours keep their local wall times across the change', () => {
    // Fri 16:00 EST + 120 → Mon 10:00 EDT (14:00Z)
    expect(addBusinessMinutes(at('2026-03-06T16:00:00-05:00'), 120, office)).toEqual(
      at('2026-03-09T14:00:00Z'),
    );
    expect(
      businessMinutesBetween(at('2026-03-06T12:00:00-05:00'), at('2026-03-09T12:00:00-04:00'), office),
    ).toBe(300 + 180);
    // Fri 16:00 EDT + 120 → Mon 10:00 EST (15:00Z)
    expect(addBusinessMinutes(at('2026-10-30T16:00:00-04:00'), 120, office)).toEqual(
      at('2026-11-02T15:00:00Z'),
    );
    expect(isBusinessTime(at('2026-11-02T13:30:00Z'), office)).toBe(false); // 08:30 EST
    expect(isBusinessTime(at('2026-11-02T14:30:00Z'), office)).toBe(true); // 09:30 EST
    expect(isBusinessTime(at('2026-11-26T15:00:00Z'), office)).toBe(false); // Thanksgiving
  });

  it('00:00–24:00 lasts 23 h on the spring-forward day and 25 h on the fall-back day', () => {
    expect(
      businessMinutesBetween(at('2026-03-08T00:00:00-05:00'), at('2026-03-09T00:00:00-04:00'), always),
    ).toBe(23 * 60);
    expect(
      businessMinutesBetween(at('2026-11-01T00:00:00-04:00'), at('2026-11-02T00:00:00-05:00'), always),
    ).toBe(25 * 60);
    // elapsed real minutes: 00:00 EST + 180 → 04:00 EDT
    expect(addBusinessMinutes(at('2026-03-08T00:00:00-05:00'), 180, always)).toEqual(
      at('2026-03-08T04:00:00-04:00'),
    );
    expect(addBusinessMinutes(at('2026-11-01T00:00:00-04:00'), 180, always)).toEqual(
      at('2026-11-01T02:00:00-05:00'),
    );
    expect(isBusinessTime(at('2026-03-08T07:00:00Z'), always)).toBe(true);
  });

  it('a wall time in the spring-forward gap moves forward to the transition', () => {
    const gap: CalendarSpec = {
      timeZone: 'America/New_York',
      weeklyHours: { sun: [{ start: '02:30', end: '04:00' }] },
    };
    // 02:30 does not exist on 2026-03-08: the shift starts at 03:00 EDT (07:00Z) and lasts 60 min
    expect(nextBusinessInstant(at('2026-03-08T00:00:00-05:00'), gap)).toEqual(at('2026-03-08T07:00:00Z'));
    expect(
      businessMinutesBetween(at('2026-03-08T00:00:00-05:00'), at('2026-03-09T00:00:00-04:00'), gap),
    ).toBe(60);
    // an interval entirely inside the gap is empty that day: the next one is a week later
    const inGap: CalendarSpec = {
      timeZone: 'America/New_York',
      weeklyHours: { sun: [{ start: '02:00', end: '02:30' }] },
    };
    expect(nextBusinessInstant(at('2026-03-08T00:00:00-05:00'), inGap)).toEqual(
      at('2026-03-15T02:00:00-04:00'),
    );
    expect(nextBusinessInstant(at('2026-03-01T00:00:00-05:00'), inGap)).toEqual(
      at('2026-03-01T02:00:00-05:00'),
    );
  });

  it('an ambiguous fall-back wall time uses its first occurrence', () => {
    const amb: CalendarSpec = {
      timeZone: 'America/New_York',
      weeklyHours: { sun: [{ start: '01:30', end: '02:30' }] },
    };
    // 01:30 EDT (05:30Z) → 02:30 EST (07:30Z): 120 real minutes
    expect(nextBusinessInstant(at('2026-11-01T00:00:00-04:00'), amb)).toEqual(at('2026-11-01T05:30:00Z'));
    expect(
      businessMinutesBetween(at('2026-11-01T00:00:00-04:00'), at('2026-11-02T00:00:00-05:00'), amb),
    ).toBe(120);
    const first: CalendarSpec = {
      timeZone: 'America/New_York',
      weeklyHours: { sun: [{ start: '01:00', end: '01:30' }] },
    };
    expect(
      businessMinutesBetween(at('2026-11-01T00:00:00-04:00'), at('2026-11-02T00:00:00-05:00'), first),
    ).toBe(30);
    expect(isBusinessTime(at('2026-11-01T05:15:00Z'), first)).toBe(true); // 01:15 EDT
    expect(isBusinessTime(at('2026-11-01T06:15:00Z'), first)).toBe(false); // 01:15 EST (second occurrence)
  });

  it('an overnight shift across the change lasts its real duration', () => {
    const night: CalendarSpec = {
      timeZone: 'America/New_York',
      weeklyHours: { sat: [{ start: '22:00', end: '06:00' }] },
    };
    // Sat 2026-03-07 22:00 EST (03:00Z) → Sun 06:00 EDT (10:00Z): 7 h
    expect(
      businessMinutesBetween(at('2026-03-07T00:00:00-05:00'), at('2026-03-09T00:00:00-04:00'), night),
    ).toBe(420);
    // Sat 2026-10-31 22:00 EDT (02:00Z) → Sun 06:00 EST (11:00Z): 9 h
    expect(
      businessMinutesBetween(at('2026-10-31T00:00:00-04:00'), at('2026-11-02T00:00:00-05:00'), night),
    ).toBe(540);
    expect(addBusinessMinutes(at('2026-10-31T22:00:00-04:00'), 540, night)).toEqual(
      at('2026-11-01T06:00:00-05:00'),
    );
  });

  it('brute-force minute count agrees with businessMinutesBetween around both changes', () => {
    const cal: CalendarSpec = {
      timeZone: 'America/New_York',
      weeklyHours: {
        ...weekly(MON_FRI, [{ start: '09:00', end: '17:00' }]),
        sat: [{ start: '22:00', end: '06:00' }],
        sun: [{ start: '10:00', end: '14:00' }],
      },
      holidays: [{ date: '2026-03-09' }],
    };
    const rnd = prng(31337);
    for (const centre of ['2026-03-08T07:00:00Z', '2026-11-01T06:00:00Z']) {
      for (let i = 0; i < 8; i++) {
        const from = Date.parse(centre) - Math.floor(rnd() * 2 * 1440) * MIN;
        const to = from + Math.floor(rnd() * 3 * 1440) * MIN;
        let count = 0;
        for (let t = from; t < to; t += MIN) if (oracleIsBusiness(t, cal)) count++;
        expect(businessMinutesBetween(new Date(from), new Date(to), cal), new Date(from).toISOString()).toBe(
          count,
        );
      }
    }
  });

  it('round trips across DST (300 seeded cases each)', () => {
    expectRoundTrip(office, 5, 300, '2026-02-15T00:00:00Z', 280);
    expectRoundTrip(always, 6, 300, '2026-02-15T00:00:00Z', 280);
  });
});

describe('DST: Europe/Berlin (2026-03-29 spring forward, 2026-10-25 fall back)', () => {
  const always: CalendarSpec = {
    timeZone: 'Europe/Berlin',
    weeklyHours: weekly(WEEKDAYS, [{ start: '00:00', end: '24:00' }]),
  };
  const early: CalendarSpec = {
    timeZone: 'Europe/Berlin',
    weeklyHours: weekly(WEEKDAYS, [{ start: '01:00', end: '04:00' }]),
  };

  it('00:00–24:00 counts real minutes: 23 h and 25 h days', () => {
    expect(
      businessMinutesBetween(at('2026-03-29T00:00:00+01:00'), at('2026-03-30T00:00:00+02:00'), always),
    ).toBe(1380);
    expect(
      businessMinutesBetween(at('2026-10-25T00:00:00+02:00'), at('2026-10-26T00:00:00+01:00'), always),
    ).toBe(1500);
    expect(addBusinessMinutes(at('2026-03-29T00:00:00+01:00'), 1380, always)).toEqual(
      at('2026-03-30T00:00:00+02:00'),
    );
    expect(addBusinessMinutes(at('2026-10-25T00:00:00+02:00'), 1500, always)).toEqual(
      at('2026-10-26T00:00:00+01:00'),
    );
    // a month containing the change = its real length
    expect(
      businessMinutesBetween(at('2026-03-01T00:00:00+01:00'), at('2026-04-01T00:00:00+02:00'), always),
    ).toBe(31 * 1440 - 60);
  });

  it('01:00–04:00 lasts 2 h on the spring-forward day and 4 h on the fall-back day', () => {
    expect(
      businessMinutesBetween(at('2026-03-29T00:00:00+01:00'), at('2026-03-30T00:00:00+02:00'), early),
    ).toBe(120);
    expect(
      businessMinutesBetween(at('2026-10-25T00:00:00+02:00'), at('2026-10-26T00:00:00+01:00'), early),
    ).toBe(240);
    expect(
      businessMinutesBetween(at('2026-03-28T00:00:00+01:00'), at('2026-03-29T00:00:00+01:00'), early),
    ).toBe(180);
    // 01:30 CET + 60 real minutes → 03:30 CEST
    expect(addBusinessMinutes(at('2026-03-29T01:30:00+01:00'), 60, early)).toEqual(
      at('2026-03-29T03:30:00+02:00'),
    );
    expect(addBusinessMinutes(at('2026-03-29T01:30:00+01:00'), 90, early)).toEqual(
      at('2026-03-29T04:00:00+02:00'),
    );
    expect(addBusinessMinutes(at('2026-03-29T01:30:00+01:00'), 91, early)).toEqual(
      at('2026-03-30T01:01:00+02:00'),
    );
    // 01:00 CEST + 240 → 04:00 CET
    expect(addBusinessMinutes(at('2026-10-25T01:00:00+02:00'), 240, early)).toEqual(
      at('2026-10-25T04:00:00+01:00'),
    );
    // the repeated 02:00–03:00 hour is business time both times
    expect(isBusinessTime(at('2026-10-25T02:30:00+02:00'), early)).toBe(true);
    expect(isBusinessTime(at('2026-10-25T02:30:00+01:00'), early)).toBe(true);
  });

  it('round trips across DST (300 seeded cases)', () => {
    expectRoundTrip(early, 77, 300, '2026-03-01T00:00:00Z', 260);
  });
});

// ---------------------------------------------------------------------------------------------
// Errors, guards and speed
// ---------------------------------------------------------------------------------------------

describe('errors and guards', () => {
  const empty: CalendarSpec = { timeZone: 'Asia/Tokyo', weeklyHours: weekly([], []), holidays: [] };

  it('a calendar with no hours at all throws EmptyCalendarError', () => {
    const s = at('2026-01-20T10:00:00+09:00');
    expect(() => addBusinessMinutes(s, 10, empty)).toThrow(EmptyCalendarError);
    expect(() => nextBusinessInstant(s, empty)).toThrow(EmptyCalendarError);
    expect(() => isBusinessTime(s, empty)).toThrow(EmptyCalendarError);
    expect(() => businessMinutesBetween(s, s, empty)).toThrow(EmptyCalendarError);
    expect(() => addBusinessMinutes(s, 10, { timeZone: 'UTC', weeklyHours: {} })).toThrow(EmptyCalendarError);
    try {
      assertValidCalendar(empty);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(EmptyCalendarError);
      expect((err as Error).name).toBe('EmptyCalendarError');
    }
  });

  it('gives up after ~3 years without business time, but between() still answers', () => {
    // Mondays only, and every Monday from 2026 through 2029 is a holiday
    const holidays = [];
    for (
      let t = Date.parse('2026-01-05T00:00:00Z');
      t < Date.parse('2030-01-01T00:00:00Z');
      t += 7 * 86_400_000
    ) {
      holidays.push({ date: new Date(t).toISOString().slice(0, 10) });
    }
    const cal: CalendarSpec = {
      timeZone: 'UTC',
      weeklyHours: { mon: [{ start: '09:00', end: '10:00' }] },
      holidays,
    };
    const s = at('2026-01-01T00:00:00Z');
    expect(() => addBusinessMinutes(s, 1, cal)).toThrow(EmptyCalendarError);
    expect(() => nextBusinessInstant(s, cal)).toThrow(EmptyCalendarError);
    expect(isBusinessTime(s, cal)).toBe(false);
    expect(businessMinutesBetween(s, at('2030-01-01T00:00:00Z'), cal)).toBe(0);
    expect(businessMinutesBetween(s, at('2030-01-08T00:00:00Z'), cal)).toBe(60);
    // a long holiday stretch shorter than the horizon is crossed
    const shorter: CalendarSpec = { ...cal, holidays: holidays.slice(0, 100) };
    expect(addBusinessMinutes(s, 30, shorter)).toEqual(
      new Date(Date.parse(holidays[100]?.date ?? '') + 9.5 * 3_600_000),
    );
  });

  it('rejects malformed specs with InvalidCalendarError naming the field', () => {
    const s = at('2026-01-20T10:00:00Z');
    const bad = (cal: CalendarSpec) => () => addBusinessMinutes(s, 1, cal);
    expect(bad({ timeZone: 'Mars/Olympus', weeklyHours: { mon: NINE_SIX } })).toThrow(/timeZone/);
    expect(bad({ timeZone: 'Mars/Olympus', weeklyHours: { mon: NINE_SIX } })).toThrow(InvalidCalendarError);
    expect(bad({ timeZone: 'UTC', weeklyHours: { tue: [{ start: '9:00', end: '18:00' }] } })).toThrow(
      /weeklyHours\.tue\[0\]\.start/,
    );
    expect(bad({ timeZone: 'UTC', weeklyHours: { mon: [{ start: '24:00', end: '06:00' }] } })).toThrow(
      InvalidCalendarError,
    );
    expect(bad({ timeZone: 'UTC', weeklyHours: { mon: [{ start: '09:00', end: '24:01' }] } })).toThrow(
      /weeklyHours\.mon\[0\]\.end/,
    );
    expect(
      bad({ timeZone: 'UTC', weeklyHours: { mon: NINE_SIX }, holidays: [{ date: '2026-02-30' }] }),
    ).toThrow(/holidays\[0\]\.date/);
    expect(() => assertValidCalendar(tokyo)).not.toThrow();
  });

  it('rejects negative / non-finite minutes and invalid dates', () => {
    const s = at('2026-01-20T10:00:00Z');
    expect(() => addBusinessMinutes(s, -1, tokyo)).toThrow(RangeError);
    expect(() => addBusinessMinutes(s, Number.NaN, tokyo)).toThrow(RangeError);
    expect(() => addBusinessMinutes(s, Number.POSITIVE_INFINITY, tokyo)).toThrow(RangeError);
    expect(() => addBusinessMinutes(new Date(Number.NaN), 1, tokyo)).toThrow(RangeError);
    expect(() => businessMinutesBetween(s, new Date(Number.NaN), tokyo)).toThrow(RangeError);
  });
});

describe('speed (O(days), not O(minutes))', () => {
  it('10,000 × addBusinessMinutes(…, 960, tokyo) in well under a second or two', () => {
    const base = Date.parse('2026-01-05T00:00:00+09:00');
    const t0 = performance.now();
    let last = 0;
    for (let i = 0; i < 10_000; i++) {
      last = addBusinessMinutes(new Date(base + i * 37 * MIN), 960, tokyo).getTime();
    }
    const ms = performance.now() - t0;
    expect(last).toBeGreaterThan(base);
    expect(ms).toBeLessThan(3000);
  });

  it('a million business minutes (~7 years) is quick and exact', () => {
    const s = at('2026-01-05T09:00:00+09:00');
    const t0 = performance.now();
    const end = addBusinessMinutes(s, 1_000_000, tokyo);
    expect(businessMinutesBetween(s, end, tokyo)).toBe(1_000_000);
    expect(performance.now() - t0).toBeLessThan(3000);
  });
});
