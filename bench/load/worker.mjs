// The load generator: a separate process (pinned to core 1 by the orchestrator), steered over IPC.
//   capacity  closed loop through autocannon's API, 32 connections, no pipelining; requests from the input list through
//             requests[].setupRequest; per-second samples from autocannon's ticks.
//   fixed     a fixed rate for latency. Default driver `paced`: an open-loop schedule (request k is due at t0 + k/rate) over
//             at most 32 keep-alive connections, latency measured from the due time, so queueing behind a slow answer
//             counts (coordinated omission corrected by construction). Driver `autocannon` uses autocannon's overallRate
//             instead: autocannon 9 releases each connection's per-second quota back to back at every second boundary
//             (lib/httpClient.js) and corrects with an expected interval of Math.ceil(1 / rate) ms (lib/run.js), so its
//             "fixed-rate" latencies are close to closed-loop latencies at 32 connections; it is kept for comparison.
// Any non-2xx answer is an error. Input files are JSON arrays of { method, path, headers, body, expect }.
import autocannon from 'autocannon';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import http from 'node:http';
import { setImmediate as immediate } from 'node:timers';
import { setTimeout as sleep } from 'node:timers/promises';

const inputs = new Map();
function load(file) {
  let list = inputs.get(file);
  if (!list) {
    list = JSON.parse(readFileSync(file, 'utf8'));
    inputs.set(file, list);
  }
  return list;
}

/** A cursor over an input list: reads wrap around; `exhausted` tells that a write list wrapped. */
function cursor(list, start = 0) {
  let i = start;
  let wrapped = false;
  return {
    next() {
      if (i >= list.length) {
        i = 0;
        wrapped = true;
      }
      return list[i++];
    },
    get position() {
      return i;
    },
    get wrapped() {
      return wrapped;
    },
  };
}

function headersOf(item, tag, n) {
  return { ...item.headers, 'x-request-id': `${tag}.${n}.e${item.expect ?? 0}`, ...(item.body ? { 'content-type': 'application/json' } : {}) };
}

async function capacity({ url, file, start = 0, connections = 32, duration, tag }) {
  const list = load(file);
  const cur = cursor(list, start);
  let n = 0;
  const samples = [];
  const instance = autocannon({
    url,
    connections,
    pipelining: 1,
    duration,
    timeout: 30,
    requests: [
      {
        setupRequest: (req) => {
          const item = cur.next();
          return { ...req, method: item.method, path: item.path, headers: headersOf(item, tag, n++), body: item.body };
        },
      },
    ],
  });
  instance.on('tick', ({ counter }) => samples.push(counter));
  const result = await instance;
  const non2xx = Object.entries(result.statusCodeStats ?? {}).filter(([code]) => !code.startsWith('2')).reduce((s, [, v]) => s + v.count, 0);
  return {
    requests: result.requests.total,
    durationSeconds: result.duration,
    rps: samples.length ? samples.reduce((a, b) => a + b, 0) / samples.length : result.requests.average,
    samples,
    latency: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, p999: result.latency.p99_9 ?? null, max: result.latency.max },
    statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([k, v]) => [k, v.count])),
    errors: result.errors + non2xx,
    transportErrors: result.errors,
    timeouts: result.timeouts,
    non2xx,
    sent: n,
    nextStart: cur.position,
    wrapped: cur.wrapped,
  };
}

async function fixedAutocannon({ url, file, start = 0, connections = 32, duration, rate, tag }) {
  const list = load(file);
  const cur = cursor(list, start);
  let n = 0;
  const samples = [];
  const instance = autocannon({
    url,
    connections,
    pipelining: 1,
    duration,
    overallRate: rate,
    timeout: 30,
    requests: [{ setupRequest: (req) => {
      const item = cur.next();
      return { ...req, method: item.method, path: item.path, headers: headersOf(item, tag, n++), body: item.body };
    } }],
  });
  instance.on('tick', ({ counter }) => samples.push(counter));
  const r = await instance;
  const non2xx = Object.entries(r.statusCodeStats ?? {}).filter(([code]) => !code.startsWith('2')).reduce((s, [, v]) => s + v.count, 0);
  return {
    driver: 'autocannon', target: rate, achieved: r.requests.total / r.duration, requests: r.requests.total, samples,
    latency: { p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, p999: r.latency.p99_9 ?? null, max: r.latency.max },
    statusCodes: Object.fromEntries(Object.entries(r.statusCodeStats ?? {}).map(([k, v]) => [k, v.count])), errors: r.errors + non2xx, non2xx,
    nextStart: cur.position, wrapped: cur.wrapped, sent: n,
  };
}

async function fixedPaced({ url, file, start = 0, connections = 32, duration, rate, tag }) {
  const list = load(file);
  const cur = cursor(list, start);
  const base = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections });
  const total = Math.max(1, Math.round(rate * duration));
  const intervalNs = 1e9 / rate;
  const latencies = new Float64Array(total);
  // how late each request left this process after its due time: a stall of the load generator itself (its GC, the
  // machine) shows here, and is told apart from the server's
  const sendLag = new Float64Array(total);
  const statusCodes = {};
  const perSecond = new Array(Math.ceil(duration) + 1).fill(0);
  let done = 0;
  let errors = 0;
  let completedInWindow = 0;
  const t0 = process.hrtime.bigint() + 20_000_000n;
  // a response counts toward the achieved rate when it arrives within the window or 1 s after it (the tail in flight)
  const windowEnd = t0 + BigInt(Math.round((duration + 1) * 1e9));
  let sent = 0;
  let resolveAll;
  const all = new Promise((r) => (resolveAll = r));
  const finish = (k, due, status) => {
    const now = process.hrtime.bigint();
    latencies[k] = Number(now - due) / 1e6;
    statusCodes[status] = (statusCodes[status] ?? 0) + 1;
    if (!(status >= 200 && status < 300)) errors++;
    if (now <= windowEnd) {
      completedInWindow++;
      perSecond[Math.min(perSecond.length - 1, Math.floor(Number(now - t0) / 1e9))]++;
    }
    if (++done === total) resolveAll();
  };
  const fire = (k, due) => {
    sendLag[k] = Number(process.hrtime.bigint() - due) / 1e6;
    const item = cur.next();
    const body = item.body ? Buffer.from(item.body) : null;
    const headers = headersOf(item, tag, k);
    if (body) headers['content-length'] = String(body.length);
    const req = http.request({ host: base.hostname, port: base.port, method: item.method, path: item.path, headers, agent }, (res) => {
      res.on('data', () => undefined);
      res.on('end', () => finish(k, due, res.statusCode));
      res.on('error', () => finish(k, due, 'error'));
    });
    req.setTimeout(30_000, () => req.destroy(new Error('timeout')));
    req.on('error', () => finish(k, due, 'error'));
    if (body) req.write(body);
    req.end();
  };
  // the schedule: fire everything that is due, then sleep until the next due time
  while (sent < total) {
    const now = process.hrtime.bigint();
    while (sent < total && t0 + BigInt(Math.round(sent * intervalNs)) <= now) {
      fire(sent, t0 + BigInt(Math.round(sent * intervalNs)));
      sent++;
    }
    if (sent < total) {
      const waitMs = Number(t0 + BigInt(Math.round(sent * intervalNs)) - process.hrtime.bigint()) / 1e6;
      if (waitMs > 1) await sleep(Math.floor(waitMs));
      else await new Promise((r) => immediate(r));
    }
  }
  await Promise.race([all, sleep(15_000)]);
  agent.destroy();
  if (process.env.BENCH_TRACE_DIR) {
    // per request: index, due time after the window's start (ms), latency (ms), send lag (ms); to find out whether a tail is one stall or spread out
    const lines = Array.from(latencies.subarray(0, done), (l, k) => `${k}\t${((k * intervalNs) / 1e6).toFixed(1)}\t${l.toFixed(2)}\t${sendLag[k].toFixed(2)}`);
    writeFileSync(join(process.env.BENCH_TRACE_DIR, `${tag}.tsv`), `${lines.join('\n')}\n`);
  }
  const lat = Array.from(latencies.subarray(0, done)).sort((a, b) => a - b);
  const q = (p) => (lat.length ? lat[Math.min(lat.length - 1, Math.max(0, Math.ceil((p / 100) * lat.length) - 1))] : null);
  return {
    driver: 'paced', target: rate, achieved: completedInWindow / duration, requests: done, sent, lost: total - done, samples: perSecond.slice(0, Math.ceil(duration)),
    latency: { p50: q(50), p90: q(90), p99: q(99), p999: q(99.9), max: lat.length ? lat[lat.length - 1] : null },
    sendLag: lagSummary(sendLag.subarray(0, sent)),
    statusCodes, errors: errors + (total - done), nextStart: cur.position, wrapped: cur.wrapped,
  };
}

function lagSummary(lags) {
  const sorted = Array.from(lags).sort((a, b) => a - b);
  const q = (p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] : null);
  return { p99: q(99), max: sorted.length ? sorted[sorted.length - 1] : null, over10ms: sorted.filter((x) => x > 10).length };
}

/** Sequential requests (one connection) with per-request latency, for the deep-page probe and statistics. */
async function sequential({ url, file, start = 0, count, tag, maxMs = 0 }) {
  const list = load(file);
  const cur = cursor(list, start);
  const base = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const out = [];
  const t0 = Date.now();
  for (let k = 0; k < count; k++) {
    if (maxMs && Date.now() - t0 > maxMs && k % 2 === 0) break;
    const item = cur.next();
    const t = process.hrtime.bigint();
    const status = await new Promise((resolve) => {
      const body = item.body ? Buffer.from(item.body) : null;
      const headers = headersOf(item, tag, k);
      if (body) headers['content-length'] = String(body.length);
      const req = http.request({ host: base.hostname, port: base.port, method: item.method, path: item.path, headers, agent }, (res) => {
        res.on('data', () => undefined);
        res.on('end', () => resolve(res.statusCode));
      });
      req.on('error', () => resolve('error'));
      if (body) req.write(body);
      req.end();
    });
    out.push({ ms: Number(process.hrtime.bigint() - t) / 1e6, status, kind: item.kind ?? null });
  }
  agent.destroy();
  return { results: out, nextStart: cur.position };
}

/** `count` requests over `connections` sequential loops; per-request latency from send to last byte. */
async function concurrent({ url, file, start = 0, count, connections = 4, tag }) {
  const list = load(file);
  const cur = cursor(list, start);
  const base = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const lat = [];
  const statusCodes = {};
  let k = 0;
  const one = () =>
    new Promise((resolve) => {
      const item = cur.next();
      const n = k++;
      const t = process.hrtime.bigint();
      const body = item.body ? Buffer.from(item.body) : null;
      const headers = headersOf(item, tag, n);
      if (body) headers['content-length'] = String(body.length);
      const req = http.request({ host: base.hostname, port: base.port, method: item.method, path: item.path, headers, agent }, (res) => {
        res.on('data', () => undefined);
        res.on('end', () => {
          lat.push(Number(process.hrtime.bigint() - t) / 1e6);
          statusCodes[res.statusCode] = (statusCodes[res.statusCode] ?? 0) + 1;
          resolve();
        });
      });
      req.on('error', () => {
        statusCodes.error = (statusCodes.error ?? 0) + 1;
        resolve();
      });
      if (body) req.write(body);
      req.end();
    });
  await Promise.all(Array.from({ length: connections }, async () => {
    while (k < count) await one();
  }));
  agent.destroy();
  lat.sort((a, b) => a - b);
  const q = (p) => (lat.length ? lat[Math.min(lat.length - 1, Math.max(0, Math.ceil((p / 100) * lat.length) - 1))] : null);
  return { requests: lat.length, latencyMs: { p50: q(50), p95: q(95), p99: q(99), max: lat[lat.length - 1] ?? null }, statusCodes, nextStart: cur.position };
}

/** One export download: full speed, throttled to `rateBytesPerSec`, or aborted after `abortAfterBytes`. */
async function download({ url, path, headers, rateBytesPerSec = 0, abortAfterBytes = 0 }) {
  const { createHash } = await import('node:crypto');
  const base = new URL(url);
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    let ttfb = null;
    let bytes = 0;
    let rows = 0;
    let aborted = false;
    const hash = createHash('sha256');
    const req = http.request({ host: base.hostname, port: base.port, method: 'GET', path, headers }, (res) => {
      const backendPid = Number(res.headers['x-bench-backend-pid'] ?? 0) || null;
      const finish = () =>
        resolve({ status: res.statusCode, bytes, rows: Math.max(0, rows - 1), ttfbMs: ttfb, totalMs: Number(process.hrtime.bigint() - t0) / 1e6, sha256: aborted ? null : hash.digest('hex'),
          backendPid, aborted, manifestSha256: res.headers['x-export-sha256'] ?? null, manifestRows: Number(res.headers['x-export-rows'] ?? NaN) });
      res.on('data', (chunk) => {
        if (ttfb === null) ttfb = Number(process.hrtime.bigint() - t0) / 1e6;
        bytes += chunk.length;
        for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) rows++;
        hash.update(chunk);
        if (abortAfterBytes && bytes >= abortAfterBytes && !aborted) {
          aborted = true;
          req.destroy();
          finish();
          return;
        }
        if (rateBytesPerSec) {
          const due = (bytes / rateBytesPerSec) * 1000 - Number(process.hrtime.bigint() - t0) / 1e6;
          if (due > 5) {
            res.pause();
            setTimeout(() => res.resume(), due);
          }
        }
      });
      res.on('end', () => !aborted && finish());
      res.on('error', () => !aborted && finish());
    });
    req.on('error', () => !aborted && resolve({ status: 'error', bytes, rows, aborted }));
    req.end();
  });
}

const handlers = {
  concurrent,
  download,
  capacity,
  fixed: (job) => (job.driver === 'autocannon' ? fixedAutocannon(job) : fixedPaced(job)),
  sequential,
  ping: async () => ({ pong: true, pid: process.pid }),
};

process.on('message', async (m) => {
  try {
    const result = await handlers[m.cmd](m);
    process.send({ id: m.id, ok: true, result });
  } catch (e) {
    process.send({ id: m.id, ok: false, error: String(e?.stack ?? e) });
  }
});
process.on('disconnect', () => process.exit(0));
