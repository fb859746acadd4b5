const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

export function isMonthCode(code: string): boolean {
  return MONTH.test(code);
}

function parts(month: string): { year: string; month: number } {
  const m = MONTH.exec(month);
  if (!m) throw new Error(`not a month code: ${month}`);
  return { year: m[1]!, month: Number(m[2]) };
}

export function quarterOf(month: string): string {
  const p = parts(month);
  return `${p.year}-Q${Math.ceil(p.month / 3)}`;
}

export function halfYearOf(month: string): string {
  const p = parts(month);
  return `${p.year}-H${p.month <= 6 ? 1 : 2}`;
}

export function yearOf(month: string): string {
  return parts(month).year;
}

/** Every month from `first` to `last` inclusive, as `YYYY-MM`. */
export function monthRange(first: string, last: string): string[] {
  const a = parts(first);
  const b = parts(last);
  const out: string[] = [];
  let y = Number(a.year);
  let m = a.month;
  while (y < Number(b.year) || (y === Number(b.year) && m <= b.month)) {
    out.push(`${y}-${String(m).padStart(2, '0')}`);
    m += 1;
    if (m === 13) {
      m = 1;
      y += 1;
    }
  }
  return out;
}
