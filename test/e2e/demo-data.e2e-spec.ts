import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { TotpService } from '../../src/auth/totp.service.js';
import { Clock } from '../../src/common/clock.js';
import { CASE_STATES } from '../../src/common/domain-enums.js';
import { Db } from '../../src/database/db.service.js';
import { ResearchJobs } from '../../src/research/research-jobs.js';
import { localTime } from '../factories/visits.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/** The embedded demo: seeded once, every state in each covered district, and the doorstep flow works on it. */
describe('demo data', () => {
  let t: TestApp;
  const token: Record<string, string> = {};
  const q = async <T>(sql: string, params: unknown[] = []) => (await t.app.get(Db).pool.query(sql, params)).rows as T[];

  beforeAll(async () => {
    t = await createTestApp({ SEED_DEMO: 'true' });
    for (const u of ['coord.utrecht', 'coord.eemland', 'police.utrecht', 'youth.utrecht', 'bank.intake', 'researcher', 'admin', 'privacy']) {
      const res = await request(t.server).post('/api/v1/auth/login').send({ username: u, password: 'doorstep-demo' }).expect(200);
      token[u] = res.body.token;
    }
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  async function allCases(u: string) {
    const items: Array<{ id: string; state: string; districtId: string }> = [];
    let cursor: string | null = null;
    do {
      const res: request.Response = await request(t.server).get(`/api/v1/cases?limit=100${cursor ? `&cursor=${cursor}` : ''}`).set('Authorization', `Bearer ${token[u]}`).expect(200);
      items.push(...res.body.items);
      cursor = res.body.nextCursor;
    } while (cursor);
    return items;
  }

  it('has about 40 cases, every state in both demo districts, and cases no demo coordinator covers', async () => {
    const total = (await q<{ n: number }>(`SELECT count(*)::int AS n FROM cases`))[0].n;
    expect(total).toBeGreaterThanOrEqual(40);
    for (const u of ['coord.utrecht', 'coord.eemland']) {
      const states = new Set((await allCases(u)).map((c) => c.state));
      expect({ u, missing: CASE_STATES.filter((s) => !states.has(s)) }).toEqual({ u, missing: [] });
    }
    const uncovered = (await q<{ n: number }>(`SELECT count(*)::int AS n FROM cases c JOIN areas a ON a.id = c.district_id WHERE a.code NOT IN ('UTRECHT_STAD', 'EEMLAND')`))[0].n;
    expect(uncovered).toBeGreaterThanOrEqual(10);
    const features = (await q<Record<string, number>>(`SELECT
        (SELECT count(*)::int FROM subjects WHERE duplicate_status = 'POSSIBLE') AS dup,
        (SELECT count(*)::int FROM cases WHERE re_referral) AS rere,
        (SELECT count(*)::int FROM cases WHERE has_unreviewed_signal) AS signal,
        (SELECT count(*)::int FROM subjects WHERE lvb_suspected) AS lvb,
        (SELECT count(*)::int FROM conversations WHERE agreements IS NOT NULL) AS agreements,
        (SELECT count(*)::int FROM conversations WHERE parent_present) AS parent,
        (SELECT count(*)::int FROM conversations WHERE parent_absent_reason IS NOT NULL) AS absent,
        (SELECT count(*)::int FROM visits WHERE override_reason IS NOT NULL) AS override,
        (SELECT count(*)::int FROM cases WHERE state = 'UNREACHABLE' AND counted_attempts = 3) AS unreachable,
        (SELECT count(*)::int FROM cases WHERE closed_at < now() - interval '6 months' AND closure_group = 'NOT_ELIGIBLE') AS old_ne,
        (SELECT count(*)::int FROM cases WHERE closed_at < now() - interval '24 months' AND closure_group = 'REACHED') AS old_reached`))[0];
    for (const [k, v] of Object.entries(features)) expect({ k, present: v > 0 }).toEqual({ k, present: true });
  });

  it('gives the researcher an approved project with a published release built from the demo cases', async () => {
    await t.app.get(ResearchJobs).idle();
    for (let i = 0; i < 100 && (await q<{ n: number }>(`SELECT count(*)::int AS n FROM research_releases WHERE status = 'PUBLISHED'`))[0].n === 0; i++) {
      await new Promise((r) => setTimeout(r, 200));
      await t.app.get(ResearchJobs).idle();
    }
    const auth = { Authorization: `Bearer ${token.researcher}` };
    const projects = await request(t.server).get('/api/v1/research/projects').set(auth).expect(200);
    expect(projects.body.items).toHaveLength(1);
    const project = projects.body.items[0];
    expect(project).toMatchObject({ title: 'Doorstep pilot evaluation (demo)', status: 'APPROVED', legalRoute: 'ART_89_SAFEGUARDS', includesSensitive: false });
    const releases = await request(t.server).get(`/api/v1/research/projects/${project.id}/releases`).set(auth).expect(200);
    expect(releases.body.items).toHaveLength(1);
    const release = releases.body.items[0];
    expect(release.counts.included).toBeGreaterThan(500);
    expect(release.catalogue.every((c: { refusal: string | null }) => c.refusal === null)).toBe(true);
    const table = await request(t.server)
      .post(`/api/v1/research/projects/${project.id}/releases/${release.id}/tables`)
      .set(auth)
      .send({ measure: 'rereferral_12m', dimensions: [{ name: 'age', level: 3 }] })
      .expect(200);
    const all = table.body.cells.find((c: { key: Record<string, string> }) => c.key.age === '*');
    expect(all.n).toBeGreaterThan(100);
    expect(all.rate).toBeGreaterThan(0);
  });

  it('lets the researcher enrol MFA, step up and export the demo release k-anonymously with a signed manifest', async () => {
    const clock = t.app.get(Clock);
    const totp = t.app.get(TotpService);
    const code = async (secret: string) => {
      clock.advance(31_000);
      return totp.codeAt(secret, Math.floor(clock.nowMs() / 1000));
    };
    await t.app.get(ResearchJobs).idle();
    const enrol = await request(t.server).post('/api/v1/auth/mfa/enroll').set('Authorization', `Bearer ${token.researcher}`).expect(200);
    const activated = await request(t.server).post('/api/v1/auth/mfa/activate').set('Authorization', `Bearer ${token.researcher}`).send({ totp: await code(enrol.body.secret) }).expect(200);
    const auth = { Authorization: `Bearer ${activated.body.token}` };
    await request(t.server).post('/api/v1/auth/step-up').set(auth).send({ totp: await code(enrol.body.secret) }).expect(200);

    const project = (await request(t.server).get('/api/v1/research/projects').set(auth).expect(200)).body.items[0];
    const release = (await request(t.server).get(`/api/v1/research/projects/${project.id}/releases`).set(auth).expect(200)).body.items[0];
    const columns = ['age', 'sex', 'geo', 'outcome', 'rereferral'];
    const accepted = await request(t.server).post(`/api/v1/research/projects/${project.id}/releases/${release.id}/exports`).set(auth).send({ columns, linkageScope: 'project' }).expect(202);
    await t.app.get(ResearchJobs).idle();
    const done = await request(t.server).get(`/api/v1/research/exports/${accepted.body.exportId}`).set(auth).expect(200);
    expect({ status: done.body.status, refusal: done.body.refusal }).toEqual({ status: 'verified', refusal: null });
    expect(done.body.manifest.privacy.k.achieved).toBeGreaterThanOrEqual(5);
    expect(done.body.manifest.privacy.l.outcome.achieved).toBeGreaterThanOrEqual(2);
    expect(done.body.manifest.signature.alg).toBe('Ed25519');
    const file = await request(t.server).get(`/api/v1/research/exports/${accepted.body.exportId}/file`).set(auth).buffer(true).parse((res, cb) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString('utf8')));
      res.on('end', () => cb(null, text));
    }).expect(200);
    const lines = (file.body as string).trim().split('\r\n');
    expect(lines[0]).toBe(['pid', ...columns].map((c) => `"${c}"`).join(','));
    expect(lines.length - 1).toBe(done.body.manifest.population.exported);
  }, 120_000);

  it('gives bank.intake receipts in every status', async () => {
    const res = await request(t.server).get('/api/v1/referrals?limit=100').set('Authorization', `Bearer ${token['bank.intake']}`).expect(200);
    expect(new Set(res.body.items.map((r: { status: string }) => r.status))).toEqual(new Set(['RECEIVED', 'ACCEPTED', 'NOT_ACCEPTED']));
    expect(Object.keys(res.body.items[0]).sort()).toEqual(['id', 'receivedAt', 'status']);
  });

  it('hides cases outside a coordinator\'s district (404) and opens them with break-glass only', async () => {
    const foreign = (await q<{ id: string }>(`SELECT c.id FROM cases c JOIN areas a ON a.id = c.district_id WHERE a.code = 'FLEVOLAND' LIMIT 1`))[0].id;
    await request(t.server).get(`/api/v1/cases/${foreign}`).set('Authorization', `Bearer ${token['coord.utrecht']}`).expect(404);
  });

  it('lets the demo users run the doorstep flow on a ready case', async () => {
    const coord = token['coord.utrecht'];
    const ready = (await allCases('coord.utrecht')).find((c) => c.state === 'READY_TO_PLAN')!;
    const visitors = (await q<{ id: string }>(`SELECT id FROM users WHERE username IN ('police.utrecht', 'youth.utrecht') ORDER BY username`)).map((r) => r.id);
    const plan = await request(t.server)
      .post(`/api/v1/cases/${ready.id}/visits`)
      .set('Authorization', `Bearer ${coord}`)
      .send({ plannedStart: localTime(1, 15).toISOString(), plannedEnd: localTime(1, 16).toISOString(), visitorIds: visitors })
      .expect(201);
    await q(`UPDATE visits SET planned_start = now() - interval '2 hours', planned_end = now() - interval '1 hour' WHERE id = $1`, [plan.body.id]);
    const tablet = await request(t.server).get(`/api/v1/visits?from=${new Date(Date.now() - 86_400_000).toISOString()}`).set('Authorization', `Bearer ${token['police.utrecht']}`).expect(200);
    expect(tablet.body.items.map((v: { id: string }) => v.id)).toContain(plan.body.id);
    await request(t.server)
      .post(`/api/v1/visits/${plan.body.id}/attempts`)
      .set('Authorization', `Bearer ${token['police.utrecht']}`)
      .set('Idempotency-Key', randomUUID())
      .send({ occurredAt: new Date(Date.now() - 90 * 60_000).toISOString(), result: 'CONVERSATION_HELD', cardLeft: false, spokeWith: 'SUBJECT' })
      .expect(201);
    await request(t.server)
      .post(`/api/v1/visits/${plan.body.id}/conversation`)
      .set('Authorization', `Bearer ${token['youth.utrecht']}`)
      .set('Idempotency-Key', randomUUID())
      .send({ location: 'INSIDE', topicsCovered: ['HOW_TO_SAY_NO'], subjectAcknowledgesInvolvement: 'YES', parentPresent: true, consentFollowUpContact: { given: true, givenBy: 'SUBJECT' } })
      .expect(201);
  });
});
