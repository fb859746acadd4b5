import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import request from 'supertest';
import { AuditSealer } from '../../src/audit/audit-sealer.service.js';
import { Db } from '../../src/database/db.service.js';
import { createCase, makeReadyToPlan, move, postReferral, referralBody } from '../factories/referrals.js';
import { conversationBody, planVisit, recordAttempt, recordConversation } from '../factories/visits.js';
import { bearer, buildWorld, login, ownerQuery, type World } from '../factories/world.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('audit trail over HTTP: coverage, completeness, refusals, fail-closed, canaries, accountability', () => {
  let t: TestApp;
  let w: World;
  const tokens: Record<string, string> = {};
  const tok = (u: string) => tokens[u];
  const canary = `Kanarie${randomUUID().slice(0, 8)}`;
  let canaryCase: { caseId: string; subjectId: string };

  beforeAll(async () => {
    t = await createTestApp({ AUDIT_SEAL_INTERVAL_MS: '60000', AUDIT_VERIFY_INTERVAL_MINUTES: '0', AUDIT_CHECKPOINT_EVERY: '5' });
    w = await buildWorld(t);
    for (const u of ['coord.utrecht', 'coord.eemland', 'police.utrecht', 'youth.utrecht', 'bank.intake', 'privacy', 'admin']) tokens[u] = await login(w, u);
    canaryCase = await createCase(w, tok('coord.utrecht'), {
      givenNames: canary,
      familyName: `${canary}son`,
      phone: '0611223344',
      address: { street: `${canary}straat`, houseNumber: '99', postcode: '3512 ZZ', municipality: 'GM0344' },
    }, { notes: `${canary} notitie`, externalReference: `${canary}-REF` });
  });
  afterAll(async () => {
    await t?.close();
  });

  /** Cases named in a response body (by id or caseId), anywhere in it. */
  function caseIdsIn(body: unknown, out = new Set<string>()): Set<string> {
    if (Array.isArray(body)) body.forEach((x) => caseIdsIn(x, out));
    else if (body && typeof body === 'object') {
      for (const [k, v] of Object.entries(body)) {
        if (k === 'caseId' && typeof v === 'string') out.add(v);
        else caseIdsIn(v, out);
      }
    }
    return out;
  }

  it('covers every subject a response touched with an event of that request (AU-01)', async () => {
    const { caseId } = await createCase(w, tok('coord.utrecht'));
    await makeReadyToPlan(w, tok('coord.utrecht'), caseId);
    const v = await planVisit(w, tok('coord.utrecht'), caseId, { hour: 11, daysAgo: 1 });
    await recordAttempt(w, tok('police.utrecht'), v.id, { occurredAt: v.plannedStart.toISOString(), result: 'CONVERSATION_HELD', spokeWith: 'SUBJECT' }).expect(201);
    await recordConversation(w, tok('youth.utrecht'), v.id, conversationBody()).expect(201);
    const calls: Array<[string, string, (b: Record<string, unknown>) => Set<string>]> = [
      ['coord.utrecht', '/api/v1/cases', (b) => new Set((b.items as Array<{ id: string }>).map((i) => i.id))],
      ['coord.utrecht', `/api/v1/cases/${caseId}`, (b) => new Set([b.id as string])],
      ['police.utrecht', `/api/v1/cases/${caseId}`, (b) => new Set([b.id as string])],
      ['youth.utrecht', `/api/v1/visits?from=${new Date(Date.now() - 7 * 86_400_000).toISOString()}`, (b) => caseIdsIn(b)],
      ['police.utrecht', `/api/v1/visits/${v.id}/conversation`, (b) => caseIdsIn(b)],
      ['coord.utrecht', '/api/v1/referrals', (b) => caseIdsIn(b)],
      ['coord.utrecht', '/api/v1/follow-ups', (b) => caseIdsIn(b)],
    ];
    let pairs = 0;
    for (const [user, path, cases] of calls) {
      const requestId = `cov-${randomUUID()}`;
      const res = await request(t.server).get(path).set(bearer(tok(user))).set('X-Request-Id', requestId).expect(200);
      const caseSet = [...cases(res.body)];
      const expected = caseSet.length ? (await ownerQuery<{ s: string }>(w, `SELECT DISTINCT subject_id::text AS s FROM cases WHERE id = ANY($1::uuid[])`, [caseSet])).map((r) => r.s) : [];
      const events = await ownerQuery<{ subject_ids: string[] }>(w, `SELECT subject_ids::text[] AS subject_ids FROM audit_events WHERE request_id = $1`, [requestId]);
      expect({ path, events: events.length }).toEqual({ path, events: 1 });
      const covered = new Set(events.flatMap((e) => e.subject_ids));
      for (const s of expected) {
        expect({ path, subject: s, covered: covered.has(s) }).toEqual({ path, subject: s, covered: true });
        pairs++;
      }
    }
    expect(pairs).toBeGreaterThan(5);
  });

  it('writes every event with its mandatory fields and the route\'s declared purpose (AU-02)', async () => {
    const rows = await ownerQuery<Record<string, unknown>>(w, `SELECT occurred_at, actor_type, action, route, outcome, http_status, object_type, processing_activity, request_id, auth_method,
        to_char(occurred_at AT TIME ZONE 'UTC', 'MS') AS ms FROM audit_events`);
    expect(rows.length).toBeGreaterThan(30);
    for (const r of rows) {
      for (const col of ['occurred_at', 'actor_type', 'action', 'route', 'outcome', 'http_status', 'object_type', 'processing_activity', 'request_id', 'auth_method']) {
        expect({ col, present: r[col] !== null && r[col] !== undefined }).toEqual({ col, present: true });
      }
      expect(String(r.route)).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}/);
    }
    const purposes = await ownerQuery<{ route: string; processing_activity: string }>(w, `SELECT DISTINCT route, processing_activity FROM audit_events WHERE route LIKE 'POST /api/v1/referrals' OR route = 'GET /api/v1/cases/:id'`);
    expect(purposes).toEqual(expect.arrayContaining([{ route: 'POST /api/v1/referrals', processing_activity: 'INTAKE' }]));
    expect(purposes.filter((p) => p.route === 'GET /api/v1/cases/:id').map((p) => p.processing_activity).sort()).toEqual(expect.arrayContaining(['CASE_MANAGEMENT']));
  });

  it('audits a refused attempt exactly once, naming the subject of an existing record (AU-03)', async () => {
    const requestId = `deny-${randomUUID()}`;
    await request(t.server).get(`/api/v1/cases/${canaryCase.caseId}`).set(bearer(tok('coord.eemland'))).set('X-Request-Id', requestId).expect(404);
    const ev = await ownerQuery<{ outcome: string; http_status: number; subject_ids: string[]; error_code: string }>(w, `SELECT outcome, http_status, subject_ids::text[] AS subject_ids, error_code FROM audit_events WHERE request_id = $1`, [requestId]);
    expect(ev).toEqual([{ outcome: 'denied', http_status: 404, subject_ids: [canaryCase.subjectId], error_code: 'NOT_FOUND' }]);
    const anon = `anon-${randomUUID()}`;
    await request(t.server).get(`/api/v1/cases/${canaryCase.caseId}`).set('X-Request-Id', anon).expect(401);
    const ev2 = await ownerQuery<{ outcome: string; actor_type: string }>(w, `SELECT outcome, actor_type FROM audit_events WHERE request_id = $1`, [anon]);
    expect(ev2).toEqual([{ outcome: 'denied', actor_type: 'anonymous' }]);
    const forbidden = `forbid-${randomUUID()}`;
    await request(t.server).get(`/api/v1/cases/${canaryCase.caseId}`).set(bearer(tok('bank.intake'))).set('X-Request-Id', forbidden).expect(403);
    expect((await ownerQuery(w, `SELECT 1 FROM audit_events WHERE request_id = $1 AND outcome = 'denied' AND http_status = 403`, [forbidden])).length).toBe(1);
  });

  it('fails closed: a read whose audit insert fails is 503 without data, a write changes nothing (AU-04)', async () => {
    const { caseId } = await createCase(w, tok('coord.utrecht'), { givenNames: `Failclosed${canary}` });
    await ownerQuery(w, `CREATE OR REPLACE FUNCTION test_fail_audit() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.object_ids @> ARRAY['${caseId}'::uuid] THEN RAISE EXCEPTION 'injected audit failure'; END IF; RETURN NEW; END $$`);
    await ownerQuery(w, `CREATE TRIGGER test_fail_audit BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION test_fail_audit()`);
    try {
      const before = (await ownerQuery<{ v: number; state: string }>(w, `SELECT version AS v, state FROM cases WHERE id = $1`, [caseId]))[0];
      const read = await request(t.server).get(`/api/v1/cases/${caseId}`).set(bearer(tok('coord.utrecht'))).expect(503);
      expect(read.body.code).toBe('UNAVAILABLE');
      expect(JSON.stringify(read.body)).not.toContain('Failclosed');
      await request(t.server).post(`/api/v1/cases/${caseId}/transitions`).set(bearer(tok('coord.utrecht'))).set('If-Match', `"${before.v}"`).send({ to: 'TRIAGE' }).expect(503);
      const after = (await ownerQuery<{ v: number; state: string }>(w, `SELECT version AS v, state FROM cases WHERE id = $1`, [caseId]))[0];
      expect(after).toEqual(before);
      expect((await ownerQuery(w, `SELECT 1 FROM case_transitions WHERE case_id = $1 AND to_state = 'TRIAGE'`, [caseId])).length).toBe(0);
    } finally {
      await ownerQuery(w, `DROP TRIGGER test_fail_audit ON audit_events`);
      await ownerQuery(w, `DROP FUNCTION test_fail_audit()`);
    }
    await request(t.server).get(`/api/v1/cases/${caseId}`).set(bearer(tok('coord.utrecht'))).expect(200);
  });

  it('never writes canary names, addresses, passwords or tokens to logs or audit rows (AU-08)', async () => {
    const password = `Canary-Password-${canary}-long`;
    await request(t.server).post('/api/v1/admin/users').set(bearer(tok('admin'))).send({ username: `user.${canary.toLowerCase()}`, displayName: `Display ${canary}`, organisationId: w.orgIds.police, roles: ['police_officer'], districtIds: [w.geography.districtIds.UTRECHT_STAD], password }).expect(201);
    const login = await request(t.server).post('/api/v1/auth/login').send({ username: `user.${canary.toLowerCase()}`, password }).expect(200);
    await request(t.server).get('/api/v1/auth/me').set(bearer(login.body.token)).expect(200);
    await request(t.server).post('/api/v1/auth/login').send({ username: `user.${canary.toLowerCase()}`, password: `${password}-wrong` }).expect(401);
    await request(t.server).get(`/api/v1/cases/${canaryCase.caseId}`).set(bearer(tok('coord.utrecht'))).expect(200);
    await postReferral(w, tok('bank.intake'), referralBody({}, { givenNames: 'x'.repeat(101), familyName: canary })).expect(400);
    const logs = readFileSync(t.logFile, 'utf8');
    const audit = (await ownerQuery<{ j: string }>(w, `SELECT row_to_json(e)::text AS j FROM audit_events e`)).map((r) => r.j).join('\n');
    for (const secret of [canary, password, login.body.token, login.body.token.slice(4), '0611223344', '3512 ZZ']) {
      expect({ secret, inLogs: logs.includes(secret) }).toEqual({ secret, inLogs: false });
      expect({ secret, inAudit: audit.includes(secret) }).toEqual({ secret, inAudit: false });
    }
    // Requests are logged (method, path, status), just without headers, bodies or addresses.
    expect(logs).toContain('"method":"GET"');
  });

  it('gives the privacy officer a chronological access report, itself audited (AU-09)', async () => {
    const { subjectId, caseId } = canaryCase;
    await request(t.server).get(`/api/v1/cases/${caseId}`).set(bearer(tok('coord.utrecht'))).expect(200);
    await request(t.server).get(`/api/v1/subjects/${subjectId}/access-log`).set(bearer(tok('coord.utrecht'))).expect(403);
    const report = await request(t.server).get(`/api/v1/subjects/${subjectId}/access-log`).set(bearer(tok('privacy'))).expect(200);
    expect(report.body.items.length).toBeGreaterThanOrEqual(3);
    const times = report.body.items.map((i: { occurredAt: string }) => i.occurredAt);
    expect([...times].sort()).toEqual(times);
    expect(report.body.items.some((i: { outcome: string; actor: { displayName: string } }) => i.outcome === 'denied' && i.actor.displayName === 'Demo coördinator Eemland')).toBe(true);
    expect(report.body.items.find((i: { action: string }) => i.action === 'CREATE').wpgOrigin).toBe(true);
    const again = await request(t.server).get(`/api/v1/subjects/${subjectId}/access-log`).set(bearer(tok('privacy'))).expect(200);
    expect(again.body.items.some((i: { action: string }) => i.action === 'AUDIT_READ')).toBe(true);
    const events = await request(t.server).get(`/api/v1/audit/events?subjectId=${subjectId}&action=READ`).set(bearer(tok('privacy'))).expect(200);
    expect(events.body.items.every((e: { subjectIds: string[]; action: string }) => e.subjectIds.includes(subjectId) && e.action === 'READ')).toBe(true);
    await request(t.server).get(`/api/v1/subjects/${randomUUID()}/access-log`).set(bearer(tok('privacy'))).expect(404);
    // The report is one indexed query: the planner can use the GIN index on subject_ids.
    const results = (await t.app.get(Db).pool.query(`BEGIN; SET LOCAL enable_seqscan = off; EXPLAIN SELECT * FROM audit_events WHERE subject_ids @> ARRAY['${subjectId}'::uuid]; COMMIT`)) as unknown as Array<{ rows: Array<Record<string, string>> }>;
    expect(JSON.stringify(results[2].rows)).toContain('audit_events_subject_ids_gin');
  });

  it('verifies the chain over HTTP and through the CLI engine', async () => {
    await t.app.get(AuditSealer).sealNow();
    const full = await request(t.server).get('/api/v1/audit/verify?full=true').set(bearer(tok('privacy'))).expect(200);
    expect(full.body.ok).toBe(true);
    const total = await ownerQuery<{ n: number }>(w, `SELECT count(*)::int AS n FROM audit_chain`);
    expect(full.body.checkedEvents).toBeLessThanOrEqual(total[0].n);
    expect(full.body.checkedEvents).toBeGreaterThan(30);
    // Without full=true the run starts at the last verified checkpoint, so it checks at most what was sealed since.
    await t.app.get(AuditSealer).sealNow();
    const incremental = await request(t.server).get('/api/v1/audit/verify').set(bearer(tok('privacy'))).expect(200);
    expect(incremental.body.ok).toBe(true);
    expect(incremental.body.checkedEvents).toBeLessThan(full.body.checkedEvents);
    await request(t.server).get('/api/v1/audit/verify').set(bearer(tok('coord.utrecht'))).expect(403);
    const after = await ownerQuery<{ n: number }>(w, `SELECT count(*)::int AS n FROM audit_events WHERE action = 'AUDIT_VERIFY'`);
    expect(after[0].n).toBe(2);
    for (const row of await ownerQuery<{ id: string }>(w, `SELECT event_id::text AS id FROM audit_events LIMIT 5`)) expect(row.id).toMatch(UUID);
  });

  it('keeps refusing a case after closing it as a duplicate for visitors without assignment', async () => {
    const { caseId } = await createCase(w, tok('coord.utrecht'));
    await move(w, tok('coord.utrecht'), caseId, { to: 'CLOSED', reasonCode: 'WITHDRAWN' }).expect(200);
    await request(t.server).get(`/api/v1/cases/${caseId}`).set(bearer(tok('police.utrecht'))).expect(404);
  });
});
