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

  it('refuses a repeated weekday and slot, and warns when only one repeats', () => {
    const earlier = [{ weekday: 'MONDAY', timeSlot: 'MORNING' }];
    expect(slotCheck({ weekday: 'MONDAY', slot: 'MORNING' }, earlier)).toEqual({ repeated: true, warnings: [] });
    expect(slotCheck({ weekday: 'MONDAY', slot: 'EVENING' }, earlier)).toEqual({ repeated: false, warnings: ['SAME_WEEKDAY_AS_EARLIER_ATTEMPT'] });
    expect(slotCheck({ weekday: 'FRIDAY', slot: 'MORNING' }, earlier)).toEqual({ repeated: false, warnings: ['SAME_TIME_SLOT_AS_EARLIER_ATTEMPT'] });
    expect(slotCheck({ weekday: 'FRIDAY', slot: 'EVENING' }, earlier)).toEqual({ repeated: false, warnings: [] });
  });
});
