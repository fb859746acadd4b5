import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { MatrixWorld } from '../authz/matrix-world.js';
import { referralBody } from '../factories/referrals.js';
import { conversationBody, localTime } from '../factories/visits.js';
import { buildWorld, ownerQuery } from '../factories/world.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

const FOREIGN = '3b241101-e2bb-4255-8caf-4136c566a962';
/** Entity columns no DTO accepts: each one sent to a writable endpoint must be refused by name. */
const COLUMNS: Record<string, unknown> = {
  id: FOREIGN,
  version: 99,
  state: 'CLOSED',
  districtId: FOREIGN,
  referrerOrgId: FOREIGN,
  createdBy: FOREIGN,
  subjectId: FOREIGN,
  closedAt: '2020-01-01T00:00:00Z',
  caseManagerUserId: FOREIGN,
  recordedByUserId: FOREIGN,
  passwordHash: 'x',
  rightsVersion: 5,
  matchKey: 'x',
  isAdmin: true,
};

/** AZ-04: every writable endpoint refuses unknown fields with 400 VALIDATION_FAILED naming them, and writes nothing. */
describe('mass assignment (AZ-04)', () => {
  let t: TestApp;
  let mw: MatrixWorld;
  let f: Record<string, string> = {};

  beforeAll(async () => {
    t = await createTestApp();
    const w = await buildWorld(t, ['admin', 'privacy', 'researcher']);
    mw = new MatrixWorld(w);
    await mw.init();
    const held = await mw.heldCase();
    const fu = await mw.followUpCase();
    const ready = await mw.districtCase();
    const { makeReadyToPlan } = await import('../factories/referrals.js');
    await makeReadyToPlan(w, mw.tokens.coordinator!, ready.caseId);
    f = { heldVisit: held.visitId, ...fu, readyCase: ready.caseId } as unknown as Record<string, string>;
  }, 300_000);

  afterAll(async () => {
    await t?.close();
  });

  it('refuses every entity column on every writable endpoint and changes nothing', async () => {
    const w = mw.w;
    const coord = mw.tokens.coordinator!;
    const admin = mw.tokens.admin!;
    const endpoints: Array<[string, string, string, Record<string, unknown>, Record<string, string>?]> = [
      ['post', '/api/v1/referrals', coord, referralBody()],
      ['patch', `/api/v1/cases/${f.caseId}`, coord, { priority: 'HIGH' }, { 'If-Match': '"1"' }],
      ['post', `/api/v1/cases/${f.caseId}/transitions`, coord, { to: 'CLOSED', reasonCode: 'WITHDRAWN' }, { 'If-Match': '"1"' }],
      ['patch', `/api/v1/subjects/${f.subjectId}`, coord, { phone: '0612345678' }, { 'If-Match': '"1"' }],
      ['post', `/api/v1/cases/${f.readyCase}/visits`, coord, { plannedStart: localTime(2, 10).toISOString(), plannedEnd: localTime(2, 11).toISOString(), visitorIds: [w.userIds['police.utrecht'], w.userIds['youth.utrecht']] }],
      ['patch', `/api/v1/visits/${f.visitId}`, coord, { safetyNotes: 'x' }, { 'If-Match': '"1"' }],
      ['post', `/api/v1/visits/${f.visitId}/attempts`, mw.tokens.police!, { occurredAt: new Date().toISOString(), result: 'NOT_HOME', cardLeft: false, spokeWith: 'NONE' }, { 'Idempotency-Key': 'ma-1' }],
      ['post', `/api/v1/visits/${f.heldVisit}/conversation`, mw.tokens.youth!, conversationBody(), { 'Idempotency-Key': 'ma-2' }],
      ['post', `/api/v1/cases/${f.caseId}/care-referrals`, coord, { type: 'OTHER' }],
      ['patch', `/api/v1/care-referrals/${f.careReferralId}`, coord, { status: 'ACCEPTED_BY_SUBJECT' }, { 'If-Match': '"1"' }],
      ['post', `/api/v1/cases/${f.caseId}/follow-ups`, coord, { dueAt: new Date(Date.now() + 86_400_000 * 30).toISOString() }],
      ['patch', `/api/v1/follow-ups/${f.followUpId}`, coord, { awarenessNow: 3 }, { 'If-Match': '"1"' }],
      ['post', '/api/v1/admin/users', admin, { username: 'ma.user', displayName: 'x', organisationId: w.orgIds.police, roles: ['police_officer'], password: 'a-long-enough-passphrase-x' }],
      ['patch', `/api/v1/admin/users/${w.userIds['police.utrecht']}`, admin, { displayName: 'x' }, { 'If-Match': '"1"' }],
      ['post', '/api/v1/admin/organisations', admin, { name: 'MA org', type: 'CARE_PROVIDER' }],
      ['patch', `/api/v1/admin/organisations/${w.orgIds.debt}`, admin, { covenantVersion: 'x' }, { 'If-Match': '"1"' }],
      ['post', '/api/v1/admin/api-keys', admin, { organisationId: w.orgIds['bank-b'], name: 'x' }],
    ];
    const snapshot = async () => (await ownerQuery<{ h: string }>(w, `SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) AS h FROM (
        SELECT row_to_json(x)::text AS t FROM cases x UNION ALL SELECT row_to_json(x)::text FROM subjects x UNION ALL SELECT row_to_json(x)::text FROM referrals x
        UNION ALL SELECT row_to_json(x)::text FROM visits x UNION ALL SELECT row_to_json(x)::text FROM visit_attempts x UNION ALL SELECT row_to_json(x)::text FROM conversations x
        UNION ALL SELECT row_to_json(x)::text FROM care_referrals x UNION ALL SELECT row_to_json(x)::text FROM follow_up_contacts x UNION ALL SELECT row_to_json(x)::text FROM users x
        UNION ALL SELECT row_to_json(x)::text FROM organisations x UNION ALL SELECT row_to_json(x)::text FROM api_keys x) s`))[0].h;
    const before = await snapshot();
    const successEvents = async () => (await ownerQuery<{ n: number }>(w, `SELECT count(*)::int AS n FROM audit_events WHERE outcome = 'success' AND action <> 'LOGIN'`))[0].n;
    const eventsBefore = await successEvents();
    let checked = 0;
    for (const [method, path, token, body, headers] of endpoints) {
      for (const [field, value] of Object.entries(COLUMNS)) {
        let req = request(t.server)[method as 'post'](path).set('Authorization', `Bearer ${token}`);
        for (const [k, v] of Object.entries(headers ?? {})) req = req.set(k, v);
        const res = await req.send({ ...body, [field]: value });
        expect({ path, field, status: res.status }).toEqual({ path, field, status: 400 });
        expect({ path, field, code: res.body.code }).toEqual({ path, field, code: 'VALIDATION_FAILED' });
        expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field, code: 'UNKNOWN_FIELD' })]));
        checked++;
      }
    }
    expect(checked).toBe(endpoints.length * Object.keys(COLUMNS).length);
    expect(await snapshot()).toBe(before);
    expect(await successEvents()).toBe(eventsBefore);
  });
});
