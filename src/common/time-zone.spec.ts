import { describe, expect, it } from '@jest/globals';
import { startOfLocalDay, wallClockMs, zoneOffsetMs } from './time-zone.js';

/** ICU's wall clock at `ms`, to the minute, written as UTC. */
function icuWall(ms: number, timeZone: string): number {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(new Date(ms))
      .map((x) => [x.type, x.value]),
  );
  return Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute));
}

describe('time zone offsets', () => {
  it('equal ICU on every quarter hour (and odd minutes) around both daylight-saving changes, in whole- and half-hour zones', () => {
    for (const timeZone of ['Europe/Amsterdam', 'America/St_Johns', 'Asia/Kathmandu', 'UTC']) {
      for (const start of ['2026-03-28T00:00:00Z', '2026-10-24T00:00:00Z']) {
        for (let k = 0; k < 4 * 24 * 3; k += 1) {
          const ms = Date.parse(start) + k * 15 * 60_000 + (k % 7) * 60_000 + 1234;
          expect(Math.floor(wallClockMs(ms, timeZone) / 60_000) * 60_000).toBe(icuWall(ms, timeZone));
        }
      }
    }
    expect(zoneOffsetMs(Date.parse('2026-01-15T12:00:00Z'), 'Europe/Amsterdam')).toBe(3_600_000);
    expect(zoneOffsetMs(Date.parse('2026-07-15T12:00:00Z'), 'Europe/Amsterdam')).toBe(7_200_000);
  });

  it('start of the local day: local midnight of the day the moment falls on', () => {
    // 23:30 UTC on 14 July is already 15 July in Amsterdam (CEST): its midnight is 22:00 UTC on 14 July.
    expect(startOfLocalDay(new Date('2026-07-14T23:30:00Z'), 'Europe/Amsterdam').toISOString()).toBe('2026-07-14T22:00:00.000Z');
    expect(startOfLocalDay(new Date('2026-01-14T12:00:00Z'), 'Europe/Amsterdam').toISOString()).toBe('2026-01-13T23:00:00.000Z');
  });
});
