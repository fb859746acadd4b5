import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export function summarise(values: number[]): { n: number; p50: number | null; p95: number | null; max: number | null } {
  return { n: values.length, p50: percentile(values, 50), p95: percentile(values, 95), max: values.length ? Math.max(...values) : null };
}

export const RESULTS_FILE = join(process.cwd(), 'test/fault/results/last-run.json');

/** The figures of this run, for the issue and the README (committed by hand, so a diff shows the change). */
export function writeResults(results: Record<string, unknown>): void {
  mkdirSync(dirname(RESULTS_FILE), { recursive: true });
  writeFileSync(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
}
