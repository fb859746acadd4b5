// L1 research routes (bench-only paths under /api/v1/bench-research): statistics and exports over the same SQL the
// research module runs, without the framework, as the L1 reference beside the app's own routes at L3
// (research-data.md, performance.md §2 "Statistics and exports"):
//   POST /stats/live           counting step of a new ad-hoc table (at most two at a time)
//   GET  /stats/rollup         a catalogue table from the per-release rollup, stored after first use
//   POST /exports              export build: COPY of the release rows, pids in Node (HKDF project key, HMAC), the file
//                              stored in 256 KB chunks with its SHA-256, EXPORT events (1,000 subject ids each) in one INSERT … SELECT
//   GET  /exports/:id/file     download: EXPORT events committed before the first byte, then the chunks with backpressure;
//                              an abort discards the connection (its backend ends)
import { createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { CopyToStream } from '../lib/copy-to.mjs';
import { BenchError } from '../lib/server-common.mjs';
import { bind, sqlFile, statement } from '../lib/sql.mjs';

const CHUNK = 256 * 1024;
const ROLLUP_DIMS = new Set(['period', 'district', 'age_l2', 'sex', 'source_l1', 'outcome_l1']);
const B32 = 'abcdefghijklmnopqrstuvwxyz234567';

function base32(buf) {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const b of buf) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += B32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += B32[(value << (5 - bits)) & 31];
  return out;
}

/** At most `n` at a time (ad-hoc tables; builds and downloads). */
function limiter(n) {
  let active = 0;
  const queue = [];
  return async (fn) => {
    if (active >= n) await new Promise((r) => queue.push(r));
    active++;
    try {
      return await fn();
    } finally {
      active--;
      queue.shift()?.();
    }
  };
}

export function registerResearch(app, { pool, canon, guard, withClient, settings, config, audit }) {
  const statsLive = statement('stats-live');
  const statsStored = statement('stats-stored');
  const exportAudit = statement('export-audit');
  const adhoc = limiter(2);
  const heavy = limiter(2);
  const projectKey = hkdfSync('sha256', config.research.masterSecret, createHash('sha256').update('bench-project-salt').digest(), 'doorstep/research/pid/v1:bench-project', 32);
  const researchGuard = guard('research', () => 'RESEARCH');
  const stepUp = (actor) => {
    if (!actor.mfaVerifiedAt || Date.now() - actor.mfaVerifiedAt.getTime() > settings.stepUpMinutes * 60_000) throw new BenchError('STEP_UP_REQUIRED', 'Confirm with your second factor first');
  };
  const releaseId = (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1 || n > 32767) throw new BenchError('VALIDATION_FAILED', 'releaseId must be a release number');
    return n;
  };
  const readEvent = async (client, actor, objectType, rule) => {
    if (!audit) return;
    const a = canon.auditParams(actor, 'RESEARCH');
    await client.query({
      name: 'bench_research_read_event',
      text: `INSERT INTO audit_events (occurred_at, duration_ms, request_id, trace_id, span_id, actor_type, actor_user_id, actor_role, actor_org_id, auth_method,
               action, route, outcome, http_status, object_type, processing_activity, authz_rule, origin_ip, user_agent_sha256, app_version)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'READ', $11, 'success', 200, $12, 'RESEARCH', $13, $14, $15, $16)`,
      values: [a.started_at, Math.max(0, Date.now() - a.started_at.getTime()), a.request_id, a.trace_id, a.span_id, a.actor_type, a.actor_user_id, a.actor_role,
        a.actor_org_id, a.auth_method, a.route, objectType, rule, a.origin_ip, a.ua_sha256, a.app_version],
    });
  };

  app.post('/api/v1/bench-research/stats/live', { preHandler: researchGuard }, async (req) => {
    const rid = releaseId(req.body?.releaseId);
    return adhoc(() =>
      withClient((c) =>
        canon.tx(c, req.actor, async () => {
          const t0 = performance.now();
          const r = await c.query(bind(statsLive, { release_id: rid }));
          const counting = performance.now() - t0;
          await readEvent(c, req.actor, 'StatisticsTable', 'adhoc:period,district,age_band,outcome_group');
          req.phases = { countingMs: Math.round(counting * 100) / 100 };
          return { cells: r.rows.length, persons: r.rows.reduce((s, x) => s + x.n, 0), phases: req.phases, rows: r.rows };
        }),
      ),
    );
  });

  app.get('/api/v1/bench-research/stats/rollup', { preHandler: researchGuard }, async (req) => {
    const rid = releaseId(req.query?.releaseId);
    const table = String(req.query?.table ?? '');
    return withClient((c) =>
      canon.tx(c, req.actor, async () => {
        let dims;
        let stored = null;
        if (/^T\d\d$/.test(table)) {
          const r = (await c.query(bind(statsStored, { release_id: rid, table_code: table }))).rows[0];
          if (!r) throw new BenchError('NOT_FOUND', 'No such catalogue table');
          stored = r.cells;
          if (!stored) dims = (await c.query('SELECT dims FROM bench.stats_catalogue WHERE release_id = $1 AND table_code = $2', [rid, table])).rows[0].dims;
        } else if (table.startsWith('adhoc:')) {
          dims = table.slice(6).split(',');
          if (dims.length < 1 || dims.length > 3 || dims.some((d) => !ROLLUP_DIMS.has(d))) throw new BenchError('VALIDATION_FAILED', 'Unknown dimension');
        } else throw new BenchError('VALIDATION_FAILED', 'table must be a catalogue code or adhoc:<dims>');
        let cells = stored;
        if (!cells) {
          const cols = dims.join(', ');
          cells = (await c.query(`SELECT ${cols}, sum(n)::int AS n FROM bench.release_rollup WHERE release_id = $1 GROUP BY ${cols} ORDER BY ${cols}`, [rid])).rows;
          if (/^T\d\d$/.test(table)) await c.query('UPDATE bench.stats_catalogue SET cells = $3 WHERE release_id = $1 AND table_code = $2', [rid, table, JSON.stringify(cells)]);
        }
        await readEvent(c, req.actor, 'StatisticsTable', table);
        return { table, stored: Boolean(stored), cells };
      }),
    );
  });

  app.post('/api/v1/bench-research/exports', { preHandler: researchGuard }, async (req, reply) => {
    stepUp(req.actor);
    const rid = releaseId(req.body?.releaseId);
    const exportId = `x${Date.now().toString(36)}${randomBytes(4).toString('hex')}`;
    const result = await heavy(async () => {
      const t0 = performance.now();
      const reader = await pool.connect();
      try {
        return await withClient((c) =>
          canon.tx(c, req.actor, async () => {
            const hash = createHash('sha256');
            let out = [];
            let outBytes = 0;
            let chunkNo = 0;
            let rows = 0;
            let bytes = 0;
            const header = Buffer.from('pid,age,sex,geo,period,referral_source,outcome,rereferral\n');
            const flush = async (final) => {
              if (outBytes === 0 || (!final && outBytes < CHUNK)) return;
              const buf = Buffer.concat(out, outBytes);
              out = [];
              outBytes = 0;
              hash.update(buf);
              bytes += buf.length;
              await c.query({ name: 'bench_export_chunk', text: 'INSERT INTO bench.export_files (export_id, chunk_no, data) VALUES ($1, $2, $3)', values: [exportId, chunkNo++, buf] });
            };
            out.push(header);
            outBytes += header.length;
            const copyText = sqlFile('export-release').replace(/^--.*$/gm, '').trim().replace('{release_id}', String(rid)).replace(/;\s*$/, '');
            const copyStart = performance.now();
            const stream = reader.query(new CopyToStream(copyText));
            for await (const chunk of stream) {
              // whole rows per chunk: replace the person key (36 characters) with its pid
              let start = 0;
              const parts = [];
              for (let i = chunk.indexOf(10, start); i !== -1; i = chunk.indexOf(10, start)) {
                const key = chunk.toString('latin1', start, start + 36);
                const pid = base32(createHmac('sha256', projectKey).update(`person:${key}`).digest().subarray(0, 16));
                parts.push(Buffer.from(pid, 'latin1'), chunk.subarray(start + 36, i + 1));
                start = i + 1;
                rows++;
              }
              const buf = Buffer.concat(parts);
              out.push(buf);
              outBytes += buf.length;
              await flush(false);
            }
            const copyMs = performance.now() - copyStart;
            await flush(true);
            const sha256 = hash.digest('hex');
            await c.query('INSERT INTO bench.exports (export_id, release_id, rows, bytes, sha256) VALUES ($1, $2, $3, $4, $5)', [exportId, rid, rows, bytes, sha256]);
            if (audit) await c.query(bind(exportAudit, { release_id: rid, ...canon.auditParams(req.actor, 'RESEARCH') }));
            return { exportId, releaseId: rid, rows, bytes, sha256, chunks: chunkNo, copyMs, copyRowsPerSec: rows / (copyMs / 1000), durationMs: performance.now() - t0 };
          }),
        );
      } finally {
        reader.release();
      }
    });
    req.phases = { buildMs: Math.round(result.durationMs), copyMs: Math.round(result.copyMs) };
    reply.code(201);
    return result;
  });

  app.get('/api/v1/bench-research/exports/:id/file', { preHandler: researchGuard }, async (req, reply) => {
    stepUp(req.actor);
    const id = String(req.params.id);
    if (!/^x[a-z0-9]{6,40}$/.test(id)) throw new BenchError('NOT_FOUND', 'Export not found');
    return heavy(async () => {
      const meta = await withClient((c) =>
        canon.tx(c, req.actor, async () => {
          const m = (await c.query('SELECT release_id, rows, bytes, sha256, (SELECT count(*)::int FROM bench.export_files f WHERE f.export_id = e.export_id) AS chunks FROM bench.exports e WHERE export_id = $1', [id])).rows[0];
          if (!m) throw new BenchError('NOT_FOUND', 'Export not found');
          if (audit) await c.query(bind(exportAudit, { release_id: m.release_id, ...canon.auditParams(req.actor, 'RESEARCH') }));
          return m;
        }),
      );
      // committed: now the bytes
      const client = await pool.connect();
      let broken = false;
      const res = reply.raw;
      let aborted = false;
      res.on('close', () => {
        if (!res.writableFinished) aborted = true;
      });
      try {
        const headers = {
          'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${id}.csv"`, 'content-length': String(meta.bytes),
          'x-request-id': req.id, 'cache-control': 'no-store', 'x-bench-backend-pid': String(client.processID), 'x-export-sha256': meta.sha256,
          'x-export-rows': String(meta.rows),
        };
        reply.hijack();
        res.writeHead(200, headers);
        for (let n = 0; n < meta.chunks && !aborted; n++) {
          // binary result format: the chunk arrives as bytes, not as hex text of twice its size
          const r = await client.query({ name: 'bench_export_read', text: 'SELECT data FROM bench.export_files WHERE export_id = $1 AND chunk_no = $2', values: [id, n], binary: true });
          if (aborted) break;
          if (!res.write(r.rows[0].data)) await Promise.race([once(res, 'drain'), once(res, 'close')]);
        }
        if (aborted) broken = true;
        else res.end();
      } catch (e) {
        broken = true;
        res.destroy(e);
      } finally {
        client.release(broken || undefined);
      }
    });
  });
}
