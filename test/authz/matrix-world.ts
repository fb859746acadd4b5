import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { createCase, makeReadyToPlan, move, postReferral, referralBody } from '../factories/referrals.js';
import { conversationBody, planVisit, recordAttempt, recordConversation } from '../factories/visits.js';
import { bearer, login, ownerQuery, type World } from '../factories/world.js';

export const PRINCIPALS = ['admin', 'privacy', 'coordinator', 'police', 'youth', 'referrer', 'researcher', 'apiKey', 'anonymous', 'expired', 'deactivated', 'revokedKey'] as const;
export type Principal = (typeof PRINCIPALS)[number];
export const NEGATIVE: Principal[] = ['anonymous', 'expired', 'deactivated', 'revokedKey'];

const EEMLAND_ADDRESS = { street: 'Eemweg', houseNumber: '7', postcode: '3811 AB', municipality: 'Amersfoort' };

/**
 * The matrix world (access-and-audit.md §6.2): the demo organisations and users, second visitors in
 * Utrecht, and tokens for the twelve principals, including the four that must be refused.
 */
export class MatrixWorld {
  tokens = {} as Record<Principal, string | null>;
  private seq = 0;

  constructor(readonly w: World) {}

  get t() {
    return this.w.t;
  }

  async init(): Promise<void> {
    const w = this.w;
    const admin = await login(w, 'admin');
    const hash = (await ownerQuery<{ h: string }>(w, `SELECT password_hash AS h FROM users WHERE username = 'police.utrecht'`))[0].h;
    for (const [username, role, org] of [
      ['police2.utrecht', 'police_officer', 'police'],
      ['youth2.utrecht', 'youth_worker', 'yw-utrecht'],
      ['coord.gone', 'coordinator', 'prog'],
    ] as const) {
      await ownerQuery(w, `INSERT INTO users (username, display_name, organisation_id, roles, district_ids, password_hash) VALUES ($1, $1, $2, $3, $4, $5)`, [
        username,
        w.orgIds[org],
        [role],
        [w.geography.districtIds.UTRECHT_STAD],
        hash,
      ]);
    }
    const ids = await ownerQuery<{ id: string; username: string }>(w, `SELECT id, username FROM users`);
    for (const u of ids) w.userIds[u.username] = u.id;
    const key = (await request(w.t.server).post('/api/v1/admin/api-keys').set(bearer(admin)).send({ organisationId: w.orgIds['bank-b'], name: 'matrix' }).expect(201)).body;
    const revoked = (await request(w.t.server).post('/api/v1/admin/api-keys').set(bearer(admin)).send({ organisationId: w.orgIds['bank-b'], name: 'revoked' }).expect(201)).body;
    await request(w.t.server).delete(`/api/v1/admin/api-keys/${revoked.id}`).set(bearer(admin)).expect(204);
    const expired = await login(w, 'police2.utrecht');
    await ownerQuery(w, `UPDATE sessions SET last_seen_at = now() - interval '31 minutes' WHERE user_id = $1`, [w.userIds['police2.utrecht']]);
    const gone = await login(w, 'coord.gone');
    await ownerQuery(w, `UPDATE users SET active = false WHERE username = 'coord.gone'`);
    this.tokens = {
      admin,
      privacy: await login(w, 'privacy'),
      coordinator: await login(w, 'coord.utrecht'),
      police: await login(w, 'police.utrecht'),
      youth: await login(w, 'youth.utrecht'),
      referrer: await login(w, 'bank.intake'),
      researcher: await login(w, 'researcher'),
      apiKey: key.key,
      anonymous: null,
      expired,
      deactivated: gone,
      revokedKey: revoked.key,
    };
  }

  // --- fixtures: each call builds a fresh record in the asked relation to the principals ---

  /** A Utrecht case in RECEIVED, not assigned to the visitors. */
  async districtCase() {
    return createCase(this.w, this.tokens.coordinator!);
  }

  /** An Eemland case in RECEIVED: outside coord.utrecht's districts. */
  async otherCase() {
    const eem = await login(this.w, 'coord.eemland');
    return createCase(this.w, eem, { address: EEMLAND_ADDRESS });
  }

  /** A Utrecht case with a planned visit of police.utrecht and youth.utrecht (VISIT_PLANNED). */
  async ownCase(visitors = ['police.utrecht', 'youth.utrecht'], hour = 10 + (this.seq++ % 9)) {
    const c = await createCase(this.w, this.tokens.coordinator!);
    await makeReadyToPlan(this.w, this.tokens.coordinator!, c.caseId);
    const v = await planVisit(this.w, this.tokens.coordinator!, c.caseId, { hour, daysAgo: 1, visitors: visitors.map((u) => this.w.userIds[u]) });
    return { ...c, visitId: v.id, plannedStart: v.plannedStart };
  }

  /** A case whose visit by police.utrecht and youth.utrecht held a conversation, now CONVERSATION_HELD (no conversation recorded yet). */
  async heldCase(visitors = ['police.utrecht', 'youth.utrecht']) {
    const c = await this.ownCase(visitors);
    const recorder = visitors[0] === 'police.utrecht' ? this.tokens.police! : await login(this.w, visitors[0]);
    await recordAttempt(this.w, recorder, c.visitId, { occurredAt: c.plannedStart.toISOString(), result: 'CONVERSATION_HELD', spokeWith: 'SUBJECT' }).expect(201);
    return c;
  }

  /** A case in FOLLOW_UP with one pending follow-up and a proposed care referral. */
  async followUpCase(visitors = ['police.utrecht', 'youth.utrecht']) {
    const c = await this.heldCase(visitors);
    const recorder = visitors[0] === 'police.utrecht' ? this.tokens.police! : await login(this.w, visitors[0]);
    await recordConversation(this.w, recorder, c.visitId, conversationBody()).expect(201);
    const fu = await move(this.w, this.tokens.coordinator!, c.caseId, { to: 'FOLLOW_UP' }).expect(200);
    const care = await request(this.t.server).post(`/api/v1/cases/${c.caseId}/care-referrals`).set(bearer(this.tokens.coordinator!)).send({ type: 'DEBT_SERVICE', providerOrganisationId: this.w.orgIds.debt }).expect(201);
    return { ...c, followUpId: fu.body.followUps[0].id as string, careReferralId: care.body.id as string };
  }

  /** Same as ownCase but in Eemland (its own pair). */
  async otherOwnCase(kind: 'planned' | 'held' | 'followUp' = 'planned') {
    const eem = await login(this.w, 'coord.eemland');
    const c = await createCase(this.w, eem, { address: EEMLAND_ADDRESS });
    await makeReadyToPlan(this.w, eem, c.caseId);
    const v = await planVisit(this.w, eem, c.caseId, { hour: 10 + (this.seq++ % 9), daysAgo: 1, visitors: [this.w.userIds['police.eemland'], this.w.userIds['youth.eemland']] });
    if (kind !== 'planned') {
      const pe = await login(this.w, 'police.eemland');
      await recordAttempt(this.w, pe, v.id, { occurredAt: v.plannedStart.toISOString(), result: 'CONVERSATION_HELD', spokeWith: 'SUBJECT' }).expect(201);
      if (kind === 'followUp') {
        await recordConversation(this.w, pe, v.id, conversationBody()).expect(201);
        const fu = await move(this.w, eem, c.caseId, { to: 'FOLLOW_UP' }).expect(200);
        const care = await request(this.t.server).post(`/api/v1/cases/${c.caseId}/care-referrals`).set(bearer(eem)).send({ type: 'DEBT_SERVICE' }).expect(201);
        return { ...c, visitId: v.id, followUpId: fu.body.followUps[0].id as string, careReferralId: care.body.id as string };
      }
    }
    return { ...c, visitId: v.id, followUpId: randomUUID(), careReferralId: randomUUID() };
  }

  /** An assigned case closed 31 days ago: visitors have lost access, the coordinator has not. */
  async closedCase(kind: 'planned' | 'held' | 'followUp' = 'planned') {
    const c = kind === 'followUp' ? await this.followUpCase() : kind === 'held' ? await this.heldCase() : await this.ownCase();
    const reason = kind === 'followUp' ? 'TRANSFERRED' : 'WITHDRAWN';
    await move(this.w, this.tokens.coordinator!, c.caseId, { to: 'CLOSED', reasonCode: reason }).expect(200);
    await ownerQuery(this.w, `UPDATE cases SET closed_at = now() - interval '31 days' WHERE id = $1`, [c.caseId]);
    return c as typeof c & { followUpId?: string; careReferralId?: string };
  }

  async referral(org: 'bank-a' | 'police-intake') {
    const token = org === 'bank-a' ? this.tokens.referrer! : await login(this.w, 'police.intake');
    const res = await postReferral(this.w, token, referralBody(org === 'bank-a' ? {} : { sourceType: 'POLICE' }, org === 'bank-a' ? {} : { address: EEMLAND_ADDRESS })).expect(201);
    return res.body.id as string;
  }

  /** md5 of the rows a write could change, to prove a refused write changed nothing. */
  async rowHash(sql: string, params: unknown[]): Promise<string> {
    const rows = await ownerQuery<{ h: string }>(this.w, `SELECT md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) AS h FROM (${sql}) x`, params);
    return rows[0].h;
  }
}

export const caseRowsSql = `SELECT row_to_json(c)::text FROM cases c WHERE c.id = $1
  UNION ALL SELECT row_to_json(s)::text FROM subjects s WHERE s.id = (SELECT subject_id FROM cases WHERE id = $1)
  UNION ALL SELECT row_to_json(v)::text FROM visits v WHERE v.case_id = $1
  UNION ALL SELECT row_to_json(a)::text FROM visit_attempts a WHERE a.case_id = $1
  UNION ALL SELECT row_to_json(t)::text FROM case_transitions t WHERE t.case_id = $1
  UNION ALL SELECT row_to_json(r)::text FROM referrals r WHERE r.case_id = $1
  UNION ALL SELECT row_to_json(cv)::text FROM conversations cv WHERE cv.case_id = $1
  UNION ALL SELECT row_to_json(cr)::text FROM care_referrals cr WHERE cr.case_id = $1
  UNION ALL SELECT row_to_json(f)::text FROM follow_up_contacts f WHERE f.case_id = $1
  UNION ALL SELECT row_to_json(g)::text FROM break_glass_grants g WHERE g.case_id = $1`;
