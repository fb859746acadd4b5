import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent } from 'node:http';
import type { AppProcess } from './support/app-process.js';
import { FaultWorld, PASSWORD } from './support/fault-world.js';
import { http, sleep } from './support/http.js';
import { checkInvariants, violations, type InvariantReport } from './support/invariants.js';
import { ReadinessProbe } from './support/readiness-probe.js';
import { summarise, writeResults, RESULTS_FILE } from './support/results.js';
import { loginAll, ReferralWriters, type Principal } from './support/writers.js';

/**
 * Fault tier (access-and-audit.md §6.3 RE-04, RE-05, RE-06; issue 9 §2), against the built API as a child
 * process on a throwaway PostgreSQL cluster (§6.4):
 *   A  kill -9 / immediate stop of PostgreSQL under 50 writers with idempotency keys, FAULT_ROUNDS times
 *   B  pg_terminate_backend of the app's connections every 100–500 ms under mixed load
 *   C  SIGTERM of the API under load, then a restart; clients retry what was not acknowledged
 *   D  SIGKILL of the API under load, FAULT_API_KILLS times
 * Figures go to stdout and test/fault/results/last-run.json.
 */

function envInt(name: string, fallback: number): number {
  const v = process.env[name];
  if (!v) return fallback;
  if (!/^\d+$/.test(v)) throw new Error(`${name} must be a whole number, got ${v}`);
  return Number(v);
}

function envRange(name: string, fallback: [number, number]): [number, number] {
  const v = process.env[name];
  if (!v) return fallback;
  const m = /^(\d+)-(\d+)$/.exec(v);
  if (!m || Number(m[1]) > Number(m[2])) throw new Error(`${name} must look like 2000-5000 (milliseconds), got ${v}`);
  return [Number(m[1]), Number(m[2])];
}

const ROUNDS = envInt('FAULT_ROUNDS', 20);
const CLIENTS = envInt('FAULT_CLIENTS', 50);
// The plan's RE-04 kills after 5–25 s and restarts after 2–10 s; 20 rounds of that do not fit the
// tier's budget on two cores, so the defaults are shorter. Widen them with these variables.
const KILL_AFTER = envRange('FAULT_KILL_AFTER_MS', [2000, 5000]);
const OUTAGE = envRange('FAULT_OUTAGE_MS', [2000, 5000]);
const TERMINATE_SECONDS = envInt('FAULT_TERMINATE_SECONDS', 30);
const API_KILLS = envInt('FAULT_API_KILLS', 5);
const POOL_SIZE = 10;

const between = ([lo, hi]: [number, number]) => lo + Math.floor(Math.random() * (hi - lo + 1));

const WRITERS = [
  { username: 'coord.utrecht', sourceType: 'BANK' },
  { username: 'bank.intake', sourceType: 'BANK' },
  { username: 'police.intake', sourceType: 'POLICE' },
];

describe('fault tier: the database and the API fail under load', () => {
  let world: FaultWorld | null = null;
  let app: AppProcess | null = null;
  let principals: Principal[] = [];
  const started = Date.now();
  const results: Record<string, unknown> = { startedAt: new Date(started).toISOString(), config: { ROUNDS, CLIENTS, KILL_AFTER, OUTAGE, TERMINATE_SECONDS, API_KILLS } };
  const allWriters: ReferralWriters[] = [];

  beforeAll(async () => {
    world = await FaultWorld.create();
    if (!world) {
      if (process.env.CI === 'true') throw new Error('the fault tier needs initdb and pg_ctl (PG_BIN or /usr/lib/postgresql/*/bin)');
      return;
    }
    app = await world.startApp();
    principals = await loginAll(app.base, WRITERS, PASSWORD);
    results.setupSeconds = (Date.now() - started) / 1000;
  }, 300_000);

  afterAll(async () => {
    for (const w of allWriters) await w.abort();
    await app?.stop();
    results.totalSeconds = (Date.now() - started) / 1000;
    if (world) {
      writeResults(results);
      process.stdout.write(`\n[fault] results written to ${RESULTS_FILE}; logs in ${world.logDir}\n`);
      world.destroy();
    }
  }, 60_000);

  function skip(): boolean {
    if (world && app) return false;
    console.warn('skipped: initdb/pg_ctl not found');
    return true;
  }

  /** A test that ended the API (a defect it found) must not fail the next ones for the same reason. */
  async function ensureApp(label: string): Promise<void> {
    if (app!.running) return;
    results[`${label}AppRestarted`] = true;
    app = await world!.startApp({}, `app-before-${label}`);
  }

  /** Audit chain: every event sealed, then the CLI verifier and the endpoint (privacy officer, MFA). */
  async function verifyAudit(label: string): Promise<Record<string, unknown>> {
    const w = world!;
    const sealMs = await w.waitSealed(120_000);
    const cli = await w.verifyCli();
    const token = await w.privacyLogin(app!.base);
    const endpoint = await http(app!.base, 'GET', '/api/v1/audit/verify?full=true', { headers: { authorization: `Bearer ${token}` }, timeoutMs: 120_000 });
    const e = endpoint.body as { ok?: boolean; checkedEvents?: number; findings?: unknown[] };
    const out = {
      label,
      sealWaitMs: sealMs,
      cliExit: cli.exitCode,
      cliOk: cli.result?.ok ?? false,
      cliCheckedEvents: cli.result?.checkedEvents ?? null,
      cliFindings: cli.result?.findings.slice(0, 10) ?? cli.stderr.slice(0, 500),
      endpointStatus: endpoint.status,
      endpointOk: e.ok ?? false,
      endpointFindings: (e.findings ?? []).slice(0, 10),
    };
    process.stdout.write(`[fault] audit ${label}: CLI exit ${cli.exitCode}, ${out.cliCheckedEvents} events, endpoint ${endpoint.status} ok=${out.endpointOk}\n`);
    return out;
  }

  function expectClean(report: InvariantReport, stats: ReferralWriters['stats']) {
    expect(violations(report)).toEqual([]);
    expect(stats.unexpected).toEqual([]);
    expect(stats.malformed503).toBe(0);
  }

  /** Canary values of the writers' bodies never reach the PostgreSQL server log or the API's log (AU-08). */
  function canaryHits(): Record<string, number> {
    const count = (files: string[]) =>
      files.reduce((n, file) => n + (readFileSync(file, 'utf8').match(/Storingsweg|Fault [A-Z][a-z]+|FLT-[A-D]-/g) ?? []).length, 0);
    const w = world!;
    return { postgres: count([w.cluster.logFile]), api: count(readdirSync(w.logDir).filter((f) => f.startsWith('app')).map((f) => join(w.logDir, f))) };
  }

  it('A: kill -9 / immediate stop of PostgreSQL under 50 writers loses nothing and recovers within 15 s', async () => {
    if (skip()) return;
    const w = world!;
    const writers = new ReferralWriters(app!.base, principals, 'A', { clients: CLIENTS });
    allWriters.push(writers);
    const probe = new ReadinessProbe(app!.base, 100).start();
    writers.start();
    const rounds: Array<Record<string, number | string | boolean | null>> = [];
    try {
      await sleep(2000);
      for (let round = 1; round <= ROUNDS; round++) {
        await sleep(between(KILL_AFTER));
        const mode = round % 2 === 1 ? 'kill-9' : 'immediate';
        const ackedBefore = writers.acked.size;
        const killAt = Date.now();
        const killed = mode === 'kill-9' ? await w.cluster.kill9All() : (await w.cluster.stopImmediateAsync(), 0);
        const downAt = Date.now();
        await sleep(between(OUTAGE));
        const restartAt = Date.now();
        await w.cluster.startAsync();
        const pgUpAt = Date.now();
        const ready = await probe.waitFor(200, pgUpAt, 30_000);
        let firstAck: number | null = null;
        for (let i = 0; i < 300 && firstAck === null; i++) {
          firstAck = writers.firstAckAfter(pgUpAt);
          if (firstAck === null) await sleep(100);
        }
        const outageSamples = probe.between(downAt, restartAt);
        const r = {
          round,
          mode,
          killedProcesses: killed,
          killMs: downAt - killAt,
          outageMs: pgUpAt - downAt,
          pgStartMs: pgUpAt - restartAt,
          readyAfterPgMs: ready ? ready.doneAt - pgUpAt : null,
          firstAckAfterPgMs: firstAck !== null ? firstAck - pgUpAt : null,
          readinessSamplesDuringOutage: outageSamples.length,
          readiness503DuringOutage: outageSamples.filter((s) => s.status === 503).length,
          readinessOtherDuringOutage: outageSamples.filter((s) => s.status !== 503).length,
          ackedInRound: writers.acked.size - ackedBefore,
          appAlive: app!.running,
        };
        rounds.push(r);
        process.stdout.write(
          `[fault] A round ${round}/${ROUNDS} ${mode}: outage ${r.outageMs} ms, pg start ${r.pgStartMs} ms, ready +${r.readyAfterPgMs} ms, first ack +${r.firstAckAfterPgMs} ms, readiness 503 ${r.readiness503DuringOutage}/${r.readinessSamplesDuringOutage}\n`,
        );
        if (!app!.running) break;
      }
      await sleep(2000);
      await writers.drain(60_000);
    } finally {
      await probe.stop();
    }
    const report = await checkInvariants(w, writers.acked, 'A');
    const audit = await verifyAudit('after A');
    const readyAfter = rounds.map((r) => r.readyAfterPgMs).filter((v): v is number => typeof v === 'number');
    const firstAck = rounds.map((r) => r.firstAckAfterPgMs).filter((v): v is number => typeof v === 'number');
    results.A = {
      rounds: rounds.length,
      requests: writers.stats.requests,
      acknowledged: writers.acked.size,
      retries: writers.stats.retries,
      replays: writers.stats.replays,
      byStatus: writers.stats.byStatus,
      network: writers.stats.network,
      readyAfterPgMs: summarise(readyAfter),
      firstAckAfterPgMs: summarise(firstAck),
      outageMs: summarise(rounds.map((r) => r.outageMs as number)),
      invariants: { ...report, lost: report.lost.length, duplicates: report.duplicates.length, unackedRows: report.unackedRows.length },
      audit,
      canaryHits: canaryHits(),
      perRound: rounds,
    };
    process.stdout.write(
      `[fault] A: ${rounds.length} rounds, ${writers.stats.requests} requests, ${writers.acked.size} acknowledged, ${writers.stats.retries} retries (${writers.stats.replays} replays); ready after restart p50 ${summarise(readyAfter).p50} ms max ${summarise(readyAfter).max} ms; first ack p50 ${summarise(firstAck).p50} ms max ${summarise(firstAck).max} ms; lost ${report.lost.length}, duplicates ${report.duplicates.length}\n`,
    );

    expect(app!.running).toBe(true);
    expect(rounds).toHaveLength(ROUNDS);
    expectClean(report, writers.stats);
    for (const r of rounds) {
      expect({ round: r.round, ready: r.readyAfterPgMs !== null && (r.readyAfterPgMs as number) <= 15_000 }).toEqual({ round: r.round, ready: true });
      expect({ round: r.round, firstAck: r.firstAckAfterPgMs !== null && (r.firstAckAfterPgMs as number) <= 15_000 }).toEqual({ round: r.round, firstAck: true });
      expect({ round: r.round, not503: r.readinessOtherDuringOutage }).toEqual({ round: r.round, not503: 0 });
      expect(r.readiness503DuringOutage as number).toBeGreaterThan(0);
    }
    expect(audit).toMatchObject({ cliExit: 0, cliOk: true, endpointStatus: 200, endpointOk: true });
    expect(canaryHits()).toEqual({ postgres: 0, api: 0 });
  }, 1_800_000);

  it('B: pg_terminate_backend of the app connections every 100-500 ms leaves no partial write and no leaked connection', async () => {
    if (skip()) return;
    const w = world!;
    await ensureApp('B');
    const writers = new ReferralWriters(app!.base, principals, 'B', { clients: CLIENTS });
    allWriters.push(writers);
    const coord = principals.find((p) => p.username === 'coord.utrecht')!;
    const readStats = { requests: 0, byStatus: {} as Record<string, number>, unexpected: [] as string[] };
    let reading = true;
    const agent = new Agent({ keepAlive: true, maxSockets: 16 });
    // Readers: list pages and case details, so reads with their audit events are cut too.
    const readers = Array.from({ length: 6 }, async (_, i) => {
      while (reading) {
        const acked = [...writers.acked.values()].filter((a) => a.caseId);
        const path = i % 2 === 0 || acked.length === 0 ? '/api/v1/cases?limit=20' : `/api/v1/cases/${acked[Math.floor(Math.random() * acked.length)].caseId}`;
        readStats.requests++;
        try {
          const r = await http(app!.base, 'GET', path, { agent, headers: { authorization: `Bearer ${coord.token}` } });
          readStats.byStatus[r.status] = (readStats.byStatus[r.status] ?? 0) + 1;
          if (r.status !== 200 && r.status !== 503 && readStats.unexpected.length < 20) readStats.unexpected.push(`${r.status} ${r.text.slice(0, 200)}`);
        } catch (e) {
          readStats.unexpected.push(String((e as Error).message));
        }
        await sleep(50);
      }
    });
    const killer = await w.owner();
    let terminated = 0;
    let sweeps = 0;
    writers.start();
    const until = Date.now() + TERMINATE_SECONDS * 1000;
    try {
      while (Date.now() < until) {
        await sleep(between([100, 500]));
        const r = await killer.query<{ n: number }>(
          `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = 'doorstep' AND usename = 'doorstep_app' AND application_name = 'doorstep' AND pid <> pg_backend_pid()`,
        );
        terminated += r.rows[0].n;
        sweeps++;
      }
      await writers.drain(60_000);
    } finally {
      reading = false;
      await Promise.all(readers);
      agent.destroy();
    }
    // The pool settles: connections come back idle, none stays in a transaction, none beyond the pool size.
    const poolSamples: Array<{ t: number; total: number; active: number; idleInTx: number }> = [];
    for (let i = 0; i < 24; i++) {
      const [c] = (
        await killer.query<{ total: number; active: number; idle_in_tx: number }>(
          `SELECT count(*)::int AS total, count(*) FILTER (WHERE state = 'active')::int AS active, count(*) FILTER (WHERE state LIKE 'idle in transaction%')::int AS idle_in_tx
             FROM pg_stat_activity WHERE datname = 'doorstep' AND application_name = 'doorstep'`,
        )
      ).rows;
      poolSamples.push({ t: i * 500, total: c.total, active: c.active, idleInTx: c.idle_in_tx });
      await sleep(500);
    }
    await killer.end();
    const ready = await app!.readiness();
    const report = await checkInvariants(w, writers.acked, 'B');
    const last = poolSamples[poolSamples.length - 1];
    results.B = {
      seconds: TERMINATE_SECONDS,
      sweeps,
      backendsTerminated: terminated,
      requests: writers.stats.requests,
      acknowledged: writers.acked.size,
      retries: writers.stats.retries,
      replays: writers.stats.replays,
      byStatus: writers.stats.byStatus,
      network: writers.stats.network,
      reads: readStats,
      pool: { maxTotal: Math.max(...poolSamples.map((s) => s.total)), final: last, maxIdleInTx: Math.max(...poolSamples.map((s) => s.idleInTx)) },
      readinessAfter: ready,
      appAlive: app!.running,
      invariants: { ...report, lost: report.lost.length, duplicates: report.duplicates.length, unackedRows: report.unackedRows.length },
    };
    process.stdout.write(
      `[fault] B: ${sweeps} sweeps terminated ${terminated} backends in ${TERMINATE_SECONDS} s; ${writers.stats.requests} write requests, ${writers.acked.size} acknowledged, ${writers.stats.retries} retries; ${readStats.requests} reads; connections after: max ${Math.max(...poolSamples.map((s) => s.total))}, final ${last.total} (idle in tx ${last.idleInTx})\n`,
    );

    expect(app!.running).toBe(true);
    expect(ready).toBe(200);
    expect(terminated).toBeGreaterThan(0);
    expectClean(report, writers.stats);
    expect(readStats.unexpected).toEqual([]);
    expect(Math.max(...poolSamples.map((s) => s.total))).toBeLessThanOrEqual(POOL_SIZE);
    expect(Math.max(...poolSamples.map((s) => s.idleInTx))).toBe(0);
    expect(last.active).toBe(0);
  }, 600_000);

  it('C: SIGTERM under load finishes in-flight requests, exits 0 within 10 s, and loses nothing', async () => {
    if (skip()) return;
    const w = world!;
    await ensureApp('C');
    const writers = new ReferralWriters(app!.base, principals, 'C', { clients: CLIENTS });
    allWriters.push(writers);
    writers.keepExchanges = true;
    writers.start();
    await sleep(4000);
    const sigtermAt = Date.now();
    const old = app!;
    old.signal('SIGTERM');
    const exit = await old.waitExit(20_000);
    const stoppedAt = Date.now();
    // Clients keep retrying against the closed port until the new instance listens.
    app = await w.startApp({}, 'app-after-sigterm');
    writers.retarget(app.base);
    const restartedAt = Date.now();
    await sleep(2000);
    await writers.drain(60_000);
    const inFlight = writers.exchanges.filter((x) => x.sentAt < sigtermAt && x.doneAt >= sigtermAt);
    const outcome = (x: (typeof inFlight)[number]) => (x.status !== null ? String(x.status) : `network:${x.network}`);
    const inFlightOutcomes: Record<string, number> = {};
    for (const x of inFlight) inFlightOutcomes[outcome(x)] = (inFlightOutcomes[outcome(x)] ?? 0) + 1;
    const afterSigterm = writers.exchanges.filter((x) => x.sentAt >= sigtermAt && x.sentAt < stoppedAt);
    const afterOutcomes: Record<string, number> = {};
    for (const x of afterSigterm) afterOutcomes[outcome(x)] = (afterOutcomes[outcome(x)] ?? 0) + 1;
    const report = await checkInvariants(w, writers.acked, 'C');
    results.C = {
      exit,
      restartMs: restartedAt - stoppedAt,
      inFlightAtSigterm: inFlight.length,
      inFlightOutcomes,
      sentWhileStopping: afterSigterm.length,
      sentWhileStoppingOutcomes: afterOutcomes,
      requests: writers.stats.requests,
      acknowledged: writers.acked.size,
      retries: writers.stats.retries,
      replays: writers.stats.replays,
      byStatus: writers.stats.byStatus,
      network: writers.stats.network,
      invariants: { ...report, lost: report.lost.length, duplicates: report.duplicates.length, unackedRows: report.unackedRows.length },
    };
    process.stdout.write(
      `[fault] C: exit ${exit.code} after ${exit.ms} ms${exit.forced ? ' (forced)' : ''}; in flight at SIGTERM ${inFlight.length} → ${JSON.stringify(inFlightOutcomes)}; while stopping ${JSON.stringify(afterOutcomes)}; ${writers.acked.size} acknowledged, lost ${report.lost.length}, duplicates ${report.duplicates.length}\n`,
    );

    expect(exit).toMatchObject({ code: 0, forced: false });
    expect(exit.ms).toBeLessThanOrEqual(10_000);
    // Requests the server had accepted complete with an answer: a 2xx, or a 503 that acknowledged nothing.
    expect(inFlight.filter((x) => x.status === null && x.requestSent)).toEqual([]);
    expectClean(report, writers.stats);
  }, 600_000);

  it('D: SIGKILL of the API under load: exactly one effect per key, intake all or nothing', async () => {
    if (skip() || API_KILLS === 0) return;
    const w = world!;
    await ensureApp('D');
    const writers = new ReferralWriters(app!.base, principals, 'D', { clients: CLIENTS });
    allWriters.push(writers);
    writers.start();
    const restarts: number[] = [];
    for (let i = 0; i < API_KILLS; i++) {
      await sleep(between([1000, 3000]));
      app!.signal('SIGKILL');
      await app!.waitExit(5000);
      const t0 = Date.now();
      app = await w.startApp({}, `app-after-kill-${i + 1}`);
      writers.retarget(app.base);
      restarts.push(Date.now() - t0);
    }
    await sleep(2000);
    await writers.drain(60_000);
    const report = await checkInvariants(w, writers.acked, 'D');
    const audit = await verifyAudit('after B, C and D');
    results.D = {
      kills: API_KILLS,
      restartMs: summarise(restarts),
      requests: writers.stats.requests,
      acknowledged: writers.acked.size,
      retries: writers.stats.retries,
      replays: writers.stats.replays,
      byStatus: writers.stats.byStatus,
      network: writers.stats.network,
      invariants: { ...report, lost: report.lost.length, duplicates: report.duplicates.length, unackedRows: report.unackedRows.length },
      audit,
      canaryHits: canaryHits(),
    };
    process.stdout.write(
      `[fault] D: ${API_KILLS} SIGKILLs, restart p50 ${summarise(restarts).p50} ms; ${writers.stats.requests} requests, ${writers.acked.size} acknowledged, ${writers.stats.retries} retries (${writers.stats.replays} replays); lost ${report.lost.length}, duplicates ${report.duplicates.length}\n`,
    );
    expectClean(report, writers.stats);
    expect(audit).toMatchObject({ cliExit: 0, cliOk: true, endpointStatus: 200, endpointOk: true });
  }, 900_000);
});
