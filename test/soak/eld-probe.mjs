// Preloaded into the API by the soak run (`node --import ./test/soak/eld-probe.mjs dist/src/main.js`):
// measures the API's own event-loop delay with perf_hooks and appends one JSON line per interval to
// SOAK_ELD_FILE. Nothing in src/ changes; without SOAK_ELD_FILE this module does nothing.
import { appendFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const file = process.env.SOAK_ELD_FILE;
if (file) {
  const every = Number(process.env.SOAK_ELD_INTERVAL_MS || 5000);
  const warmupEnds = Date.now() + Number(process.env.SOAK_WARMUP_MS || 0);
  const interval = monitorEventLoopDelay({ resolution: 10 });
  // A second monitor, switched on when warm-up ends and never reset: the run's p99 is exact rather
  // than a mean of per-interval p99s.
  const total = monitorEventLoopDelay({ resolution: 10 });
  let totalOn = false;
  interval.enable();
  const ms = (ns) => Math.round(ns / 1e4) / 100;
  const stats = (h) => (h.count > 0 ? { p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max), mean: ms(h.mean), count: h.count } : null);
  const timer = setInterval(() => {
    // The probe must never be what ends the process it measures.
    try {
      const now = Date.now();
      if (!totalOn && now >= warmupEnds) {
        total.enable();
        totalOn = true;
      }
      appendFileSync(file, `${JSON.stringify({ t: now, interval: stats(interval), afterWarmup: totalOn ? stats(total) : null })}\n`);
      interval.reset();
    } catch {
      // a full disk or a removed work directory: stop measuring, keep serving
      clearInterval(timer);
    }
  }, every);
  timer.unref();
}
