// Measurement windows: an HTTP level (warm-up, closed-loop capacity, fixed rate at 50 % of it) and an L0 pgbench window,
// with the metrics of performance.md §3.6 around each.
import { setTimeout as sleep } from 'node:timers/promises';
import { cpuMicros, cv, dbCpuSampler, dbMark, round, rssSampler, walBytes } from './metrics.mjs';
import { pgbench } from './pgbench.mjs';

/** Counters before a window. */
async function begin(ctx, server) {
  if (server) await server.probe('reset');
  return {
    t: Date.now(),
    cpu: server ? cpuMicros(server.pid) : 0,
    dbCpu: ctx.postmaster ? dbCpuSampler(ctx.postmaster, ctx.runDb) : null,
    mark: await dbMark(ctx.admin),
    rss: server ? rssSampler(server.pid) : null,
  };
}

/** Metrics of a window from its counters. */
async function end(ctx, server, b, requests) {
  const rss = b.rss?.stop() ?? null;
  const cpu = server ? cpuMicros(server.pid) - b.cpu : null;
  const dbCpu = b.dbCpu ? b.dbCpu.stop() : null;
  const mark = await dbMark(ctx.admin);
  const probe = server ? await server.probe('read') : null;
  const n = Math.max(1, requests);
  return {
    seconds: (Date.now() - b.t) / 1000,
    nodeCpuUsPerReq: cpu === null ? null : round(cpu / n, 1),
    dbCpuUsPerReq: dbCpu === null ? null : round(dbCpu / n, 1),
    peakRssMb: rss ? round(rss.peak / 1048576, 1) : null,
    rssStartMb: rss ? round(rss.first / 1048576, 1) : null,
    eventLoopDelayMs: probe?.eld ?? null,
    gcPauses: probe?.gc ?? null,
    heapMb: probe?.memory ? { used: round(probe.memory.heapUsed / 1048576, 1), total: round(probe.memory.heapTotal / 1048576, 1), external: round(probe.memory.external / 1048576, 1), arrayBuffers: round(probe.memory.arrayBuffers / 1048576, 1) } : null,
    roundTripsPerReq: probe ? round(probe.counters.calls / n, 2) : null,
    statementsPerReq: probe ? round(probe.counters.statements / n, 2) : null,
    walBytesPerReq: round((await walBytes(ctx.admin, b.mark.lsn, mark.lsn)) / n, 0),
    auditEventsPerReq: round((Number(mark.seq) - Number(b.mark.seq)) / n, 3),
    auditEvents: Number(mark.seq) - Number(b.mark.seq),
    startedAt: b.mark.at,
    endedAt: mark.at,
  };
}

/** Audit events per request of a tagged window against what each request expects (suffix `.eN` of its request id). */
export async function auditPerRequest(ctx, tag, successful) {
  const r = await ctx.admin.query(
    `SELECT request_id, count(*)::int AS n FROM audit_events WHERE request_id >= $1 AND request_id < $2 GROUP BY request_id`,
    [`${tag}.`, `${tag}/`],
  );
  let mismatched = 0;
  const examples = [];
  for (const row of r.rows) {
    const expect = Number(/\.e(\d+)$/.exec(row.request_id)?.[1] ?? NaN);
    if (row.n !== expect) {
      mismatched++;
      if (examples.length < 3) examples.push({ requestId: row.request_id, events: row.n, expected: expect });
    }
  }
  return { requestsWithEvents: r.rowCount, successfulResponses: successful, mismatched, examples, ok: mismatched === 0 && r.rowCount >= successful };
}

/** p99 of the seal lag (sealed_at − the event's insert, occurred_at + duration_ms) of the events written in [from, to]; unsealed ones count with their age. */
export async function sealLag(ctx, from, to) {
  for (let i = 0; i < 30; i++) {
    const r = await ctx.admin.query(
      `SELECT count(*)::int AS n, count(ch.event_id)::int AS sealed,
              percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM coalesce(ch.sealed_at, now()) - (e.occurred_at + make_interval(secs => e.duration_ms / 1000.0)))) AS p99
         FROM audit_events e LEFT JOIN audit_chain ch ON ch.event_id = e.event_id
        WHERE e.occurred_at >= $1 AND e.occurred_at <= $2`,
      [from, to],
    );
    const row = r.rows[0];
    if (row.n === row.sealed || i === 29) return { events: row.n, sealed: row.sealed, p99Seconds: row.p99 === null ? null : round(Number(row.p99), 3) };
    await sleep(500);
  }
  return null;
}

/**
 * One HTTP level × scenario: warm-up (discarded), closed-loop capacity, then fixed rate at 50 % of the measured capacity.
 * `input` = { file, next } (next: the index of the next unused input, for write lists).
 */
export async function httpWindows(ctx, { server, level, scenario, input, tag, windows, fixed = true, capture = false }) {
  const url = server.url;
  const rec = { level, scenario, round: ctx.round, tag };
  if (capture) await server.probe('reset', { capture: true });
  const warm = await ctx.worker.run({ cmd: 'capacity', url, file: input.file, start: input.next, connections: 32, duration: windows.warm, tag: `${tag}.w` });
  input.next = warm.nextStart;
  if (capture) rec.captured = (await server.probe('read', { stopCapture: true })).captured;
  rec.warmup = { requests: warm.requests, errors: warm.errors, statusCodes: warm.statusCodes };
  const b = await begin(ctx, server);
  const cap = await ctx.worker.run({ cmd: 'capacity', url, file: input.file, start: input.next, connections: 32, duration: windows.capacity, tag: `${tag}.c` });
  input.next = cap.nextStart;
  const m = await end(ctx, server, b, cap.requests);
  rec.capacity = {
    rps: round(cap.rps, 1), samples: cap.samples, cv: round(cv(cap.samples), 3), noisy: cv(cap.samples) > 0.1, requests: cap.requests, errors: cap.errors,
    statusCodes: cap.statusCodes, timeouts: cap.timeouts, closedLoopLatencyMs: cap.latency, inputsWrapped: cap.wrapped, ...m,
  };
  rec.sealLag = await sealLag(ctx, m.startedAt, m.endedAt);
  rec.audit = await auditPerRequest(ctx, `${tag}.c`, (cap.statusCodes['200'] ?? 0) + (cap.statusCodes['201'] ?? 0));
  if (fixed && cap.rps > 0) {
    const rate = Math.max(1, Math.round(cap.rps * 0.5));
    const fb = await begin(ctx, server);
    const f = await ctx.worker.run({ cmd: 'fixed', driver: ctx.latencyDriver, url, file: input.file, start: input.next, connections: 32, duration: windows.fixed, rate, tag: `${tag}.f` });
    input.next = f.nextStart;
    const fm = await end(ctx, server, fb, f.requests);
    rec.fixedRate = {
      driver: f.driver, targetRps: rate, achievedRps: round(f.achieved, 1), achievedShare: round(f.achieved / rate, 3), valid: f.achieved >= 0.98 * rate,
      latencyMs: Object.fromEntries(Object.entries(f.latency).map(([k, v]) => [k, round(v, 3)])), statusCodes: f.statusCodes, errors: f.errors, samples: f.samples,
      sendLagMs: f.sendLag ? { p99: round(f.sendLag.p99, 3), max: round(f.sendLag.max, 3), over10ms: f.sendLag.over10ms } : null,
      inputsWrapped: f.wrapped, ...fm,
    };
  } else if (!fixed) rec.fixedRate = { skipped: 'not measured at this level in this profile (no gate uses it)' };
  return rec;
}

/** One L0 scenario: pgbench warm-up, then the capacity window, with the database-side metrics. */
export async function pgbenchWindows(ctx, { scenario, script, defines, windows, perTransactionStatements }) {
  const rec = { level: 'L0', scenario, round: ctx.round };
  const warm = await pgbench({ url: ctx.benchUrl, script, seconds: windows.warm, defines });
  rec.warmup = { tps: warm.tps, processed: warm.processed, ok: warm.ok, aborted: warm.aborted };
  const b = await begin(ctx, null);
  const r = await pgbench({ url: ctx.benchUrl, script, seconds: windows.capacity, defines });
  const m = await end(ctx, null, b, r.processed || 1);
  rec.capacity = {
    rps: round(r.tps, 1), samples: r.samples, cv: round(cv(r.samples), 3), noisy: cv(r.samples) > 0.1, requests: r.processed, errors: r.failed + (r.ok ? 0 : 1),
    pgbenchOk: r.ok, aborted: r.aborted, stderrTail: r.stderrTail, latencyAvgMs: r.latencyAvgMs, ...m, statementsPerReq: perTransactionStatements,
    roundTripsPerReq: perTransactionStatements,
  };
  rec.warmupProcessed = warm.processed;
  rec.fixedRate = { skipped: 'L0 is the database ceiling: capacity only' };
  return rec;
}
