import { describe, expect, it } from '@jest/globals';
import { slotCheck, slotOf } from './time-slots.js';

const SLOTS = [
  { code: 'MORNING', startHour: 9, endHour: 12 },
  { code: 'AFTERNOON', startHour: 12, endHour: 17 },
  { code: 'EVENING', startHour: 17, endHour: 21 },
];

describe('time slots in Europe/Amsterdam', () => {
  it('uses local time in winter and summer', () => {
    // 16:30 UTC is 17:30 in winter (CET) and 18:30 in summer (CEST): evening both times.
    expect(slotOf(new Date('2026-01-14T16:30:00Z'), SLOTS, 'Europe/Amsterdam')).toEqual({ weekday: 'WEDNESDAY', slot: 'EVENING' });
    expect(slotOf(new Date('2026-07-15T16:30:00Z'), SLOTS, 'Europe/Amsterdam')).toEqual({ weekday: 'WEDNESDAY', slot: 'EVENING' });
    // 10:59 UTC in summer is 12:59 local: afternoon, not morning.
    expect(slotOf(new Date('2026-07-15T10:59:00Z'), SLOTS, 'Europe/Amsterdam').slot).toBe('AFTERNOON');
    expect(slotOf(new Date('2026-07-15T21:30:00Z'), SLOTS, 'Europe/Amsterdam').slot).toBeNull();
    // Late evening UTC is already the next day in Amsterdam.
    expect(slotOf(new Date('2026-07-15T22:30:00Z'), SLOTS, 'Europe/Amsterdam').weekday).toBe('THURSDAY');
  });

  it('agrees with ICU on every quarter hour around both daylight-saving changes and in other zones', () => {
    const icu = (at: Date, timeZone: string) => {
      const p = Object.fromEntries(
        new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'long', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(at).map((x) => [x.type, x.value]),
      );
      const h = Number(p.hour) + Number(p.minute) / 60;
      return { weekday: String(p.weekday).toUpperCase(), slot: SLOTS.find((s) => h >= s.startHour && h < s.endHour)?.code ?? null };
    };
    const starts = ['2026-03-28T00:00:00Z', '2026-10-24T00:00:00Z', '2026-04-04T00:07:00Z'];
    for (const timeZone of ['Europe/Amsterdam', 'America/St_Johns', 'Asia/Kathmandu', 'UTC']) {
      for (const start of starts) {
        for (let k = 0; k < 4 * 24 * 3; k += 1) {
          const at = new Date(Date.parse(start) + k * 15 * 60_000 + (k % 7) * 60_000);
          expect(slotOf(at, SLOTS, timeZone)).toEqual(icu(at, timeZone));
        }
      }
    }
  });

  it('refuses a repeated weekday and slot, and warns when only one repeats', () => {
    const earlier = [{ weekday: 'MONDAY', timeSlot: 'MORNING' }];
    expect(slotCheck({ weekday: 'MONDAY', slot: 'MORNING' }, earlier)).toEqual({ repeated: true, warnings: [] });
    expect(slotCheck({ weekday: 'MONDAY', slot: 'EVENING' }, earlier)).toEqual({ repeated: false, warnings: ['SAME_WEEKDAY_AS_EARLIER_ATTEMPT'] });
    expect(slotCheck({ weekday: 'FRIDAY', slot: 'MORNING' }, earlier)).toEqual({ repeated: false, warnings: ['SAME_TIME_SLOT_AS_EARLIER_ATTEMPT'] });
    expect(slotCheck({ weekday: 'FRIDAY', slot: 'EVENING' }, earlier)).toEqual({ repeated: false, warnings: [] });
  });
});
