import request from 'supertest';
import { ResearchKeyStore } from '../../src/research/keys/research-key-store.js';
import { ResearchJobs } from '../../src/research/research-jobs.js';
import { insertProject, insertSyntheticRelease, type SyntheticRelease } from '../factories/research.js';
import { bearer, buildWorld, freshTotp, login, ownerQuery, type World } from '../factories/world.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

const PID = /^[a-z2-7]{26}$/;

/** Parses the export CSV (RFC 4180, every field quoted, CRLF). */
function parseCsv(text: string): string[][] {
  return text
    .split('\r\n')
    .filter((l) => l.length > 0)
    .map((line) => line.slice(1, -1).split('","'));
}

describe('research access: projects, releases, statistics, exports', () => {
  let t: TestApp;
  let w: World;
  const tok: Record<string, string> = {};
  let release: SyntheticRelease;
  let projectId: string;

  const api = () => request(t.server);
  const stepUp = async (user: string) =>
    api().post('/api/v1/auth/step-up').set(bearer(tok[user]!)).send({ totp: await freshTotp(w, user) }).expect(200);

  beforeAll(async () => {
    t = await createTestApp();
    w = await buildWorld(t);
    for (const u of ['coord.utrecht', 'privacy', 'researcher', 'admin', 'police.utrecht']) tok[u] = await login(w, u);
    // Built, then published through the API: publication computes the catalogue on the empty register first.
    release = await insertSyntheticRelease(w, { persons: 1500, status: 'BUILT' });
    await request(t.server).post(`/api/v1/research/releases/${release.id}/publish`).set(bearer(tok['coord.utrecht']!)).set('If-Match', '"1"').expect(403);
    const published = await request(t.server).post(`/api/v1/research/releases/${release.id}/publish`).set(bearer(tok.privacy!)).set('If-Match', '"1"').expect(200);
    expect(published.body.status).toBe('PUBLISHED');
    expect(published.body.catalogue.map((c: { name: string }) => c.name)).toContain('rereferral-12m');
    projectId = await insertProject(w, { finestLevels: { geo: 1 } });
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  it('runs a project through draft, four-eyes approval, suspension and closing', async () => {
    const body = {
      title: 'Re-referral after the conversation',
      dacReference: 'DAC-2026-001',
      purpose: 'Does a conversation reduce re-referral?',
      legalRoute: 'ART_89_SAFEGUARDS',
      modes: ['sdc'],
      members: [{ userId: w.userIds.researcher, confidentialitySignedOn: '2026-01-05' }],
    };
    await api().post('/api/v1/research/projects').set(bearer(tok.researcher!)).send(body).expect(403);
    await api().post('/api/v1/research/projects').set(bearer(tok['coord.utrecht']!)).send({ ...body, members: [{ userId: w.userIds['police.utrecht'], confidentialitySignedOn: '2026-01-05' }] }).expect(400);
    await api().post('/api/v1/research/projects').set(bearer(tok['coord.utrecht']!)).send({ ...body, sneaky: true }).expect(400);
    const created = await api().post('/api/v1/research/projects').set(bearer(tok['coord.utrecht']!)).send(body).expect(201);
    expect(created.body).toMatchObject({ status: 'DRAFT', keyShredded: false, expired: false, modes: ['sdc'] });
    const id = created.body.id as string;
    // The researcher sees the draft (member) but cannot use it yet.
    await api().get(`/api/v1/research/projects/${id}`).set(bearer(tok.researcher!)).expect(200);
    await api().post(`/api/v1/research/projects/${id}/releases/${release.id}/tables`).set(bearer(tok.researcher!)).send({ measure: 'persons', dimensions: [{ name: 'sex', level: 0 }] }).expect(403);
    await api().post(`/api/v1/research/projects/${id}/approve`).set(bearer(tok['coord.utrecht']!)).set('If-Match', '"1"').expect(403);
    await api().post(`/api/v1/research/projects/${id}/approve`).set(bearer(tok.privacy!)).expect(428);
    const approved = await api().post(`/api/v1/research/projects/${id}/approve`).set(bearer(tok.privacy!)).set('If-Match', '"1"').expect(200);
    expect(approved.body).toMatchObject({ status: 'APPROVED', approvedBy: w.userIds.privacy });
    const keyId = (await ownerQuery<{ k: string }>(w, `SELECT key_id AS k FROM research_projects WHERE id = $1`, [id]))[0]!.k;
    expect(t.app.get(ResearchKeyStore).hasSalt(keyId)).toBe(true);
    // The privacy officer cannot approve a project she drafted herself.
    const own = await api().post('/api/v1/research/projects').set(bearer(tok.privacy!)).send(body).expect(201);
    await api().post(`/api/v1/research/projects/${own.body.id}/approve`).set(bearer(tok.privacy!)).set('If-Match', '"1"').expect(403);
    // Scope changes are the privacy officer's, under If-Match.
    await api().patch(`/api/v1/research/projects/${id}`).set(bearer(tok['coord.utrecht']!)).set('If-Match', '"2"').send({ title: 'x' }).expect(403);
    await api().patch(`/api/v1/research/projects/${id}`).set(bearer(tok.privacy!)).set('If-Match', '"1"').send({ title: 'x' }).expect(412);
    const patched = await api().patch(`/api/v1/research/projects/${id}`).set(bearer(tok.privacy!)).set('If-Match', '"2"').send({ finestLevels: { geo: 2 } }).expect(200);
    expect(patched.body.finestLevels).toEqual({ geo: 2 });
    await api().post(`/api/v1/research/projects/${id}/suspend`).set(bearer(tok.privacy!)).set('If-Match', '"3"').expect(200);
    await api().post(`/api/v1/research/projects/${id}/releases/${release.id}/tables`).set(bearer(tok.researcher!)).send({ measure: 'persons', dimensions: [{ name: 'sex', level: 0 }] }).expect(403);
    const closed = await api().post(`/api/v1/research/projects/${id}/close`).set(bearer(tok.privacy!)).set('If-Match', '"4"').expect(200);
    expect(closed.body).toMatchObject({ status: 'ENDED', keyShredded: true });
    expect(t.app.get(ResearchKeyStore).hasSalt(keyId)).toBe(false);
    const closedTable = await api().post(`/api/v1/research/projects/${id}/releases/${release.id}/tables`).set(bearer(tok.researcher!)).send({ measure: 'persons', dimensions: [{ name: 'sex', level: 0 }] }).expect(410);
    expect(closedTable.body.code).toBe('PROJECT_KEY_SHREDDED');
  });

  it('hides other projects from researchers and lists only their own', async () => {
    const other = await insertProject(w, { members: [] });
    await api().get(`/api/v1/research/projects/${other}`).set(bearer(tok.researcher!)).expect(404);
    await api().post(`/api/v1/research/projects/${other}/releases/${release.id}/tables`).set(bearer(tok.researcher!)).send({ measure: 'persons', dimensions: [{ name: 'sex', level: 0 }] }).expect(404);
    await api().get(`/api/v1/research/projects/${other}`).set(bearer(tok['coord.utrecht']!)).expect(200);
    const mine = await api().get('/api/v1/research/projects?limit=100').set(bearer(tok.researcher!)).expect(200);
    const ids = mine.body.items.map((p: { id: string }) => p.id);
    expect(ids).toContain(projectId);
    expect(ids).not.toContain(other);
    await api().get('/api/v1/research/projects').set(bearer(tok['police.utrecht']!)).expect(403);
    await api().get('/api/v1/research/releases').set(bearer(tok.researcher!)).expect(403);
    const releases = await api().get(`/api/v1/research/projects/${projectId}/releases`).set(bearer(tok.researcher!)).expect(200);
    expect(releases.body.items.map((r: { id: string }) => r.id)).toContain(release.id);
    const registry = await api().get(`/api/v1/research/projects/${projectId}/releases/${release.id}/registry`).set(bearer(tok.researcher!)).expect(200);
    expect(registry.body.registry.dimensions.map((d: { name: string }) => d.name)).toContain('geo');
  });

  it('serves a re-referral table with primary and audited secondary suppression, stored for identical requests', async () => {
    const path = `/api/v1/research/projects/${projectId}/releases/${release.id}/tables`;
    const req = { measure: 'rereferral_12m', dimensions: [{ name: 'age', level: 2 }, { name: 'referral_source', level: 1 }] };
    const res = await api().post(path).set(bearer(tok.researcher!)).send(req);
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 200, code: undefined });
    expect(res.body).toMatchObject({ stored: false, mode: 'sdc', measure: 'rereferral_12m' });
    expect(res.body.protection).toMatchObject({ tau: 10, g: 3, p: 10, verified: true });
    for (const cell of res.body.cells as Array<{ persons: number | null; n?: number | null; x?: number | null; status: Record<string, string> }>) {
      // No published count of persons or complete follow-up lies strictly between 0 and τ.
      if (cell.persons !== null) expect(cell.persons === 0 || cell.persons >= 10).toBe(true);
      if (cell.n !== null && cell.n !== undefined) expect(cell.n === 0 || cell.n >= 10).toBe(true);
      // Group rule on the sensitive count: x and n − x are both at least g when published.
      if (cell.x !== null && cell.x !== undefined && cell.n) expect(Math.min(cell.x, cell.n - cell.x)).toBeGreaterThanOrEqual(3);
    }
    const margin = res.body.cells.find((c: { key: Record<string, string> }) => c.key.age === '*' && c.key.referral_source === '*');
    expect(margin.persons).toBe(release.persons.length);
    const again = await api().post(path).set(bearer(tok.researcher!)).send({ ...req, dimensions: [...req.dimensions].reverse() }).expect(200);
    expect(again.body).toMatchObject({ stored: true, tableId: res.body.tableId });
    expect(again.body.cells).toEqual(res.body.cells);
    await api().get(`${path}/${res.body.tableId}`).set(bearer(tok.researcher!)).expect(200);
    const cells = await ownerQuery<{ n: number }>(w, `SELECT count(*)::int AS n FROM research_register_cells WHERE table_id = $1`, [res.body.tableId]);
    expect(cells[0]!.n).toBeGreaterThan(0);
  });

  it('refuses tables that break the design rules with stable codes', async () => {
    const path = `/api/v1/research/projects/${projectId}/releases/${release.id}/tables`;
    const post = (body: object) => api().post(path).set(bearer(tok.researcher!)).send(body);
    expect((await post({ measure: 'persons', dimensions: [{ name: 'geo', level: 0 }] }).expect(403)).body.code).toBe('LEVEL_NOT_ALLOWED');
    const sparse = await post({ measure: 'persons', dimensions: [{ name: 'age', level: 0 }, { name: 'geo', level: 1 }, { name: 'referral_source', level: 0 }] }).expect(422);
    expect(sparse.body.code).toBe('TABLE_TOO_SPARSE');
    expect((await post({ measure: 'persons', dimensions: [{ name: 'sex', level: 0 }], filters: [{ dimension: 'age', level: 0, in: ['17'], to: '19' }] }).expect(400)).body.code).toBe('VALIDATION_FAILED');
    expect((await post({ measure: 'persons', dimensions: [{ name: 'sex', level: 0 }], filters: [{ dimension: 'outcome', level: 1, in: ['REACHED'] }] }).expect(422)).body.code).toBe('FILTER_NOT_ALLOWED');
    expect((await post({ measure: 'persons', dimensions: [{ name: 'sex', level: 0 }], filters: [{ dimension: 'geo', level: 1, in: ['NOWHERE'] }] }).expect(422)).body.code).toBe('FILTER_NOT_ALLOWED');
    const complex = await post({ measure: 'persons', dimensions: [{ name: 'sex', level: 0 }, { name: 'age', level: 4 }, { name: 'geo', level: 2 }, { name: 'referral_source', level: 2 }] }).expect(422);
    expect(complex.body.code).toBe('TABLE_TOO_COMPLEX');
    expect((await post({ measure: 'persons', dimensions: [{ name: 'sex', level: 0 }], extra: 1 }).expect(400)).body.code).toBe('VALIDATION_FAILED');
  });

  it('builds a verified, signed, k-anonymous export behind step-up and audits every download', async () => {
    const body = { columns: ['age', 'sex', 'geo', 'period', 'referral_source', 'outcome', 'rereferral'], linkageScope: 'project' };
    await ownerQuery(w, `UPDATE sessions SET mfa_verified_at = now() - interval '1 hour' WHERE user_id = $1`, [w.userIds.researcher]);
    const stale = await api().post(`/api/v1/research/projects/${projectId}/releases/${release.id}/exports`).set(bearer(tok.researcher!)).send(body).expect(401);
    expect(stale.body.code).toBe('STEP_UP_REQUIRED');
    await stepUp('researcher');
    // Mixing rule: this project was served finer tables from this release, which the export would let it undo.
    const mixed = await api().post(`/api/v1/research/projects/${projectId}/releases/${release.id}/exports`).set(bearer(tok.researcher!)).send(body).expect(202);
    await t.app.get(ResearchJobs).idle();
    const refused = await api().get(`/api/v1/research/exports/${mixed.body.exportId}`).set(bearer(tok.researcher!)).expect(200);
    expect(refused.body).toMatchObject({ status: 'refused', refusal: { code: 'RESEARCH_MODE_CONFLICT' }, manifest: null });

    const exportProject = await insertProject(w, { finestLevels: { geo: 1 } });
    const path = `/api/v1/research/projects/${exportProject}/releases/${release.id}/exports`;
    expect((await api().post(path).set(bearer(tok.researcher!)).send({ ...body, k: 3 }).expect(400)).body.code).toBe('VALIDATION_FAILED');
    expect((await api().post(path).set(bearer(tok.researcher!)).send({ ...body, columns: ['age', 'name'] }).expect(400)).body.code).toBe('VALIDATION_FAILED');
    const accepted = await api().post(path).set(bearer(tok.researcher!)).send(body).expect(202);
    expect(accepted.body.status).toBe('queued');
    const id = accepted.body.exportId as string;
    await t.app.get(ResearchJobs).idle();
    const done = await api().get(`/api/v1/research/exports/${id}`).set(bearer(tok.researcher!)).expect(200);
    expect({ status: done.body.status, refusal: done.body.refusal }).toEqual({ status: 'verified', refusal: null });
    const m = done.body.manifest;
    expect(m.privacy.k.achieved).toBeGreaterThanOrEqual(5);
    expect(m.privacy.l.outcome.achieved).toBeGreaterThanOrEqual(2);
    expect(m.population.exported + m.population.suppressed).toBe(release.persons.length);
    expect(m.privacy.suppressionUsed).toBeLessThanOrEqual(0.05);
    expect(m.risk.max).toBeLessThanOrEqual(0.2);
    expect(m.risk.average).toBeLessThanOrEqual(0.09);
    expect(m.signature.alg).toBe('Ed25519');
    const keys = await api().get('/api/v1/research/signing-keys').set(bearer(tok.researcher!)).expect(200);
    expect(keys.body.items[0].keyId).toBe(m.signature.keyId);

    await ownerQuery(w, `UPDATE sessions SET mfa_verified_at = now() - interval '1 hour' WHERE user_id = $1`, [w.userIds.researcher]);
    expect((await api().get(`/api/v1/research/exports/${id}/file`).set(bearer(tok.researcher!)).expect(401)).body.code).toBe('STEP_UP_REQUIRED');
    await stepUp('researcher');
    const file = await api().get(`/api/v1/research/exports/${id}/file`).set(bearer(tok.researcher!)).buffer(true).parse((res, cb) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => cb(null, Buffer.concat(chunks).toString('utf8')));
    });
    expect(file.status).toBe(200);
    expect(file.headers['content-type']).toContain('text/csv');
    expect(file.headers['cache-control']).toBe('no-store');
    expect(file.headers['content-disposition']).toContain('attachment');
    const [header, ...rows] = parseCsv(file.body as string);
    expect(header).toEqual(['pid', ...body.columns]);
    expect(rows).toHaveLength(m.population.exported);
    // An independent k check on the delivered bytes: every combination of the QIs holds at least k persons.
    const classes = new Map<string, number>();
    for (const r of rows) {
      expect(r[0]).toMatch(PID);
      const key = r.slice(1, 6).join('|');
      classes.set(key, (classes.get(key) ?? 0) + 1);
    }
    expect(Math.min(...classes.values())).toBeGreaterThanOrEqual(5);
    const disclosed = await ownerQuery<{ n: number }>(
      w,
      `SELECT coalesce(sum(cardinality(subject_ids)), 0)::int AS n FROM audit_events WHERE action = 'DISCLOSE' AND object_ids @> ARRAY[$1::uuid]`,
      [id],
    );
    expect(disclosed[0]!.n).toBe(m.population.exported);
    const codebook = await api().get(`/api/v1/research/exports/${id}/codebook`).set(bearer(tok.researcher!)).expect(200);
    expect(JSON.stringify(codebook.body)).toContain('rereferral');

    // Mixing rule: after this export, tables may not be finer than its generalisation.
    const node = (await ownerQuery<{ node: Record<string, number> }>(w, `SELECT node FROM research_exports WHERE id = $1`, [id]))[0]!.node;
    if (node.age > 0) {
      const finer = await api().post(`/api/v1/research/projects/${exportProject}/releases/${release.id}/tables`).set(bearer(tok.researcher!)).send({ measure: 'persons', dimensions: [{ name: 'age', level: node.age - 1 }] });
      expect(finer.status).toBe(403);
      expect(finer.body.code).toBe('LEVEL_NOT_ALLOWED');
    }
  });

  it('fails closed: a manifest signed with the wrong key is caught by the verifier and nothing is served', async () => {
    const keys = t.app.get(ResearchKeyStore);
    const original = keys.signingKey.bind(keys);
    const { generateKeyPairSync } = await import('node:crypto');
    const rogue = generateKeyPairSync('ed25519').privateKey;
    keys.signingKey = () => ({ privateKey: rogue, keyId: original().keyId });
    try {
      await stepUp('researcher');
      const accepted = await api()
        .post(`/api/v1/research/projects/${projectId}/releases/${release.id}/exports`)
        .set(bearer(tok.researcher!))
        .send({ columns: ['age', 'sex', 'outcome'], linkageScope: 'export' })
        .expect(202);
      await t.app.get(ResearchJobs).idle();
      const res = await api().get(`/api/v1/research/exports/${accepted.body.exportId}`).set(bearer(tok.researcher!)).expect(200);
      expect(res.body.status).toBe('failed_verification');
      expect(res.body.manifest).toBeNull();
      const files = await ownerQuery<{ n: number }>(w, `SELECT count(*)::int AS n FROM research_export_files WHERE export_id = $1`, [accepted.body.exportId]);
      expect(files[0]!.n).toBe(0);
      expect((await api().get(`/api/v1/research/exports/${accepted.body.exportId}/file`).set(bearer(tok.researcher!)).expect(409)).body.code).toBe('EXPORT_NOT_READY');
      const events = await ownerQuery<{ n: number }>(w, `SELECT count(*)::int AS n FROM audit_events WHERE outcome = 'error' AND object_ids @> ARRAY[$1::uuid]`, [accepted.body.exportId]);
      expect(events[0]!.n).toBe(1);
    } finally {
      keys.signingKey = original;
    }
  });

  it('gives coordinators the effectiveness indicators through the same disclosure control', async () => {
    const res = await api().get(`/api/v1/research/indicators?releaseId=${release.id}`).set(bearer(tok['coord.utrecht']!)).expect(200);
    const names = res.body.tables.map((x: { name: string }) => x.name);
    expect(names).toEqual(expect.arrayContaining(['reach', 'attempts', 'first-attempt-delay', 'care-uptake', 'rereferral-12m', 'rereferral-6m']));
    const reach = res.body.tables.find((x: { name: string }) => x.name === 'reach');
    expect(reach.table.protection.verified).toBe(true);
    await api().get('/api/v1/research/indicators').set(bearer(tok.researcher!)).expect(403);
  });

  it('keeps release rows and registers append-only and detects a register row edited in the database', async () => {
    await expect(ownerQuery(w, `UPDATE research_release_persons SET age = 20 WHERE release_id = $1`, [release.id])).rejects.toThrow(/append-only/);
    await expect(ownerQuery(w, `DELETE FROM research_register_cells`)).rejects.toThrow(/append-only/);
    await expect(ownerQuery(w, `TRUNCATE research_tables CASCADE`)).rejects.toThrow(/append-only/);
    const clean = await api().get('/api/v1/research/registers/tables').set(bearer(tok.privacy!)).expect(200);
    expect(clean.body.chainVerified).toBe(true);
    await api().get('/api/v1/research/registers/tables').set(bearer(tok['coord.utrecht']!)).expect(403);
    const exports = await api().get('/api/v1/research/registers/exports').set(bearer(tok.privacy!)).expect(200);
    expect(exports.body.items.length).toBeGreaterThan(0);
    // An insider with owner rights switches the trigger off and edits a published cell: the chain shows it.
    await ownerQuery(w, `ALTER TABLE research_register_cells DISABLE TRIGGER research_register_cells_no_change`);
    await ownerQuery(w, `UPDATE research_register_cells SET value = value + 1 WHERE ctid = (SELECT ctid FROM research_register_cells WHERE value IS NOT NULL LIMIT 1)`);
    await ownerQuery(w, `ALTER TABLE research_register_cells ENABLE ALWAYS TRIGGER research_register_cells_no_change`);
    const tampered = await api().get('/api/v1/research/registers/tables').set(bearer(tok.privacy!)).expect(200);
    expect(tampered.body.chainVerified).toBe(false);
  });
});
