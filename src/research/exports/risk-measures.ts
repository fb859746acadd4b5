/** Prosecutor-model risk over the exported rows (research-data.md §5.4): each row's risk is 1/f for its class size f. */
export interface RiskSummary {
  model: 'prosecutor';
  max: number;
  average: number;
  'shareAbove0.2': number;
}

export const round = (value: number, digits: number) => {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
};

export function riskSummary(classSizes: readonly number[]): RiskSummary {
  const rows = classSizes.reduce((s, f) => s + f, 0);
  if (rows === 0) return { model: 'prosecutor', max: 0, average: 0, 'shareAbove0.2': 0 };
  const minF = classSizes.reduce((m, f) => Math.min(m, f), Infinity);
  const above = classSizes.filter((f) => 1 / f > 0.2).reduce((s, f) => s + f, 0);
  return { model: 'prosecutor', max: round(1 / minF, 4), average: round(classSizes.length / rows, 4), 'shareAbove0.2': round(above / rows, 4) };
}

/** Histogram of class sizes: from the smallest achieved size to 9, then 10-19, 20-49, 50+. */
export function classSizeHistogram(classSizes: readonly number[]): Record<string, number> {
  if (classSizes.length === 0) return {};
  const minF = classSizes.reduce((m, f) => Math.min(m, f), Infinity);
  const buckets: Array<[number, number]> = [
    [1, 9],
    [10, 19],
    [20, 49],
    [50, Infinity],
  ];
  const out: Record<string, number> = {};
  for (const [lo, hi] of buckets) {
    if (hi < minF) continue;
    const from = Math.max(lo, minF);
    const label = hi === Infinity ? `${from}+` : `${from}-${hi}`;
    out[label] = classSizes.filter((f) => f >= from && f <= hi).length;
  }
  return out;
}
