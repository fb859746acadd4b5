// Measurements from /proc and PostgreSQL, and small statistics helpers.
import { readFileSync, readdirSync } from 'node:fs';

const CLK_TCK = 100;

/** utime + stime of a process in µs (/proc/<pid>/stat fields 14 and 15). */
export function cpuMicros(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1e6) / CLK_TCK;
  } catch {
    return 0;
  }
}

function ppidOf(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return -1;
  }
}

/** CPU of all the postmaster's children (backends and background processes), in µs. */
export function childrenCpuMicros(parentPid) {
  let total = 0;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    if (ppidOf(Number(d)) === parentPid) total += cpuMicros(Number(d));
  }
  return total;
}

function cmdline(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

const CLIENT_BACKEND = /: \S+ \S+ (\[local\]|[0-9a-f.:]+\(\d+\))/;

/**
 * CPU of PostgreSQL for one database: the backends serving it (their process title names the database) and the
 * auxiliary processes (WAL writer, checkpointer, autovacuum…, shared with other databases), sampled every 200 ms so
 * that backends which exit inside the window still count. `stop()` returns µs.
 */
export function dbCpuSampler(parentPid, database) {
  const seen = new Map();
  const sample = (initial) => {
    for (const d of readdirSync('/proc')) {
      if (!/^\d+$/.test(d)) continue;
      const pid = Number(d);
      if (ppidOf(pid) !== parentPid) continue;
      let e = seen.get(pid);
      if (!e) {
        const title = cmdline(pid);
        const ours = title.includes(` ${database} `) || !CLIENT_BACKEND.test(title);
        e = { ours, first: initial ? cpuMicros(pid) : 0, last: 0 };
        seen.set(pid, e);
      }
      if (e.ours) e.last = cpuMicros(pid) || e.last;
    }
  };
  sample(true);
  const t = setInterval(() => sample(false), 200);
  return {
    stop() {
      clearInterval(t);
      sample(false);
      let total = 0;
      for (const e of seen.values()) if (e.ours && e.last >= e.first) total += e.last - e.first;
      return total;
    },
  };
}

export function postmasterPid(dataDirectory) {
  try {
    return Number(readFileSync(`${dataDirectory}/postmaster.pid`, 'utf8').split('\n')[0]);
  } catch {
    return null;
  }
}

export function rssBytes(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Samples VmRSS every 50 ms; `stop()` returns { peak, first, last } in bytes. */
export function rssSampler(pid, everyMs = 50) {
  let peak = 0;
  const first = rssBytes(pid);
  let last = first;
  const t = setInterval(() => {
    last = rssBytes(pid);
    if (last > peak) peak = last;
  }, everyMs);
  return {
    stop() {
      clearInterval(t);
      last = rssBytes(pid);
      return { peak: Math.max(peak, last, first), first, last };
    },
  };
}

export function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export function mean(xs) {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
}

export function cv(xs) {
  const m = mean(xs);
  if (!m || xs.length < 2) return 0;
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
  return sd / m;
}

export function median(xs) {
  const s = [...xs].filter((x) => typeof x === 'number').sort((a, b) => a - b);
  if (s.length === 0) return null;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

export const round = (x, d = 2) => (typeof x === 'number' && Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : x ?? null);

/** Database-side counters around a window: WAL position and the audit event sequence. */
export async function dbMark(client) {
  const r = await client.query(`SELECT pg_current_wal_lsn()::text AS lsn, (SELECT last_value FROM audit_events_event_seq_seq) AS seq, now() AS at`);
  return r.rows[0];
}

export async function walBytes(client, from, to) {
  return Number((await client.query('SELECT pg_wal_lsn_diff($1::pg_lsn, $2::pg_lsn)::bigint AS b', [to, from])).rows[0].b);
}
