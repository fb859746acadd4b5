import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { Db } from '../../src/database/db.service.js';
import { createCase, makeReadyToPlan, move } from '../factories/referrals.js';
import { conversationBody, localTime, planVisit, recordAttempt, recordConversation } from '../factories/visits.js';
import { bearer, buildWorld, login, ownerQuery, type World } from '../factories/world.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

describe('visits, attempts, conversations and follow-up care', () => {
  let t: TestApp;
  let w: World;
  const tokens: Record<string, string> = {};
  const tok = (u: string) => tokens[u];
  const count = async (sql: string, params: unknown[] = []) => (await t.app.get(Db).tx(null, (tx) => tx.one<{ n: number }>(sql, params)))!.n;
  const getCase = async (id: string, u = 'coord.utrecht') => (await request(t.server).get(`/api/v1/cases/${id}`).set(bearer(tok(u))).expect(200)).body;

  beforeAll(async () => {
    t = await createTestApp();
    w = await buildWorld(t);
    for (const u of ['coord.utrecht', 'coord.eemland', 'police.utrecht', 'youth.utrecht', 'police.eemland', 'youth.eemland', 'bank.intake']) tokens[u] = await login(w, u);
  });
  afterAll(async () => {
    await t?.close();
  });

  async function readyCase() {
    const c = await createCase(w, tok('coord.utrecht'), { dateOfBirth: '2004-02-10' });
    await makeReadyToPlan(w, tok('coord.utrecht'), c.caseId);
    return c;
  }

  it('runs the whole doorstep path: two attempts without contact, a conversation, care, follow-up, closure', async () => {
    const { caseId } = await readyCase();
    // Visit 1: nobody home in the morning.
    const v1 = await planVisit(w, tok('coord.utrecht'), caseId, { hour: 10, daysAgo: 3 });
    expect((await getCase(caseId)).state).toBe('VISIT_PLANNED');
    const a1 = await recordAttempt(w, tok('police.utrecht'), v1.id, { occurredAt: v1.plannedStart.toISOString(), result: 'NOT_HOME', cardLeft: true }).expect(201);
    expect(a1.body).toMatchObject({ attemptNo: 1, caseState: 'NO_CONTACT', countsTowardMax: true, timeSlot: 'MORNING' });
    // Visit 2: another day, in the evening; the household answers but the subject is out.
    const v2 = await planVisit(w, tok('coord.utrecht'), caseId, { hour: 18, daysAgo: 2 });
    const a2 = await recordAttempt(w, tok('youth.utrecht'), v2.id, { occurredAt: v2.plannedStart.toISOString(), result: 'SPOKE_TO_HOUSEHOLD_MEMBER_ONLY', spokeWith: 'OTHER_ADULT' }).expect(201);
    expect(a2.body).toMatchObject({ attemptNo: 2, caseState: 'NO_CONTACT' });
    // Visit 3: the conversation.
    const v3 = await planVisit(w, tok('coord.utrecht'), caseId, { hour: 14, daysAgo: 1 });
    const a3 = await recordAttempt(w, tok('police.utrecht'), v3.id, { occurredAt: v3.plannedStart.toISOString(), result: 'CONVERSATION_HELD', spokeWith: 'SUBJECT' }).expect(201);
    expect(a3.body.caseState).toBe('CONVERSATION_HELD');
    // Before the conversation is recorded the case cannot move on.
    const early = await move(w, tok('coord.utrecht'), caseId, { to: 'FOLLOW_UP' }).expect(409);
    expect(early.body.errors.map((e: { code: string }) => e.code)).toContain('CONVERSATION_MISSING');
    const conv = await recordConversation(w, tok('youth.utrecht'), v3.id, conversationBody({ agreements: 'Wekelijks contact met jongerenwerker', youthWorkNotes: 'Vertrouwelijk' })).expect(201);
    expect(conv.body.agreements).toBe('Wekelijks contact met jongerenwerker');
    // Care: proposed, accepted by the subject, sent (a disclosure), started.
    const care = await request(t.server).post(`/api/v1/cases/${caseId}/care-referrals`).set(bearer(tok('youth.utrecht'))).send({ type: 'DEBT_SERVICE', providerOrganisationId: w.orgIds.debt }).expect(201);
    const accepted = await request(t.server).patch(`/api/v1/care-referrals/${care.body.id}`).set(bearer(tok('youth.utrecht'))).set('If-Match', `"${care.body.version}"`).send({ status: 'ACCEPTED_BY_SUBJECT' }).expect(200);
    await request(t.server).patch(`/api/v1/care-referrals/${care.body.id}`).set(bearer(tok('youth.utrecht'))).set('If-Match', `"${accepted.body.version}"`).send({ status: 'SENT', dataSharedFields: ['NAME'] }).expect(403);
    const outside = await request(t.server).patch(`/api/v1/care-referrals/${care.body.id}`).set(bearer(tok('coord.utrecht'))).set('If-Match', `"${accepted.body.version}"`).send({ status: 'SENT', dataSharedFields: ['NAME', 'ADDRESS'] }).expect(409);
    expect(outside.body.errors[0].code).toBe('OUTSIDE_CONSENT');
    const sent = await request(t.server).patch(`/api/v1/care-referrals/${care.body.id}`).set(bearer(tok('coord.utrecht'))).set('If-Match', `"${accepted.body.version}"`).send({ status: 'SENT', dataSharedFields: ['NAME', 'PHONE'] }).expect(200);
    expect(await count(`SELECT count(*)::int AS n FROM audit_events WHERE action = 'DISCLOSE' AND recipient_org_id = $1 AND $2::uuid = ANY(object_ids)`, [w.orgIds.debt, care.body.id])).toBe(1);
    await request(t.server).patch(`/api/v1/care-referrals/${care.body.id}`).set(bearer(tok('coord.utrecht'))).set('If-Match', `"${sent.body.version}"`).send({ status: 'STARTED' }).expect(200);
    // Follow-up: due six weeks after the conversation.
    const fu = await move(w, tok('coord.utrecht'), caseId, { to: 'FOLLOW_UP' }).expect(200);
    expect(fu.body.followUps).toHaveLength(1);
    const due = new Date(fu.body.followUps[0].dueAt).getTime() - v3.plannedStart.getTime();
    expect(Math.round(due / 86_400_000)).toBe(42);
    const closeEarly = await move(w, tok('coord.utrecht'), caseId, { to: 'CLOSED', reasonCode: 'CARE_STARTED' }).expect(409);
    expect(closeEarly.body.errors[0].code).toBe('FOLLOW_UP_PENDING');
    await request(t.server)
      .patch(`/api/v1/follow-ups/${fu.body.followUps[0].id}`)
      .set(bearer(tok('youth.utrecht')))
      .set('If-Match', `"${fu.body.followUps[0].version}"`)
      .send({ occurredAt: new Date().toISOString(), channel: 'PHONE', result: 'REACHED', reApproachedByRecruiter: 'NO', awarenessNow: 4, notes: 'Gaat goed' })
      .expect(200);
    const closed = await move(w, tok('coord.utrecht'), caseId, { to: 'CLOSED', reasonCode: 'CARE_STARTED' }).expect(200);
    expect(closed.body).toMatchObject({ state: 'CLOSED', closureGroup: 'REACHED' });
    expect(closed.body.transitions.map((x: { toState: string }) => x.toState)).toEqual([
      'RECEIVED', 'TRIAGE', 'READY_TO_PLAN', 'VISIT_PLANNED', 'NO_CONTACT', 'VISIT_PLANNED', 'NO_CONTACT', 'VISIT_PLANNED', 'CONVERSATION_HELD', 'FOLLOW_UP', 'CLOSED',
    ]);
  });

  it('refused at the door, then closed as refused', async () => {
    const { caseId } = await readyCase();
    const v = await planVisit(w, tok('coord.utrecht'), caseId, { hour: 19, daysAgo: 1 });
    const a = await recordAttempt(w, tok('police.utrecht'), v.id, { occurredAt: v.plannedStart.toISOString(), result: 'REFUSED_AT_DOOR', spokeWith: 'SUBJECT' }).expect(201);
    expect(a.body.caseState).toBe('REFUSED');
    await move(w, tok('coord.utrecht'), caseId, { to: 'CLOSED', reasonCode: 'UNREACHABLE' }).expect(400);
    await move(w, tok('coord.utrecht'), caseId, { to: 'CLOSED', reasonCode: 'REFUSED' }).expect(200);
  });

  it('becomes unreachable after three counted attempts in different slots; a safety abort does not count', async () => {
    const { caseId } = await readyCase();
    const slots: Array<[number, number, string]> = [
      [10, 6, 'NO_ANSWER'],
      [15, 5, 'ABORTED_SAFETY'],
      [19, 4, 'NOT_HOME'],
    ];
    for (const [hour, daysAgo, result] of slots) {
      const v = await planVisit(w, tok('coord.utrecht'), caseId, { hour, daysAgo });
      await recordAttempt(w, tok('police.utrecht'), v.id, { occurredAt: v.plannedStart.toISOString(), result }).expect(201);
    }
    expect((await getCase(caseId)).countedAttempts).toBe(2);
    // The same weekday and slot as an earlier counted attempt is refused.
    const firstAttempt = localTime(-6, 10);
    const sameDaysAhead = [1, 2, 3, 4, 5, 6, 7].find((d) => localTime(d, 10).getUTCDay() === firstAttempt.getUTCDay())!;
    const repeated = await request(t.server)
      .post(`/api/v1/cases/${caseId}/visits`)
      .set(bearer(tok('coord.utrecht')))
      .send({ plannedStart: localTime(sameDaysAhead, 10).toISOString(), plannedEnd: localTime(sameDaysAhead, 11).toISOString(), visitorIds: [w.userIds['police.utrecht'], w.userIds['youth.utrecht']] })
      .expect(409);
    expect(repeated.body.errors.map((e: { code: string }) => e.code)).toContain('SLOT_REPEATED');
    const v = await planVisit(w, tok('coord.utrecht'), caseId, { hour: 13, daysAgo: 3 });
    const last = await recordAttempt(w, tok('youth.utrecht'), v.id, { occurredAt: v.plannedStart.toISOString(), result: 'NO_ANSWER' }).expect(201);
    expect(last.body.caseState).toBe('UNREACHABLE');
    // Planning again needs the subject's request, and then ignores the attempt limit.
    const again = await request(t.server).post(`/api/v1/cases/${caseId}/visits`).set(bearer(tok('coord.utrecht'))).send({ plannedStart: localTime(1, 16).toISOString(), plannedEnd: localTime(1, 17).toISOString(), visitorIds: [w.userIds['police.utrecht'], w.userIds['youth.utrecht']] }).expect(400);
    expect(again.body.errors[0].code).toBe('INVALID_REASON');
    await move(w, tok('coord.utrecht'), caseId, { to: 'CLOSED', reasonCode: 'UNREACHABLE' }).expect(200);
  });

  it('needs a police officer and a youth worker from the district, or an override with a reason', async () => {
    const { caseId } = await readyCase();
    const start = localTime(2, 10).toISOString();
    const end = localTime(2, 11).toISOString();
    const single = await request(t.server).post(`/api/v1/cases/${caseId}/visits`).set(bearer(tok('coord.utrecht'))).send({ plannedStart: start, plannedEnd: end, visitorIds: [w.userIds['police.utrecht']] }).expect(409);
    expect(single.body.errors.map((e: { code: string }) => e.code)).toEqual(['PAIR_INCOMPLETE']);
    const foreign = await request(t.server).post(`/api/v1/cases/${caseId}/visits`).set(bearer(tok('coord.utrecht'))).send({ plannedStart: start, plannedEnd: end, visitorIds: [w.userIds['police.eemland'], w.userIds['youth.utrecht']] }).expect(409);
    expect(foreign.body.errors.map((e: { code: string }) => e.code)).toEqual(['VISITOR_OUT_OF_SCOPE']);
    const night = await request(t.server).post(`/api/v1/cases/${caseId}/visits`).set(bearer(tok('coord.utrecht'))).send({ plannedStart: localTime(2, 23).toISOString(), plannedEnd: localTime(2, 23.5).toISOString(), visitorIds: [w.userIds['police.utrecht'], w.userIds['youth.utrecht']] }).expect(409);
    expect(night.body.errors.map((e: { code: string }) => e.code)).toEqual(['SLOT_OUTSIDE_HOURS']);
    const ok = await request(t.server).post(`/api/v1/cases/${caseId}/visits`).set(bearer(tok('coord.utrecht'))).send({ plannedStart: start, plannedEnd: end, visitorIds: [w.userIds['police.utrecht']], override: { reason: 'SECOND_VISITOR_UNAVAILABLE', comment: 'Jongerenwerker ziek' } }).expect(201);
    expect(ok.body.overrideReason).toBe('SECOND_VISITOR_UNAVAILABLE');
    // Unassigned visitors of the district see nothing; the assigned one sees the case.
    await request(t.server).get(`/api/v1/cases/${caseId}`).set(bearer(tok('youth.utrecht'))).expect(404);
    await request(t.server).get(`/api/v1/cases/${caseId}`).set(bearer(tok('police.utrecht'))).expect(200);
  });

  it('lists the visitor\'s visits for the tablet with what is needed at the door', async () => {
    const { caseId } = await readyCase();
    const v = await planVisit(w, tok('coord.utrecht'), caseId, { hour: 11 });
    const list = await request(t.server).get('/api/v1/visits').set(bearer(tok('police.utrecht'))).expect(200);
    const item = list.body.items.find((x: { id: string }) => x.id === v.id);
    expect(item.subject.displayName).toMatch(/^Testy/);
    expect(item.addressSnapshot.street).toBe('Teststraat');
    expect(item.safetyNotes).toContain('Hond');
    expect(item.previousAttempts).toEqual([]);
    const other = await request(t.server).get('/api/v1/visits').set(bearer(tok('police.eemland'))).expect(200);
    expect(other.body.items.map((x: { id: string }) => x.id)).not.toContain(v.id);
    await request(t.server).get('/api/v1/visits').set(bearer(tok('bank.intake'))).expect(403);
  });

  it('records an attempt exactly once under 20 concurrent retries', async () => {
    const { caseId } = await readyCase();
    const v = await planVisit(w, tok('coord.utrecht'), caseId, { hour: 12, daysAgo: 1 });
    const key = randomUUID();
    const body = { occurredAt: v.plannedStart.toISOString(), result: 'NOT_HOME', cardLeft: true, spokeWith: 'NONE' };
    const results = await Promise.all(Array.from({ length: 20 }, () => recordAttempt(w, tok('police.utrecht'), v.id, body, key)));
    expect(results.every((r) => r.status === 201 || r.status === 409)).toBe(true);
    expect(new Set(results.filter((r) => r.status === 201).map((r) => r.body.id)).size).toBe(1);
    expect(await count(`SELECT count(*)::int AS n FROM visit_attempts WHERE visit_id = $1`, [v.id])).toBe(1);
    expect(await count(`SELECT count(*)::int AS n FROM audit_events WHERE action = 'CREATE' AND object_type = 'VisitAttempt' AND $1::uuid = ANY(object_ids)`, [v.id])).toBe(1);
    const retry = await recordAttempt(w, tok('police.utrecht'), v.id, body, key).expect(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    await recordAttempt(w, tok('police.utrecht'), v.id, { ...body, result: 'NO_ANSWER' }, key).expect(422);
    const noKey = await request(t.server).post(`/api/v1/visits/${v.id}/attempts`).set(bearer(tok('police.utrecht'))).send(body).expect(400);
    expect(noKey.body.errors[0].field).toBe('Idempotency-Key');
  });

  it('loses no update when 10 clients patch one visit 100 times each', async () => {
    const { caseId } = await readyCase();
    const v = await planVisit(w, tok('coord.utrecht'), caseId, { hour: 16 });
    const initial = v.body.version as number;
    let successes = 0;
    await Promise.all(
      Array.from({ length: 10 }, async (_, client) => {
        for (let i = 0; i < 100; i++) {
          const cur = await request(t.server).get(`/api/v1/cases/${caseId}`).set(bearer(tok('coord.utrecht')));
          const version = cur.body.visits.find((x: { id: string }) => x.id === v.id).version;
          const r = await request(t.server).patch(`/api/v1/visits/${v.id}`).set(bearer(tok('coord.utrecht'))).set('If-Match', `"${version}"`).send({ safetyNotes: `client ${client} edit ${i}` });
          if (r.status === 200) successes++;
          else expect(r.status).toBe(412);
        }
      }),
    );
    const final = (await getCase(caseId)).visits.find((x: { id: string }) => x.id === v.id).version;
    expect(final).toBe(initial + successes);
    expect(await count(`SELECT count(*)::int AS n FROM audit_events WHERE action = 'UPDATE' AND object_type = 'Visit' AND $1::uuid = ANY(object_ids)`, [v.id])).toBe(successes);
  }, 180_000);

  it('keeps youth-work agreements from police officers and police details from youth workers, on read and write', async () => {
    const { caseId } = await readyCase();
    const v = await planVisit(w, tok('coord.utrecht'), caseId, { hour: 17, daysAgo: 1 });
    await recordAttempt(w, tok('police.utrecht'), v.id, { occurredAt: v.plannedStart.toISOString(), result: 'CONVERSATION_HELD', spokeWith: 'SUBJECT' }).expect(201);
    const policeWrite = await recordConversation(w, tok('police.utrecht'), v.id, conversationBody({ agreements: 'Mag de politie niet zien' })).expect(403);
    expect(policeWrite.body.fields).toEqual(['agreements']);
    await recordConversation(w, tok('youth.utrecht'), v.id, conversationBody({ agreements: 'Afspraak-canary-7731', youthWorkNotes: 'Notitie-canary-7731' })).expect(201);
    const policeView = await request(t.server).get(`/api/v1/visits/${v.id}/conversation`).set(bearer(tok('police.utrecht'))).expect(200);
    expect(policeView.body.agreements).toBeUndefined();
    expect(JSON.stringify(policeView.body)).not.toContain('canary-7731');
    const policeCase = await getCase(caseId, 'police.utrecht');
    expect(JSON.stringify(policeCase)).not.toContain('canary-7731');
    expect(policeCase.referrals[0].externalReference).toBeDefined();
    const coordCase = await getCase(caseId, 'coord.utrecht');
    expect(JSON.stringify(coordCase)).not.toContain('canary-7731');
    const youthCase = await getCase(caseId, 'youth.utrecht');
    expect(youthCase.conversation.agreements).toBe('Afspraak-canary-7731');
    for (const r of youthCase.referrals) {
      for (const f of ['externalReference', 'fraudType', 'amountBand', 'bankRegistrationStatus', 'notes']) expect(r[f]).toBeUndefined();
    }
    expect(youthCase.policeClearance.reference).toBeUndefined();
  });

  it('requires parent presence or a reason for a minor', async () => {
    const c = await createCase(w, tok('coord.utrecht'), { dateOfBirth: '2012-06-01' });
    await makeReadyToPlan(w, tok('coord.utrecht'), c.caseId);
    const v = await planVisit(w, tok('coord.utrecht'), c.caseId, { hour: 15, daysAgo: 2 });
    await recordAttempt(w, tok('youth.utrecht'), v.id, { occurredAt: v.plannedStart.toISOString(), result: 'CONVERSATION_HELD', spokeWith: 'SUBJECT' }).expect(201);
    const missing = await recordConversation(w, tok('youth.utrecht'), v.id, conversationBody({ parentPresent: undefined, consentFollowUpContact: { given: true, givenBy: 'BOTH' } })).expect(400);
    expect(missing.body.errors[0].code).toBe('PARENT_PRESENCE_REQUIRED');
    await recordConversation(w, tok('youth.utrecht'), v.id, conversationBody({ parentPresent: false, parentAbsentReason: 'PARENT_NOT_AVAILABLE_SUBJECT_AGREED', consentFollowUpContact: { given: true, givenBy: 'SUBJECT' } })).expect(201);
    // The follow-up consent of a 14-year-old needs parent and child.
    const blocked = await move(w, tok('coord.utrecht'), c.caseId, { to: 'FOLLOW_UP' }).expect(409);
    expect(blocked.body.errors[0].code).toBe('CONSENT_REQUIRED');
    await move(w, tok('coord.utrecht'), c.caseId, { to: 'CLOSED', reasonCode: 'NO_FOLLOW_UP_CONSENT' }).expect(200);
  });

  it('ends visitor access 30 days after closure', async () => {
    const { caseId } = await readyCase();
    const v = await planVisit(w, tok('coord.utrecht'), caseId, { hour: 10, daysAgo: 1 });
    await recordAttempt(w, tok('police.utrecht'), v.id, { occurredAt: v.plannedStart.toISOString(), result: 'REFUSED_AT_DOOR', spokeWith: 'SUBJECT' }).expect(201);
    await move(w, tok('coord.utrecht'), caseId, { to: 'CLOSED', reasonCode: 'REFUSED' }).expect(200);
    await ownerQuery(w, `UPDATE cases SET closed_at = now() - interval '29 days' WHERE id = $1`, [caseId]);
    await request(t.server).get(`/api/v1/cases/${caseId}`).set(bearer(tok('police.utrecht'))).expect(200);
    await ownerQuery(w, `UPDATE cases SET closed_at = now() - interval '31 days' WHERE id = $1`, [caseId]);
    await request(t.server).get(`/api/v1/cases/${caseId}`).set(bearer(tok('police.utrecht'))).expect(404);
    await request(t.server).get(`/api/v1/cases/${caseId}`).set(bearer(tok('coord.utrecht'))).expect(200);
  });

  it('lists overdue follow-ups for coordinators and visitors', async () => {
    const { caseId } = await readyCase();
    const v = await planVisit(w, tok('coord.utrecht'), caseId, { hour: 10, daysAgo: 2 });
    await recordAttempt(w, tok('police.utrecht'), v.id, { occurredAt: v.plannedStart.toISOString(), result: 'CONVERSATION_HELD', spokeWith: 'SUBJECT' }).expect(201);
    await recordConversation(w, tok('police.utrecht'), v.id, conversationBody()).expect(201);
    const fu = await move(w, tok('coord.utrecht'), caseId, { to: 'FOLLOW_UP' }).expect(200);
    await ownerQuery(w, `UPDATE follow_up_contacts SET due_at = now() - interval '2 days' WHERE id = $1`, [fu.body.followUps[0].id]);
    await ownerQuery(w, `UPDATE cases SET next_follow_up_due_at = now() - interval '2 days' WHERE id = $1`, [caseId]);
    for (const u of ['coord.utrecht', 'police.utrecht']) {
      const res = await request(t.server).get('/api/v1/follow-ups?due=overdue').set(bearer(tok(u))).expect(200);
      expect(res.body.items.map((x: { caseId: string }) => x.caseId)).toContain(caseId);
    }
    const eem = await request(t.server).get('/api/v1/follow-ups?due=overdue').set(bearer(tok('coord.eemland'))).expect(200);
    expect(eem.body.items.map((x: { caseId: string }) => x.caseId)).not.toContain(caseId);
    const overdueCases = await request(t.server).get('/api/v1/cases?overdue=true').set(bearer(tok('coord.utrecht'))).expect(200);
    expect(overdueCases.body.items.map((x: { id: string }) => x.id)).toContain(caseId);
  });
});
