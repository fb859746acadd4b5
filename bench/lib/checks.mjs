// Correctness checks of performance.md §3.6 that need more than a window's counters: plans (no Seq Scan on the OLTP
// tables), identical first responses across levels.
import { bind, statement } from './sql.mjs';

const OLTP_TABLES = new Set(['cases', 'referrals', 'subjects', 'visits', 'audit_events']);
// a Seq Scan of a table this small (the 1 k smoke dataset) is the right plan, not a missing index
const SMALL = 10_000;
let sizes = null;

function seqScans(plan, out = []) {
  if (!plan || typeof plan !== 'object') return out;
  const rel = plan['Relation Name'];
  if (plan['Node Type'] === 'Seq Scan' && OLTP_TABLES.has(rel) && (sizes?.get(rel) ?? Infinity) >= SMALL) out.push(rel);
  for (const p of plan.Plans ?? []) seqScans(p, out);
  return out;
}

async function loadSizes(client) {
  if (!sizes) sizes = new Map((await client.query(`SELECT relname, reltuples::bigint AS n FROM pg_class WHERE relname = ANY($1) AND relkind = 'r'`, [[...OLTP_TABLES]])).rows.map((r) => [r.relname, Number(r.n)]));
}

/** EXPLAIN (ANALYZE, BUFFERS) of one statement with its parameters, in a transaction that is rolled back. */
async function explainOne(client, text, values, context) {
  await client.query('BEGIN');
  try {
    if (context) await client.query(bind(statement('context'), context));
    const r = await client.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${text}`, values);
    const plan = r.rows[0]['QUERY PLAN'][0];
    return { seqScans: seqScans(plan.Plan), executionMs: plan['Execution Time'], plan: plan.Plan };
  } catch (e) {
    return { error: e.message, seqScans: [] };
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
  }
}

/** Plans of the canonical statements for the first L0 input of each scenario. */
export async function explainCanonical(client, l0Inputs) {
  await loadSizes(client);
  const out = [];
  const plan = {
    list: ['token-session', 'list-page'],
    get: ['token-session', 'case-facts', 'case-load'],
    create: ['token-apikey', 'idem-lookup', 'intake'],
    attempt: ['token-session', 'idem-lookup', 'attempt-facts', 'attempt'],
  };
  for (const [scenario, files] of Object.entries(plan)) {
    const params = l0Inputs[scenario];
    if (!params) continue;
    for (const f of files) {
      const s = statement(f);
      const q = bind(s, params);
      const r = await explainOne(client, q.text, q.values, { ctx_actor_id: params.ctx_actor_id, ctx_district_ids: params.ctx_district_ids, ctx_roles: params.ctx_roles });
      out.push({ scenario, statement: f, seqScans: r.seqScans, executionMs: r.executionMs, error: r.error, plan: r.plan });
    }
  }
  return out;
}

function revive(values) {
  return (values ?? []).map((v) => {
    if (v && typeof v === 'object') {
      if ('$bytea' in v) return Buffer.from(v.$bytea, 'hex');
      if ('$date' in v) return new Date(v.$date);
      if ('$array' in v) return v.$array;
      if ('$json' in v) return v.$json;
    }
    return v;
  });
}

/** Plans of the statements a level really sent (captured by the preload probe), each rolled back. */
export async function explainCaptured(client, captured, context) {
  await loadSizes(client);
  const out = [];
  for (const { text, values } of captured ?? []) {
    const t = text.trim();
    if (!/^(SELECT|WITH|INSERT|UPDATE|DELETE)\b/i.test(t) || /pg_try_advisory|set_config|^SELECT 1$/i.test(t)) continue;
    const r = await explainOne(client, t, revive(values), context);
    out.push({ sql: t.replace(/\s+/g, ' ').slice(0, 240), seqScans: r.seqScans, executionMs: r.executionMs, error: r.error });
  }
  return out;
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
/** A response with the request id dropped and every timestamp in one form, keys sorted. */
export function normalise(v) {
  if (Array.isArray(v)) return v.map(normalise);
  if (v && typeof v === 'object') {
    const o = {};
    for (const k of Object.keys(v).sort()) if (k !== 'requestId') o[k] = normalise(v[k]);
    return o;
  }
  if (typeof v === 'string' && ISO.test(v)) return new Date(v).toISOString();
  return v;
}

export async function firstResponse(url, input) {
  const r = await fetch(`${url}${input.path}`, { method: input.method, headers: input.headers, body: input.body });
  let body = await r.text();
  try {
    body = normalise(JSON.parse(body));
  } catch {
    // not JSON
  }
  return { status: r.status, body };
}
