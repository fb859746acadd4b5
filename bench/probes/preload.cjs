// Loaded with `node --require bench/probes/preload.cjs` into L1, L2 and L3 (the app contains no bench code). Over the IPC
// channel of the orchestrator it reports per window: event-loop delay (monitorEventLoopDelay, resolution 10 ms), the
// statements the process sent through pg (Client.prototype.query: round trips, and statements counting the parts of a
// multi-statement simple query), memory, and on request the distinct SQL texts with one set of their parameters (for
// EXPLAIN of the plans the level really runs).
'use strict';
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS preload
const { monitorEventLoopDelay, PerformanceObserver, constants, performance } = require('node:perf_hooks');
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS preload
const { appendFileSync } = require('node:fs');
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS preload
const { join } = require('node:path');

const eld = monitorEventLoopDelay({ resolution: 10 });
eld.enable();
// Garbage-collection pauses per window: a long tail at a fixed rate is either the process (GC, a synchronous stretch of
// work) or the database; these tell the first apart.
const gc = { count: 0, totalMs: 0, maxMs: 0, majorCount: 0, majorMaxMs: 0 };
const gcTrace = process.env.BENCH_TRACE_DIR ? [] : null;
// with BENCH_TRACE_DIR: every statement's start (epoch ms), duration as the process saw it, backend pid and first words
const queryTrace = process.env.BENCH_TRACE_DIR ? [] : null;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    const major = e.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR;
    gc.count++;
    gc.totalMs += e.duration;
    gc.maxMs = Math.max(gc.maxMs, e.duration);
    if (major) {
      gc.majorCount++;
      gc.majorMaxMs = Math.max(gc.majorMaxMs, e.duration);
    }
    if (gcTrace && e.duration >= 5) gcTrace.push(`${new Date(performance.timeOrigin + e.startTime).toISOString()}\t${e.detail?.kind}\t${e.duration.toFixed(1)}`);
  }
}).observe({ entryTypes: ['gc'] });
const counters = { calls: 0, statements: 0 };
let capture = null;

function serialise(values) {
  if (!Array.isArray(values)) return [];
  return values.map((v) => {
    if (v === null || v === undefined) return null;
    if (Buffer.isBuffer(v)) return { $bytea: v.toString('hex') };
    if (v instanceof Date) return { $date: v.toISOString() };
    if (Array.isArray(v)) return { $array: v.map((x) => (x instanceof Date ? x.toISOString() : x)) };
    if (typeof v === 'object') return { $json: JSON.stringify(v) };
    return v;
  });
}

try {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the app's own pg instance (its ESM entry wraps this one)
  const pg = require('pg');
  const original = pg.Client.prototype.query;
  pg.Client.prototype.query = function patchedQuery(config, values) {
    const text = typeof config === 'string' ? config : config && typeof config.text === 'string' ? config.text : null;
    if (text !== null) {
      counters.calls++;
      const vals = Array.isArray(values) ? values : config && Array.isArray(config.values) ? config.values : null;
      counters.statements += vals && vals.length ? 1 : text.split(';').filter((s) => s.trim() !== '').length || 1;
      if (capture && capture.size < 500 && !capture.has(text)) capture.set(text, serialise(vals));
    }
    const result = original.apply(this, arguments);
    if (queryTrace && text !== null && result && typeof result.then === 'function') {
      const t0 = performance.now();
      const pid = this.processID;
      result.then(
        () => queryTrace.push(`${(performance.timeOrigin + t0).toFixed(1)}\t${(performance.now() - t0).toFixed(2)}\t${pid}\t${text.slice(0, 40).replace(/\s+/g, ' ')}`),
        () => undefined,
      );
    }
    return result;
  };
} catch {
  // not a pg process
}

if (typeof process.send === 'function') {
  process.on('message', (m) => {
    if (!m || m.bench !== true) return;
    if (m.cmd === 'reset') {
      eld.reset();
      counters.calls = 0;
      counters.statements = 0;
      Object.assign(gc, { count: 0, totalMs: 0, maxMs: 0, majorCount: 0, majorMaxMs: 0 });
      capture = m.capture ? new Map() : null;
      process.send({ bench: true, id: m.id });
    } else if (m.cmd === 'read') {
      const ms = (ns) => Math.round((ns / 1e6) * 1000) / 1000;
      process.send({
        bench: true,
        id: m.id,
        eld: { p50: ms(eld.percentile(50)), p99: ms(eld.percentile(99)), max: ms(eld.max), mean: ms(eld.mean) },
        counters: { ...counters },
        gc: { ...gc, totalMs: ms(gc.totalMs * 1e6), maxMs: ms(gc.maxMs * 1e6), majorMaxMs: ms(gc.majorMaxMs * 1e6) },
        memory: process.memoryUsage(),
        captured: capture ? [...capture].map(([text, values]) => ({ text, values })) : null,
      });
      if (m.stopCapture) capture = null;
      if (queryTrace && queryTrace.length) {
        appendFileSync(join(process.env.BENCH_TRACE_DIR, `queries-${process.pid}.tsv`), `${queryTrace.join('\n')}\n`);
        queryTrace.length = 0;
      }
      if (gcTrace && gcTrace.length) {
        appendFileSync(join(process.env.BENCH_TRACE_DIR, `gc-${process.pid}.tsv`), `${gcTrace.join('\n')}\n`);
        gcTrace.length = 0;
      }
    }
  });
  if (process.channel) process.channel.unref();
}
