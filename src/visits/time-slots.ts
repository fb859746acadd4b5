import type { TimeSlot } from '../config/app-config.js';
import { WEEKDAYS } from '../common/domain-enums.js';
import { wallClockMs } from '../common/time-zone.js';

const DAY_NAMES = ['SUNDAY', 'MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY'];

function parts(at: Date, timeZone: string): { weekday: string; hour: number; minute: number } {
  const local = new Date(wallClockMs(at.getTime(), timeZone));
  return { weekday: DAY_NAMES[local.getUTCDay()]!, hour: local.getUTCHours(), minute: local.getUTCMinutes() };
}

/**
 * Weekday and time slot of a moment in the programme's time zone (Europe/Amsterdam), so that a visit
 * at 17:30 local time is an EVENING visit in summer and in winter alike. `slot` is null outside every slot.
 */
export function slotOf(at: Date, slots: TimeSlot[], timeZone: string): { weekday: string; slot: string | null } {
  const { weekday, hour, minute } = parts(at, timeZone);
  const h = hour + minute / 60;
  const slot = slots.find((s) => h >= s.startHour && h < s.endHour)?.code ?? null;
  if (!WEEKDAYS.includes(weekday as (typeof WEEKDAYS)[number])) throw new Error(`unexpected weekday ${weekday}`);
  return { weekday, slot };
}

/** Slot label for an attempt that happened outside the planned slots (it still counts). */
export const OUTSIDE_SLOTS = 'OUTSIDE_SLOTS';

/**
 * G7 against earlier counted attempts: the same (weekday, slot) pair is refused; a pair that repeats
 * only the weekday or only the slot gets a warning, since another day and time reaches more people.
 */
export function slotCheck(planned: { weekday: string; slot: string }, earlier: Array<{ weekday: string; timeSlot: string }>): { repeated: boolean; warnings: string[] } {
  let repeated = false;
  const warnings = new Set<string>();
  for (const e of earlier) {
    const sameDay = e.weekday === planned.weekday;
    const sameSlot = e.timeSlot === planned.slot;
    if (sameDay && sameSlot) repeated = true;
    else if (sameDay) warnings.add('SAME_WEEKDAY_AS_EARLIER_ATTEMPT');
    else if (sameSlot) warnings.add('SAME_TIME_SLOT_AS_EARLIER_ATTEMPT');
  }
  return { repeated, warnings: [...warnings] };
}
