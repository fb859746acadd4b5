// Loaded with `node --require bench/probes/preload.cjs` into L1, L2 and L3 (the app contains no bench code). Over the IPC
// channel of the orchestrator it reports per window: event-loop delay (monitorEventLoopDelay, resolution 10 ms), the
// statements the process sent through pg (Client.prototype.query: round trips, and statements counting the parts of a
// multi-statement simple query), memory, and on request the distinct SQL texts with one set of their parameters (for
// EXPLAIN of the plans the level really runs).
'use strict';
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS preload
const { monitorEventLoopDelay } = require('node:perf_hooks');

const eld = monitorEventLoopDelay({ resolution: 10 });
eld.enable();
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
    return original.apply(this, arguments);
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
      capture = m.capture ? new Map() : null;
      process.send({ bench: true, id: m.id });
    } else if (m.cmd === 'read') {
      const ms = (ns) => Math.round((ns / 1e6) * 1000) / 1000;
      process.send({
        bench: true,
        id: m.id,
        eld: { p50: ms(eld.percentile(50)), p99: ms(eld.percentile(99)), max: ms(eld.max), mean: ms(eld.mean) },
        counters: { ...counters },
        memory: process.memoryUsage(),
        captured: capture ? [...capture].map(([text, values]) => ({ text, values })) : null,
      });
      if (m.stopCapture) capture = null;
    }
  });
  if (process.channel) process.channel.unref();
}
