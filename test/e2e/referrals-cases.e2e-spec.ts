import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { Clock } from '../../src/common/clock.js';
import { Db } from '../../src/database/db.service.js';
import { createCase, move, postReferral, referralBody } from '../factories/referrals.js';
import { bearer, buildWorld, freshTotp, login, ownerQuery, type World } from '../factories/world.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

describe('referrals and the case workflow', () => {
  let t: TestApp;
  let w: World;
  const tokens: Record<string, string> = {};
  const tok = (u: string) => tokens[u];
  const db = () => t.app.get(Db);
  const count = async (sql: string, params: unknown[] = []) => (await db().tx(null, (tx) => tx.one<{ n: number }>(sql, params)))!.n;

  beforeAll(async () => {
    t = await createTestApp();
    w = await buildWorld(t, ['admin', 'privacy', 'researcher', 'coord.eemland']);
    for (const u of ['coord.utrecht', 'coord.eemland', 'police.utrecht', 'youth.utrecht', 'bank.intake', 'police.intake', 'admin', 'privacy']) tokens[u] = await login(w, u);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('turns a bank signal into a case the Utrecht coordinator can triage, and nobody else can see', async () => {
    const res = await postReferral(w, tok('bank.intake'), referralBody()).expect(201);
    expect(Object.keys(res.body).sort()).toEqual(['id', 'receivedAt', 'status']);
    expect(res.body.status).toBe('RECEIVED');
    const list = await request(t.server).get('/api/v1/cases').set(bearer(tok('coord.utrecht'))).expect(200);
    const caseId = (await db().tx(null, (tx) => tx.one<{ case_id: string }>(`SELECT case_id FROM referrals WHERE id = $1`, [res.body.id])))!.case_id;
    expect(list.body.items.map((c: { id: string }) => c.id)).toContain(caseId);
    const item = list.body.items.find((c: { id: string }) => c.id === caseId);
    expect(item.subject.displayName).toMatch(/^Testy/);
    expect(item.subject.lvbSuspected).toBeUndefined();
    const detail = await request(t.server).get(`/api/v1/cases/${caseId}`).set(bearer(tok('coord.utrecht'))).expect(200);
    expect(detail.headers.etag).toBe(`"${detail.body.version}"`);
    expect(detail.headers['cache-control']).toBe('no-store');
    expect(detail.body.state).toBe('RECEIVED');
    expect(detail.body.referrals[0].externalReference).toMatch(/^INC-/);
    expect(detail.body.transitions.map((x: { toState: string }) => x.toState)).toEqual(['RECEIVED']);
    await request(t.server).get(`/api/v1/cases/${caseId}`).set(bearer(tok('coord.eemland'))).expect(404);
    await request(t.server).get(`/api/v1/cases/${caseId}`).set(bearer(tok('police.utrecht'))).expect(404);
    const eemList = await request(t.server).get('/api/v1/cases').set(bearer(tok('coord.eemland'))).expect(200);
    expect(eemList.body.items.map((c: { id: string }) => c.id)).not.toContain(caseId);
    // Referrers get receipts only, of their own organisation.
    const receipt = await request(t.server).get(`/api/v1/referrals/${res.body.id}`).set(bearer(tok('bank.intake'))).expect(200);
    expect(Object.keys(receipt.body).sort()).toEqual(['id', 'receivedAt', 'status']);
    await request(t.server).get(`/api/v1/referrals/${res.body.id}`).set(bearer(tok('police.intake'))).expect(404);
    await request(t.server).get(`/api/v1/cases/${caseId}`).set(bearer(tok('bank.intake'))).expect(403);
    await request(t.server).get(`/api/v1/cases/${caseId}`).set(bearer(tok('admin'))).expect(403);

    // Triage: the guards name what is missing.
    await move(w, tok('coord.utrecht'), caseId, { to: 'TRIAGE' }).expect(200);
    const blocked = await move(w, tok('coord.utrecht'), caseId, { to: 'READY_TO_PLAN' }).expect(409);
    expect(blocked.body.code).toBe('INVALID_TRANSITION');
    expect(blocked.body.errors.map((e: { code: string }) => e.code).sort()).toEqual(['ADDRESS_UNVERIFIED', 'POLICE_CLEARANCE_MISSING']);
    const invalid = await move(w, tok('coord.utrecht'), caseId, { to: 'FOLLOW_UP' }).expect(409);
    expect(invalid.body.allowedTargets.sort()).toEqual(['CLOSED', 'ON_HOLD', 'READY_TO_PLAN']);
    await makeReadyToPlanFromTriage(caseId);
    const after = await request(t.server).get(`/api/v1/cases/${caseId}`).set(bearer(tok('coord.utrecht'))).expect(200);
    expect(after.body.state).toBe('READY_TO_PLAN');
    expect(after.body.caseManagerUserId).toBe(w.userIds['coord.utrecht']);
    expect(after.body.transitions.map((x: { toState: string }) => x.toState)).toEqual(['RECEIVED', 'TRIAGE', 'READY_TO_PLAN']);
    const accepted = await request(t.server).get(`/api/v1/referrals/${res.body.id}`).set(bearer(tok('bank.intake'))).expect(200);
    expect(accepted.body.status).toBe('ACCEPTED');
    // Every step is in the audit trail with the subject.
    const events = await count(`SELECT count(*)::int AS n FROM audit_events WHERE $1::uuid = ANY(subject_ids)`, [after.body.subject.id]);
    expect(events).toBeGreaterThanOrEqual(8);
  });

  async function makeReadyToPlanFromTriage(caseId: string) {
    const c = await request(t.server).get(`/api/v1/cases/${caseId}`).set(bearer(tok('coord.utrecht'))).expect(200);
    await request(t.server)
      .patch(`/api/v1/cases/${caseId}`)
      .set(bearer(tok('coord.utrecht')))
      .set('If-Match', `"${c.body.version}"`)
      .send({ policeClearance: { confirmedAt: new Date(Date.now() - 3_600_000).toISOString(), policeOrganisationId: w.orgIds.police, reference: 'PCL-7' } })
      .expect(200);
    const s = await request(t.server).get(`/api/v1/subjects/${c.body.subject.id}`).set(bearer(tok('coord.utrecht'))).expect(200);
    await request(t.server).patch(`/api/v1/subjects/${c.body.subject.id}`).set(bearer(tok('coord.utrecht'))).set('If-Match', `"${s.body.version}"`).send({ addressVerifiedAt: new Date(Date.now() - 1000).toISOString() }).expect(200);
    await move(w, tok('coord.utrecht'), caseId, { to: 'READY_TO_PLAN' }).expect(200);
  }

  it('requires If-Match: missing 428, stale 412', async () => {
    const { caseId } = await createCase(w, tok('coord.utrecht'));
    const missing = await request(t.server).post(`/api/v1/cases/${caseId}/transitions`).set(bearer(tok('coord.utrecht'))).send({ to: 'TRIAGE' }).expect(428);
    expect(missing.body.code).toBe('PRECONDITION_REQUIRED');
    const stale = await request(t.server).post(`/api/v1/cases/${caseId}/transitions`).set(bearer(tok('coord.utrecht'))).set('If-Match', '"99"').send({ to: 'TRIAGE' }).expect(412);
    expect(stale.body.code).toBe('VERSION_CONFLICT');
    const weak = await request(t.server).post(`/api/v1/cases/${caseId}/transitions`).set(bearer(tok('coord.utrecht'))).set('If-Match', 'W/"1"').send({ to: 'TRIAGE' }).expect(400);
    expect(weak.body.code).toBe('VALIDATION_FAILED');
  });

  it('closes with a reason from the right group and marks the receipt not accepted', async () => {
    const res = await postReferral(w, tok('bank.intake'), referralBody()).expect(201);
    const caseId = (await db().tx(null, (tx) => tx.one<{ case_id: string }>(`SELECT case_id FROM referrals WHERE id = $1`, [res.body.id])))!.case_id;
    const wrong = await move(w, tok('coord.utrecht'), caseId, { to: 'CLOSED', reasonCode: 'CARE_STARTED' }).expect(400);
    expect(wrong.body.errors[0].code).toBe('INVALID_REASON');
    await move(w, tok('coord.utrecht'), caseId, { to: 'CLOSED', reasonCode: 'NOT_ELIGIBLE_AGE', comment: 'Te oud voor het programma' }).expect(200);
    const receipt = await request(t.server).get(`/api/v1/referrals/${res.body.id}`).set(bearer(tok('bank.intake'))).expect(200);
    expect(receipt.body.status).toBe('NOT_ACCEPTED');
    const closed = await request(t.server).get(`/api/v1/cases/${caseId}`).set(bearer(tok('coord.utrecht'))).expect(200);
    expect(closed.body).toMatchObject({ state: 'CLOSED', closureReason: 'NOT_ELIGIBLE_AGE', closureGroup: 'NOT_ELIGIBLE' });
    await move(w, tok('coord.utrecht'), caseId, { to: 'TRIAGE' }).expect(409);
  });

  it('puts a case on hold with a police-origin reason that youth workers never see', async () => {
    const { caseId } = await createCase(w, tok('coord.utrecht'));
    await move(w, tok('coord.utrecht'), caseId, { to: 'TRIAGE' }).expect(200);
    const noFields = await move(w, tok('coord.utrecht'), caseId, { to: 'ON_HOLD' }).expect(400);
    expect(noFields.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['holdReason', 'holdUntil']);
    const tooLong = await move(w, tok('coord.utrecht'), caseId, { to: 'ON_HOLD', holdReason: 'INVESTIGATIVE_INTEREST', holdUntil: new Date(Date.now() + 200 * 86_400_000).toISOString() }).expect(400);
    expect(tooLong.body.errors[0].code).toBe('OUT_OF_RANGE');
    const held = await move(w, tok('coord.utrecht'), caseId, { to: 'ON_HOLD', holdReason: 'INVESTIGATIVE_INTEREST', holdUntil: new Date(Date.now() + 30 * 86_400_000).toISOString() }).expect(200);
    expect(held.body.holdReason).toBe('INVESTIGATIVE_INTEREST');
    expect(held.body.transitions.at(-1).holdReasonCode).toBe('INVESTIGATIVE_INTEREST');
    await move(w, tok('coord.utrecht'), caseId, { to: 'TRIAGE' }).expect(200);
  });

  describe('intake', () => {
    it('validates every field and writes nothing on failure', async () => {
      const before = await count(`SELECT count(*)::int AS n FROM referrals`);
      const cases: Array<[Record<string, unknown>, string, string]> = [
        [referralBody({ sourceType: 'CARRIER_PIGEON' }), 'sourceType', 'INVALID_ENUM'],
        [referralBody({ legalBasisCode: 'NOPE' }), 'legalBasisCode', 'LEGAL_BASIS_UNKNOWN'],
        [referralBody({ reasonCodes: [] }), 'reasonCodes', 'TOO_FEW_ITEMS'],
        [referralBody({ incidentMonth: '2099-01' }), 'incidentMonth', 'IS_PAST_MONTH'],
        [referralBody({ receivedAt: new Date(Date.now() + 86_400_000).toISOString() }), 'receivedAt', 'NOT_IN_FUTURE'],
        [referralBody({ notes: 'x'.repeat(501) }), 'notes', 'TOO_LONG'],
        [referralBody({}, { dateOfBirth: '2099-01-01' }), 'subject.dateOfBirth', 'IS_PAST_DATE'],
        [referralBody({}, { dateOfBirth: '2005-02-30' }), 'subject.dateOfBirth', 'IS_PAST_DATE'],
        [referralBody({}, { address: { street: 'X', houseNumber: '1', postcode: '0123 AB', municipality: 'Utrecht' } }), 'subject.address.postcode', 'MATCHES'],
        [referralBody({}, { address: { street: 'X', houseNumber: '1', postcode: '3511 AB', municipality: 'Atlantis' } }), 'subject.address.municipality', 'UNKNOWN_MUNICIPALITY'],
        [referralBody({}, { familyName: '' }), 'subject.familyName', 'TOO_SHORT'],
        [referralBody({ caseId: '3b241101-e2bb-4255-8caf-4136c566a962' }), 'caseId', 'UNKNOWN_FIELD'],
        [referralBody({ status: 'ACCEPTED' }), 'status', 'UNKNOWN_FIELD'],
        [referralBody({}, { bsn: '123456782' }), 'subject.bsn', 'UNKNOWN_FIELD'],
        // Found by the fuzz suite: a missing or array-shaped nested object passed validation and failed as a 500.
        [{ ...referralBody(), subject: undefined }, 'subject', 'IS_OBJECT'],
        [referralBody({ subject: [] }), 'subject', 'IS_OBJECT'],
        [referralBody({}, { address: undefined }), 'subject.address', 'IS_OBJECT'],
        [referralBody({ consentObtainedByReferrer: [] }), 'consentObtainedByReferrer', 'IS_OBJECT'],
      ];
      for (const [body, field, code] of cases) {
        const res = await postReferral(w, tok('bank.intake'), body);
        expect({ field, status: res.status }).toEqual({ field, status: 400 });
        expect(res.headers['content-type']).toContain('application/problem+json');
        expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field, code })]));
      }
      expect(await count(`SELECT count(*)::int AS n FROM referrals`)).toBe(before);
    });

    it('lets a bank refer bank signals only', async () => {
      const res = await postReferral(w, tok('bank.intake'), referralBody({ sourceType: 'POLICE' })).expect(400);
      expect(res.body.errors[0].code).toBe('SOURCE_TYPE_NOT_ALLOWED');
    });

    it('links an exact match to the open case, flags a near match, and re-refers after closure', async () => {
      const person = { givenNames: 'Sanne', familyName: 'van der Linden', dateOfBirth: '2007-04-03' };
      const first = await postReferral(w, tok('coord.utrecht'), referralBody({}, person)).expect(201);
      expect(first.body.subjectMatch).toBe('NEW');
      // Exact match: normalised name, same birth date and initial → linked, attached to the open case.
      const again = await postReferral(w, tok('police.intake'), referralBody({ sourceType: 'POLICE' }, { ...person, familyName: 'Van Der Linden', givenNames: 'S.' })).expect(201);
      const ref2 = (await db().tx(null, (tx) => tx.one<{ case_id: string; subject_match: string; attached_to_open_case: boolean }>(`SELECT case_id, subject_match, attached_to_open_case FROM referrals WHERE id = $1`, [again.body.id])))!;
      expect(ref2).toEqual({ case_id: first.body.caseId, subject_match: 'LINKED', attached_to_open_case: true });
      const withSignal = await request(t.server).get(`/api/v1/cases/${first.body.caseId}`).set(bearer(tok('coord.utrecht'))).expect(200);
      expect(withSignal.body.hasUnreviewedSignal).toBe(true);
      expect(withSignal.body.state).toBe('RECEIVED');
      // The coordinator decides on the new signal.
      const sig = await request(t.server).get(`/api/v1/referrals/${again.body.id}`).set(bearer(tok('coord.utrecht'))).expect(200);
      await request(t.server).post(`/api/v1/referrals/${again.body.id}/decision`).set(bearer(tok('coord.utrecht'))).set('If-Match', `"${sig.body.version}"`).send({ decision: 'ACCEPTED' }).expect(200);
      const cleared = await request(t.server).get(`/api/v1/cases/${first.body.caseId}`).set(bearer(tok('coord.utrecht'))).expect(200);
      expect(cleared.body.hasUnreviewedSignal).toBe(false);
      // Near match: a one-letter typo with day and month swapped → possible duplicate, which blocks triage.
      const near = await postReferral(w, tok('coord.utrecht'), referralBody({}, { ...person, familyName: 'van der Lindem', dateOfBirth: '2007-03-04' })).expect(201);
      expect(near.body.subjectMatch).toBe('POSSIBLE_DUPLICATE');
      expect(near.body.caseId).not.toBe(first.body.caseId);
      await move(w, tok('coord.utrecht'), near.body.caseId, { to: 'TRIAGE' }).expect(200);
      const dup = await move(w, tok('coord.utrecht'), near.body.caseId, { to: 'READY_TO_PLAN' }).expect(409);
      expect(dup.body.errors.map((e: { code: string }) => e.code)).toContain('DUPLICATE_UNRESOLVED');
      // Merging moves the referral to the open case and closes the duplicate's case.
      const nearCase = await request(t.server).get(`/api/v1/cases/${near.body.caseId}`).set(bearer(tok('coord.utrecht'))).expect(200);
      const firstCase = await request(t.server).get(`/api/v1/cases/${first.body.caseId}`).set(bearer(tok('coord.utrecht'))).expect(200);
      const merged = await request(t.server).post(`/api/v1/subjects/${nearCase.body.subject.id}/merge`).set(bearer(tok('coord.utrecht'))).send({ intoSubjectId: firstCase.body.subject.id }).expect(200);
      expect(merged.body).toMatchObject({ caseId: first.body.caseId, closedCaseId: near.body.caseId });
      const closedDup = await request(t.server).get(`/api/v1/cases/${near.body.caseId}`).set(bearer(tok('coord.utrecht'))).expect(200);
      expect(closedDup.body).toMatchObject({ state: 'CLOSED', closureReason: 'MERGED_DUPLICATE' });
      const rec = await db().tx(null, (tx) => tx.one<{ before: unknown; moved_referral_ids: string[] }>(`SELECT before, moved_referral_ids FROM subject_merges WHERE id = $1`, [merged.body.mergeId]));
      expect(rec!.moved_referral_ids).toContain(near.body.id);
      const mergeEvents = await count(`SELECT count(*)::int AS n FROM audit_events WHERE action = 'MERGE' AND subject_ids @> $1::uuid[]`, [[firstCase.body.subject.id, nearCase.body.subject.id]]);
      expect(mergeEvents).toBe(1);
      // After closure, a new signal opens a new case as a re-referral.
      await move(w, tok('coord.utrecht'), first.body.caseId, { to: 'CLOSED', reasonCode: 'WITHDRAWN' }).expect(200);
      const rere = await postReferral(w, tok('coord.utrecht'), referralBody({}, person)).expect(201);
      expect(rere.body.subjectMatch).toBe('LINKED');
      const newCase = await request(t.server).get(`/api/v1/cases/${rere.body.caseId}`).set(bearer(tok('coord.utrecht'))).expect(200);
      expect(newCase.body).toMatchObject({ previousCaseId: first.body.caseId, reReferral: true, episodeNo: 2, state: 'RECEIVED' });
    });

    it('gives concurrent signals about one person one open case: one opens it (a re-referral), the others attach', async () => {
      const person = { givenNames: 'Lotte', familyName: 'Gelijktijdig', dateOfBirth: '2006-09-12' };
      // A person nobody knows yet: concurrent first signals make one subject and one case.
      const firsts = await Promise.all(Array.from({ length: 6 }, (_, i) => postReferral(w, tok('coord.utrecht'), referralBody({ externalReference: `CONC-A-${i}` }, person), `conc-a-${i}`)));
      expect(firsts.map((r) => r.status)).toEqual(Array(6).fill(201));
      expect(new Set(firsts.map((r) => r.body.caseId)).size).toBe(1);
      expect(firsts.filter((r) => r.body.subjectMatch === 'NEW')).toHaveLength(1);
      const caseId = firsts[0].body.caseId;
      const opened = await request(t.server).get(`/api/v1/cases/${caseId}`).set(bearer(tok('coord.utrecht'))).expect(200);
      expect(opened.body).toMatchObject({ episodeNo: 1, hasUnreviewedSignal: true });
      expect(opened.body.referrals).toHaveLength(6);
      // After closure, concurrent signals open exactly one new episode that links back to the closed case.
      await move(w, tok('coord.utrecht'), caseId, { to: 'CLOSED', reasonCode: 'WITHDRAWN' }).expect(200);
      const again = await Promise.all(Array.from({ length: 6 }, (_, i) => postReferral(w, tok('coord.utrecht'), referralBody({ externalReference: `CONC-B-${i}` }, person), `conc-b-${i}`)));
      expect(again.map((r) => r.status)).toEqual(Array(6).fill(201));
      expect(again.every((r) => r.body.subjectMatch === 'LINKED')).toBe(true);
      const newCaseIds = new Set(again.map((r) => r.body.caseId));
      expect(newCaseIds.size).toBe(1);
      const [newCaseId] = [...newCaseIds];
      expect(newCaseId).not.toBe(caseId);
      const episode = await request(t.server).get(`/api/v1/cases/${newCaseId}`).set(bearer(tok('coord.utrecht'))).expect(200);
      expect(episode.body).toMatchObject({ previousCaseId: caseId, reReferral: true, episodeNo: 2, state: 'RECEIVED', hasUnreviewedSignal: true });
      expect(episode.body.transitions.map((x: { toState: string }) => x.toState)).toEqual(['RECEIVED']);
      const attached = await db().tx(null, (tx) =>
        tx.query<{ attached: boolean }>(`SELECT attached_to_open_case AS attached FROM referrals WHERE case_id = $1 ORDER BY received_at`, [newCaseId]),
      );
      expect(attached.map((r) => r.attached).sort()).toEqual([false, true, true, true, true, true]);
      // Every intake wrote its CREATE event with its referral.
      const ids = [...firsts, ...again].map((r) => r.body.id);
      expect(await count(`SELECT count(*)::int AS n FROM audit_events WHERE action = 'CREATE' AND object_type = 'Referral' AND object_ids && $1::uuid[]`, [ids])).toBe(12);
    });

    it('is idempotent: 20 concurrent identical posts make one referral and one audit event', async () => {
      const admin = tok('admin');
      const key = (await request(t.server).post('/api/v1/admin/api-keys').set(bearer(admin)).send({ organisationId: w.orgIds['bank-b'], name: 'idem' }).expect(201)).body.key;
      const body = referralBody();
      const noKey = await postReferral(w, key, body).expect(400);
      expect(noKey.body.errors[0].field).toBe('Idempotency-Key');
      const results = await Promise.all(Array.from({ length: 20 }, () => postReferral(w, key, body, 'idem-key-1')));
      const statuses = results.map((r) => r.status);
      expect(statuses.every((s) => s === 201 || s === 409)).toBe(true);
      const ok = results.filter((r) => r.status === 201);
      expect(new Set(ok.map((r) => r.body.id)).size).toBe(1);
      const referralId = ok[0].body.id;
      expect(await count(`SELECT count(*)::int AS n FROM referrals WHERE external_reference = $1`, [body.externalReference])).toBe(1);
      expect(await count(`SELECT count(*)::int AS n FROM audit_events WHERE action = 'CREATE' AND object_type = 'Referral' AND $1::uuid = ANY(object_ids)`, [referralId])).toBe(1);
      const replay = await postReferral(w, key, body, 'idem-key-1').expect(201);
      expect(replay.body).toEqual(ok[0].body);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      const other = await postReferral(w, key, referralBody(), 'idem-key-1').expect(422);
      expect(other.body.code).toBe('IDEMPOTENCY_CONFLICT');
      // Another caller's identical key is independent.
      const mine = await postReferral(w, tok('bank.intake'), body, 'idem-key-1').expect(201);
      expect(mine.body.id).not.toBe(referralId);
    });
  });

  describe('break-glass', () => {
    it('opens one case outside the district for an hour, flagged and queued for review', async () => {
      const { caseId, subjectId } = await createCase(w, tok('coord.utrecht'));
      const eem = tok('coord.eemland');
      await request(t.server).get(`/api/v1/cases/${caseId}`).set(bearer(eem)).expect(404);
      // The TOTP at login counted as a fresh second factor; let that window pass.
      t.app.get(Clock).advance(11 * 60_000);
      const noStepUp = await request(t.server).post(`/api/v1/cases/${caseId}/break-glass`).set(bearer(eem)).send({ reason: 'Acute veiligheidszorg, collega onbereikbaar' }).expect(401);
      expect(noStepUp.body.code).toBe('STEP_UP_REQUIRED');
      await request(t.server).post('/api/v1/auth/step-up').set(bearer(eem)).send({ totp: await freshTotp(w, 'coord.eemland') }).expect(200);
      const short = await request(t.server).post(`/api/v1/cases/${caseId}/break-glass`).set(bearer(eem)).send({ reason: 'te kort' }).expect(400);
      expect(short.body.errors[0].code).toBe('TOO_SHORT');
      await request(t.server).post(`/api/v1/cases/${caseId}/break-glass`).set(bearer(tok('police.utrecht'))).send({ reason: 'Acute veiligheidszorg, collega onbereikbaar' }).expect(403);
      const own = await createCase(w, eem, { address: { street: 'Eemweg', houseNumber: '3', postcode: '3811 AA', municipality: 'Amersfoort' } });
      const notNeeded = await request(t.server).post(`/api/v1/cases/${own.caseId}/break-glass`).set(bearer(eem)).send({ reason: 'Acute veiligheidszorg, collega onbereikbaar' }).expect(400);
      expect(notNeeded.body.errors[0].code).toBe('NOT_NEEDED');
      await request(t.server).post(`/api/v1/cases/3b241101-e2bb-4255-8caf-4136c566a962/break-glass`).set(bearer(eem)).send({ reason: 'Acute veiligheidszorg, collega onbereikbaar' }).expect(404);
      const grant = await request(t.server).post(`/api/v1/cases/${caseId}/break-glass`).set(bearer(eem)).send({ reason: 'Acute veiligheidszorg, collega onbereikbaar' }).expect(201);
      expect(new Date(grant.body.expiresAt).getTime() - Date.now()).toBeGreaterThan(59 * 60_000);
      const seen = await request(t.server).get(`/api/v1/cases/${caseId}`).set(bearer(eem)).expect(200);
      expect(seen.body.subject.id).toBe(subjectId);
      const flagged = await db().tx(null, (tx) => tx.query<{ action: string; break_glass: boolean; grant: string }>(`SELECT action, break_glass, break_glass_grant_id AS grant FROM audit_events WHERE break_glass_grant_id = $1 ORDER BY event_seq`, [grant.body.grantId]));
      expect(flagged.map((e) => e.action)).toEqual(['BREAK_GLASS_GRANT', 'READ']);
      expect(flagged.every((e) => e.break_glass)).toBe(true);
      const queue = await request(t.server).get('/api/v1/break-glass/grants?reviewed=false').set(bearer(tok('privacy'))).expect(200);
      expect(queue.body.items.filter((g: { id: string }) => g.id === grant.body.grantId)).toHaveLength(1);
      await request(t.server).get('/api/v1/break-glass/grants').set(bearer(eem)).expect(403);
      await request(t.server).post(`/api/v1/break-glass/grants/${grant.body.grantId}/review`).set(bearer(tok('privacy'))).send({ outcome: 'JUSTIFIED', note: 'Bevestigd met teamleider' }).expect(200);
      await request(t.server).post(`/api/v1/break-glass/grants/${grant.body.grantId}/review`).set(bearer(tok('privacy'))).send({ outcome: 'JUSTIFIED' }).expect(409);
      // An expired grant gives nothing.
      await ownerQuery(w, `UPDATE break_glass_grants SET expires_at = now() - interval '1 minute' WHERE id = $1`, [grant.body.grantId]);
      await request(t.server).get(`/api/v1/cases/${caseId}`).set(bearer(eem)).expect(404);
    });
  });

  it('serves Dutch and English labels', async () => {
    const nl = await request(t.server).get('/api/v1/labels?lang=nl').set(bearer(tok('police.utrecht'))).expect(200);
    expect(nl.body.labels.caseState.UNREACHABLE).toBe('Onbereikbaar');
    const en = await request(t.server).get('/api/v1/labels?lang=en').set(bearer(tok('police.utrecht'))).expect(200);
    expect(en.body.labels.attemptResult.NOT_HOME).toBe('Not home');
    await request(t.server).get('/api/v1/labels?lang=fr').set(bearer(tok('police.utrecht'))).expect(400);
  });
});
