/**
 * Wall-clock time in a named time zone. ICU's `formatToParts` is the only source of zone rules here and it is slow
 * (tens of µs), so the offset it yields is cached per zone and UTC quarter hour: zone offsets change on quarter-hour
 * boundaries at most.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();
const offsets = new Map<string, number>();
const QUARTER_MS = 15 * 60_000;

/** Local wall-clock time minus UTC at `atMs`, in milliseconds (a whole number of minutes). */
export function zoneOffsetMs(atMs: number, timeZone: string): number {
  const key = `${timeZone}|${Math.floor(atMs / QUARTER_MS)}`;
  let offset = offsets.get(key);
  if (offset === undefined) {
    let f = formatters.get(timeZone);
    if (!f) {
      f = new Intl.DateTimeFormat('en-GB', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
      formatters.set(timeZone, f);
    }
    const p = Object.fromEntries(f.formatToParts(new Date(atMs)).map((x) => [x.type, x.value]));
    offset = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute)) - Math.floor(atMs / 60_000) * 60_000;
    if (offsets.size >= 10_000) offsets.clear();
    offsets.set(key, offset);
  }
  return offset;
}

/** The local wall-clock time at `atMs`, written as if it were UTC (read it with the getUTC… methods). */
export function wallClockMs(atMs: number, timeZone: string): number {
  return atMs + zoneOffsetMs(atMs, timeZone);
}

/** Midnight of the given moment's calendar day in the programme's time zone. */
export function startOfLocalDay(at: Date, timeZone: string): Date {
  const offset = zoneOffsetMs(at.getTime(), timeZone);
  return new Date(Math.floor((at.getTime() + offset) / 86_400_000) * 86_400_000 - offset);
}
