// Seals the dataset's prefilled audit history at template build, with the app's own hash functions (entryHash,
// chainHash, genesisHash and AUDIT_PAYLOAD_SQL of dist/src/audit/audit-hash.js) in the app's sealing order
// (written_xid, event_seq), 20,000 events per batch. Each chain row gets sealed_at = the event's time + 1 s, as if the
// sealer had run all along (the verifier flags events sealed more than 5 minutes after their time as backdated). The
// app's sealer then runs once (bench/probes/sealer.mjs --once) and signs the checkpoint at the head.
//   node bench/probes/bulk-seal.mjs <superuser database url> <installation id>
import pg from 'pg';
import { dist } from '../lib/paths.mjs';

const { AUDIT_PAYLOAD_SQL, entryHash, chainHash, genesisHash } = await import(dist('src/audit/audit-hash.js'));
const [url, installationId] = process.argv.slice(2);
const c = new pg.Client({ connectionString: url, application_name: 'doorstep-bench-bulk-seal' });
await c.connect();
const t0 = Date.now();
const head = (await c.query('SELECT count(*)::int AS n FROM audit_chain')).rows[0].n;
if (head > 0) throw new Error('audit_chain is not empty');
let prev = genesisHash(installationId);
let pos = 0;
let after = null;
for (;;) {
  const rows = (
    await c.query(
      `SELECT ${AUDIT_PAYLOAD_SQL}, e.event_seq::text AS __seq, e.written_xid::text AS __xid,
              e.occurred_at + make_interval(secs => e.duration_ms / 1000.0) + interval '1 second' AS __sealed
         FROM audit_events e
        ${after ? 'WHERE (e.written_xid, e.event_seq) > ($1::xid8, $2::bigint)' : ''}
        ORDER BY e.written_xid, e.event_seq LIMIT 20000`,
      after ?? [],
    )
  ).rows;
  if (rows.length === 0) break;
  const cols = { pos: [], id: [], seq: [], xid: [], entry: [], chain: [], sealed: [] };
  for (const r of rows) {
    const { __seq, __xid, __sealed, ...payload } = r;
    const e = entryHash(payload);
    prev = chainHash(prev, e);
    cols.pos.push(++pos);
    cols.id.push(payload.event_id);
    cols.seq.push(__seq);
    cols.xid.push(__xid);
    cols.entry.push(e);
    cols.chain.push(prev);
    cols.sealed.push(__sealed);
  }
  await c.query(
    `INSERT INTO audit_chain (chain_pos, event_id, event_seq, written_xid, entry_hash, chain_hash, sealed_at)
     SELECT * FROM unnest($1::bigint[], $2::uuid[], $3::bigint[], $4::xid8[], $5::bytea[], $6::bytea[], $7::timestamptz[])`,
    [cols.pos, cols.id, cols.seq, cols.xid, cols.entry, cols.chain, cols.sealed],
  );
  const last = rows[rows.length - 1];
  after = [last.__xid, last.__seq];
}
await c.end();
process.stdout.write(`${JSON.stringify({ sealed: pos, ms: Date.now() - t0 })}\n`);
