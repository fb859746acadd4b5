import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { freshTotp, login, ownerQuery } from '../factories/world.js';
import { referralBody } from '../factories/referrals.js';
import { insertProject, insertSyntheticRelease, type SyntheticRelease } from '../factories/research.js';
import { localTime } from '../factories/visits.js';
import { caseRowsSql, MatrixWorld, NEGATIVE, PRINCIPALS, type Principal } from './matrix-world.js';

export type Ids = Record<string, string>;
export type Expect = number | Record<string, number>;

export interface Operation {
  /** Method and route template, exactly as registered (checked against the route inventory). */
  route: string;
  /** Record relations this operation is checked in; `-` for collection routes. */
  rels: readonly string[];
  fixture?: (mw: MatrixWorld, rel: string) => Promise<Ids>;
  request: (ids: Ids, p: Principal, mw: MatrixWorld) => Promise<{ path: string; body?: unknown; headers?: Record<string, string>; token?: string | null }> | { path: string; body?: unknown; headers?: Record<string, string>; token?: string | null };
  /** The write can change rows: allowed cells get a fresh fixture, refused ones must leave these rows unchanged. */
  rows?: (ids: Ids) => [string, unknown[]];
  before?: (mw: MatrixWorld, p: Principal) => Promise<void>;
  /** Every principal except the four negatives (always 401) must be listed: an unspecified cell fails. */
  expect: Partial<Record<Principal, Expect>>;
}

const CASE_RELS = ['own', 'district', 'other', 'closed', 'none'] as const;
const NONE = () => randomUUID();
const version = async (mw: MatrixWorld, table: string, id: string) => String((await ownerQuery<{ v: number }>(mw.w, `SELECT version AS v FROM ${table} WHERE id = $1`, [id]))[0]?.v ?? 1);
const NOT_CASE_ROLES = { admin: 403, privacy: 403, referrer: 403, researcher: 403, apiKey: 403 } as const;
const COORD_CASE = { own: 200, district: 200, other: 404, closed: 200, none: 404 };
const VISITOR_CASE = { own: 200, district: 404, other: 404, closed: 404, none: 404 };
const ALL_USERS_200 = { admin: 200, privacy: 200, coordinator: 200, police: 200, youth: 200, referrer: 200, researcher: 200 } as const;
const ONLY = (who: Principal, status: Expect): Partial<Record<Principal, Expect>> =>
  Object.fromEntries(PRINCIPALS.filter((p) => !NEGATIVE.includes(p)).map((p) => [p, p === who ? status : 403]));

/** Case-level fixtures by relation. `kind` picks how far the case has come. */
function caseFixture(kind: 'planned' | 'held' | 'followUp' | 'received' | 'ready') {
  return async (mw: MatrixWorld, rel: string): Promise<Ids> => {
    if (rel === 'none') return { caseId: NONE(), subjectId: NONE(), visitId: NONE(), followUpId: NONE(), careReferralId: NONE() };
    if (kind === 'received' || kind === 'ready') {
      const c = rel === 'other' ? await mw.otherCase() : rel === 'closed' ? await mw.closedCase('planned') : await mw.districtCase();
      if (kind === 'ready' && rel !== 'other' && rel !== 'closed') {
        const { makeReadyToPlan } = await import('../factories/referrals.js');
        await makeReadyToPlan(mw.w, mw.tokens.coordinator!, c.caseId);
      }
      return c as unknown as Ids;
    }
    if (rel === 'other') return (await mw.otherOwnCase(kind)) as unknown as Ids;
    if (rel === 'closed') return (await mw.closedCase(kind)) as unknown as Ids;
    const visitors = rel === 'own' ? ['police.utrecht', 'youth.utrecht'] : ['police2.utrecht', 'youth2.utrecht'];
    const c = kind === 'followUp' ? await mw.followUpCase(visitors) : kind === 'held' ? await mw.heldCase(visitors) : await mw.ownCase(visitors);
    return c as unknown as Ids;
  };
}

const caseRows = (ids: Ids): [string, unknown[]] => [caseRowsSql, [ids.caseId]];

// --- research fixtures ---
const PROJECT_RELS = ['member', 'other', 'none'] as const;
const RESEARCH_NONE = { admin: 403, police: 403, youth: 403, referrer: 403, apiKey: 403 } as const;
const ANY_PROJECT = { member: 200, other: 200, none: 404 };
const MEMBER_PROJECT = { member: 200, other: 404, none: 404 };
const projectRows = (ids: Ids): [string, unknown[]] => [`SELECT row_to_json(p)::text FROM research_projects p WHERE id = $1`, [ids.projectId]];
const releases = new WeakMap<MatrixWorld, Promise<SyntheticRelease>>();
let matrixCutoffYear = 2000;
/** Distinct quarter-end cutoffs for releases built in the matrix (release codes are unique). */
const nextMatrixCutoff = () => `${matrixCutoffYear++}-12-31`;

/**
 * The authorization matrix (AZ-01): every operation × the twelve principals × record relation, with
 * the exact status. Later capabilities add their operations here.
 */
export const OPERATIONS: Operation[] = [
  // --- account ---
  { route: 'GET /api/v1/auth/me', rels: ['-'], request: () => ({ path: '/api/v1/auth/me' }), expect: { ...ALL_USERS_200, apiKey: 403 } },
  {
    route: 'POST /api/v1/auth/logout',
    rels: ['-'],
    request: async (_ids, p, mw) => ({ path: '/api/v1/auth/logout', token: ['apiKey'].includes(p) ? mw.tokens[p] : await freshSession(mw, p) }),
    expect: { admin: 204, privacy: 204, coordinator: 204, police: 204, youth: 204, referrer: 204, researcher: 204, apiKey: 403 },
  },
  {
    route: 'POST /api/v1/auth/mfa/enroll',
    rels: ['-'],
    request: () => ({ path: '/api/v1/auth/mfa/enroll' }),
    expect: { admin: 409, privacy: 409, coordinator: 409, researcher: 409, police: 200, youth: 200, referrer: 200, apiKey: 403 },
  },
  { route: 'POST /api/v1/auth/mfa/activate', rels: ['-'], request: () => ({ path: '/api/v1/auth/mfa/activate', body: {} }), expect: { ...mapAll(400), apiKey: 403 } },
  {
    route: 'POST /api/v1/auth/step-up',
    rels: ['-'],
    request: () => ({ path: '/api/v1/auth/step-up', body: { totp: '000000' } }),
    expect: { admin: 401, privacy: 401, coordinator: 401, researcher: 401, police: 409, youth: 409, referrer: 409, apiKey: 403 },
  },
  // --- reference data and administration ---
  { route: 'GET /api/v1/labels', rels: ['-'], request: () => ({ path: '/api/v1/labels?lang=en' }), expect: { ...ALL_USERS_200, apiKey: 200 } },
  { route: 'GET /api/v1/organisations', rels: ['-'], request: () => ({ path: '/api/v1/organisations' }), expect: { ...ALL_USERS_200, apiKey: 200 } },
  { route: 'GET /api/v1/districts', rels: ['-'], request: () => ({ path: '/api/v1/districts' }), expect: { ...ALL_USERS_200, apiKey: 200 } },
  { route: 'GET /api/v1/users', rels: ['-'], request: () => ({ path: '/api/v1/users' }), expect: { ...ALL_USERS_200, apiKey: 403 } },
  {
    route: 'GET /api/v1/users/:id',
    rels: ['visitor', 'none'],
    fixture: async (mw, rel) => ({ id: rel === 'none' ? NONE() : mw.w.userIds['police.utrecht'] }),
    request: (ids) => ({ path: `/api/v1/users/${ids.id}` }),
    expect: {
      admin: { visitor: 200, none: 404 },
      privacy: { visitor: 200, none: 404 },
      coordinator: { visitor: 200, none: 404 },
      police: { visitor: 200, none: 404 },
      youth: { visitor: 404, none: 404 },
      referrer: { visitor: 404, none: 404 },
      researcher: { visitor: 404, none: 404 },
      apiKey: 403,
    },
  },
  { route: 'GET /api/v1/admin/users', rels: ['-'], request: () => ({ path: '/api/v1/admin/users' }), expect: ONLY('admin', 200) },
  {
    route: 'POST /api/v1/admin/users',
    rels: ['-'],
    request: (_ids, _p, mw) => ({
      path: '/api/v1/admin/users',
      body: { username: `u${randomUUID().slice(0, 8)}`, displayName: 'Matrix user', organisationId: mw.w.orgIds['yw-utrecht'], roles: ['youth_worker'], districtIds: [mw.w.geography.districtIds.UTRECHT_STAD], password: 'a-long-enough-matrix-passphrase' },
    }),
    rows: () => [`SELECT username FROM users`, []],
    expect: ONLY('admin', 201),
  },
  {
    route: 'PATCH /api/v1/admin/users/:id',
    rels: ['user'],
    fixture: async (mw) => ({ id: await freshUser(mw) }),
    request: async (ids, _p, mw) => ({ path: `/api/v1/admin/users/${ids.id}`, body: { displayName: 'Renamed' }, headers: { 'If-Match': `"${await version(mw, 'users', ids.id)}"` } }),
    rows: (ids) => [`SELECT row_to_json(u)::text FROM users u WHERE id = $1`, [ids.id]],
    expect: ONLY('admin', 200),
  },
  {
    route: 'POST /api/v1/admin/users/:id/revoke-sessions',
    rels: ['user'],
    fixture: async (mw) => ({ id: await freshUser(mw) }),
    request: (ids) => ({ path: `/api/v1/admin/users/${ids.id}/revoke-sessions` }),
    expect: ONLY('admin', 200),
  },
  { route: 'GET /api/v1/admin/organisations', rels: ['-'], request: () => ({ path: '/api/v1/admin/organisations' }), expect: ONLY('admin', 200) },
  {
    route: 'POST /api/v1/admin/organisations',
    rels: ['-'],
    request: () => ({ path: '/api/v1/admin/organisations', body: { name: `Org ${randomUUID().slice(0, 6)}`, type: 'CARE_PROVIDER' } }),
    rows: () => [`SELECT name FROM organisations`, []],
    expect: ONLY('admin', 201),
  },
  {
    route: 'PATCH /api/v1/admin/organisations/:id',
    rels: ['org'],
    fixture: async (mw) => ({ id: mw.w.orgIds.debt }),
    request: async (ids, _p, mw) => ({ path: `/api/v1/admin/organisations/${ids.id}`, body: { covenantVersion: 'v2' }, headers: { 'If-Match': `"${await version(mw, 'organisations', ids.id)}"` } }),
    rows: (ids) => [`SELECT row_to_json(o)::text FROM organisations o WHERE id = $1`, [ids.id]],
    expect: ONLY('admin', 200),
  },
  { route: 'GET /api/v1/admin/districts', rels: ['-'], request: () => ({ path: '/api/v1/admin/districts' }), expect: ONLY('admin', 200) },
  {
    route: 'POST /api/v1/admin/api-keys',
    rels: ['-'],
    request: (_ids, _p, mw) => ({ path: '/api/v1/admin/api-keys', body: { organisationId: mw.w.orgIds['bank-b'], name: 'matrix' } }),
    rows: () => [`SELECT id FROM api_keys`, []],
    expect: ONLY('admin', 201),
  },
  { route: 'GET /api/v1/admin/api-keys', rels: ['-'], request: () => ({ path: '/api/v1/admin/api-keys' }), expect: ONLY('admin', 200) },
  {
    route: 'DELETE /api/v1/admin/api-keys/:id',
    rels: ['key', 'none'],
    fixture: async (mw, rel) => {
      if (rel === 'none') return { id: NONE() };
      const id = (await ownerQuery<{ id: string }>(mw.w, `INSERT INTO api_keys (key_id, secret_sha256, organisation_id, name, expires_at) VALUES ($1, '\\x00', $2, 'm', now() + interval '1 day') RETURNING id`, [randomUUID().replace(/-/g, '').slice(0, 16), mw.w.orgIds['bank-b']]))[0].id;
      return { id };
    },
    request: (ids) => ({ path: `/api/v1/admin/api-keys/${ids.id}` }),
    rows: (ids) => [`SELECT row_to_json(k)::text FROM api_keys k WHERE id = $1`, [ids.id]],
    expect: { ...ONLY('admin', 0), admin: { key: 204, none: 404 } },
  },
  // --- referrals ---
  {
    route: 'POST /api/v1/referrals',
    rels: ['-'],
    request: () => ({ path: '/api/v1/referrals', body: referralBody(), headers: { 'Idempotency-Key': randomUUID() } }),
    rows: () => [`SELECT id FROM referrals`, []],
    expect: { coordinator: 201, referrer: 201, apiKey: 201, police: 403, youth: 403, admin: 403, privacy: 403, researcher: 403 },
  },
  { route: 'GET /api/v1/referrals', rels: ['-'], request: () => ({ path: '/api/v1/referrals' }), expect: { coordinator: 200, referrer: 200, apiKey: 200, police: 200, youth: 200, admin: 403, privacy: 403, researcher: 403 } },
  {
    route: 'GET /api/v1/referrals/:id',
    rels: ['ownOrg', 'otherOrg', 'none'],
    fixture: async (mw, rel) => ({ id: rel === 'none' ? NONE() : await mw.referral(rel === 'ownOrg' ? 'bank-a' : 'police-intake') }),
    request: (ids) => ({ path: `/api/v1/referrals/${ids.id}` }),
    expect: {
      referrer: { ownOrg: 200, otherOrg: 404, none: 404 },
      apiKey: { ownOrg: 404, otherOrg: 404, none: 404 },
      coordinator: { ownOrg: 200, otherOrg: 404, none: 404 },
      police: { ownOrg: 404, otherOrg: 404, none: 404 },
      youth: { ownOrg: 404, otherOrg: 404, none: 404 },
      admin: 403,
      privacy: 403,
      researcher: 403,
    },
  },
  {
    route: 'POST /api/v1/referrals/:id/decision',
    rels: ['district', 'other', 'none'],
    fixture: async (mw, rel) => ({ id: rel === 'none' ? NONE() : await signal(mw, rel) }),
    request: async (ids, _p, mw) => ({ path: `/api/v1/referrals/${ids.id}/decision`, body: { decision: 'ACCEPTED' }, headers: { 'If-Match': `"${await version(mw, 'referrals', ids.id)}"` } }),
    rows: (ids) => [`SELECT row_to_json(r)::text FROM referrals r WHERE id = $1`, [ids.id]],
    expect: { coordinator: { district: 200, other: 404, none: 404 }, police: 403, youth: 403, referrer: 403, apiKey: 403, admin: 403, privacy: 403, researcher: 403 },
  },
  // --- cases ---
  { route: 'GET /api/v1/cases', rels: ['-'], request: () => ({ path: '/api/v1/cases' }), expect: { coordinator: 200, police: 200, youth: 200, ...NOT_CASE_ROLES } },
  {
    route: 'GET /api/v1/cases/:id',
    rels: CASE_RELS,
    fixture: caseFixture('planned'),
    request: (ids) => ({ path: `/api/v1/cases/${ids.caseId}` }),
    expect: { coordinator: COORD_CASE, police: VISITOR_CASE, youth: VISITOR_CASE, ...NOT_CASE_ROLES },
  },
  {
    route: 'PATCH /api/v1/cases/:id',
    rels: CASE_RELS,
    fixture: caseFixture('planned'),
    request: async (ids, _p, mw) => ({ path: `/api/v1/cases/${ids.caseId}`, body: { priority: 'HIGH' }, headers: { 'If-Match': `"${await version(mw, 'cases', ids.caseId)}"` } }),
    rows: caseRows,
    expect: { coordinator: COORD_CASE, police: 403, youth: 403, ...NOT_CASE_ROLES },
  },
  {
    route: 'POST /api/v1/cases/:id/transitions',
    rels: CASE_RELS,
    fixture: caseFixture('planned'),
    request: async (ids, _p, mw) => ({ path: `/api/v1/cases/${ids.caseId}/transitions`, body: { to: 'CLOSED', reasonCode: 'WITHDRAWN' }, headers: { 'If-Match': `"${await version(mw, 'cases', ids.caseId)}"` } }),
    rows: caseRows,
    expect: { coordinator: { ...COORD_CASE, closed: 409 }, police: 403, youth: 403, ...NOT_CASE_ROLES },
  },
  {
    route: 'POST /api/v1/cases/:id/break-glass',
    rels: CASE_RELS,
    fixture: caseFixture('planned'),
    before: async (mw, p) => {
      if (p === 'coordinator') await request(mw.t.server).post('/api/v1/auth/step-up').set('Authorization', `Bearer ${mw.tokens.coordinator}`).send({ totp: await freshTotp(mw.w, 'coord.utrecht') }).expect(200);
    },
    request: (ids) => ({ path: `/api/v1/cases/${ids.caseId}/break-glass`, body: { reason: 'Matrix: acute zorg, collega onbereikbaar' } }),
    rows: caseRows,
    expect: { coordinator: { own: 400, district: 400, other: 201, closed: 400, none: 404 }, police: 403, youth: 403, ...NOT_CASE_ROLES },
  },
  // --- subjects ---
  {
    route: 'GET /api/v1/subjects/:id',
    rels: CASE_RELS,
    fixture: caseFixture('planned'),
    request: (ids) => ({ path: `/api/v1/subjects/${ids.subjectId}` }),
    expect: { coordinator: COORD_CASE, police: VISITOR_CASE, youth: VISITOR_CASE, ...NOT_CASE_ROLES },
  },
  {
    route: 'PATCH /api/v1/subjects/:id',
    rels: CASE_RELS,
    fixture: caseFixture('planned'),
    request: async (ids, _p, mw) => ({ path: `/api/v1/subjects/${ids.subjectId}`, body: { phone: '0612121212' }, headers: { 'If-Match': `"${await version(mw, 'subjects', ids.subjectId)}"` } }),
    rows: caseRows,
    expect: { coordinator: COORD_CASE, police: 403, youth: 403, ...NOT_CASE_ROLES },
  },
  {
    route: 'POST /api/v1/subjects/:id/confirm-distinct',
    rels: ['district', 'other', 'none'],
    fixture: async (mw, rel) => (rel === 'none' ? { subjectId: NONE(), intoId: NONE() } : possibleDuplicate(mw, rel)),
    request: async (ids, _p, mw) => ({ path: `/api/v1/subjects/${ids.subjectId}/confirm-distinct`, headers: { 'If-Match': `"${await version(mw, 'subjects', ids.subjectId)}"` } }),
    rows: (ids) => [`SELECT row_to_json(s)::text FROM subjects s WHERE id = $1`, [ids.subjectId]],
    expect: { coordinator: { district: 200, other: 404, none: 404 }, police: 403, youth: 403, ...NOT_CASE_ROLES },
  },
  {
    route: 'POST /api/v1/subjects/:id/merge',
    rels: ['district', 'other', 'none'],
    fixture: async (mw, rel) => (rel === 'none' ? { subjectId: NONE(), intoId: NONE() } : possibleDuplicate(mw, rel)),
    request: (ids) => ({ path: `/api/v1/subjects/${ids.subjectId}/merge`, body: { intoSubjectId: ids.intoId } }),
    rows: (ids) => [`SELECT row_to_json(s)::text FROM subjects s WHERE id IN ($1, $2)`, [ids.subjectId, ids.intoId]],
    expect: { coordinator: { district: 200, other: 404, none: 404 }, police: 403, youth: 403, ...NOT_CASE_ROLES },
  },
  // --- visits and what happens at the door ---
  {
    route: 'POST /api/v1/cases/:id/visits',
    rels: ['district', 'other', 'closed', 'none'],
    fixture: caseFixture('ready'),
    request: (ids, _p, mw) => ({
      path: `/api/v1/cases/${ids.caseId}/visits`,
      body: { plannedStart: localTime(3, 11).toISOString(), plannedEnd: localTime(3, 12).toISOString(), visitorIds: [mw.w.userIds['police.utrecht'], mw.w.userIds['youth.utrecht']] },
    }),
    rows: caseRows,
    expect: { coordinator: { district: 201, other: 404, closed: 409, none: 404 }, police: 403, youth: 403, ...NOT_CASE_ROLES },
  },
  { route: 'GET /api/v1/visits', rels: ['-'], request: () => ({ path: '/api/v1/visits' }), expect: { coordinator: 200, police: 200, youth: 200, ...NOT_CASE_ROLES } },
  {
    route: 'PATCH /api/v1/visits/:id',
    rels: CASE_RELS,
    fixture: caseFixture('planned'),
    request: async (ids, _p, mw) => ({ path: `/api/v1/visits/${ids.visitId}`, body: { safetyNotes: 'Matrix' }, headers: { 'If-Match': `"${await version(mw, 'visits', ids.visitId)}"` } }),
    rows: caseRows,
    expect: { coordinator: { ...COORD_CASE, closed: 409 }, police: 403, youth: 403, ...NOT_CASE_ROLES },
  },
  {
    route: 'POST /api/v1/visits/:id/attempts',
    rels: CASE_RELS,
    fixture: caseFixture('planned'),
    request: async (ids, p, mw) => ({
      path: `/api/v1/visits/${ids.visitId}/attempts`,
      headers: { 'Idempotency-Key': randomUUID() },
      body: { occurredAt: new Date(Date.now() - 60_000).toISOString(), result: 'NOT_HOME', cardLeft: true, spokeWith: 'NONE', ...(p === 'coordinator' ? { onBehalfOfUserId: await visitorOf(mw, ids.visitId) } : {}) },
    }),
    rows: caseRows,
    expect: { coordinator: { own: 201, district: 201, other: 404, closed: 409, none: 404 }, police: { ...VISITOR_CASE, own: 201 }, youth: { ...VISITOR_CASE, own: 201 }, ...NOT_CASE_ROLES },
  },
  {
    route: 'POST /api/v1/visits/:id/conversation',
    rels: CASE_RELS,
    fixture: caseFixture('held'),
    request: async (ids, p, mw) => ({
      path: `/api/v1/visits/${ids.visitId}/conversation`,
      headers: { 'Idempotency-Key': randomUUID() },
      body: {
        location: 'DOORSTEP',
        parentPresent: true,
        topicsCovered: ['HOW_TO_SAY_NO'],
        subjectAcknowledgesInvolvement: 'YES',
        consentFollowUpContact: { given: true, givenBy: 'SUBJECT' },
        ...(p === 'coordinator' ? { onBehalfOfUserId: await visitorOf(mw, ids.visitId) } : {}),
      },
    }),
    rows: caseRows,
    expect: { coordinator: { own: 201, district: 201, other: 404, closed: 409, none: 404 }, police: { ...VISITOR_CASE, own: 201 }, youth: { ...VISITOR_CASE, own: 201 }, ...NOT_CASE_ROLES },
  },
  {
    route: 'GET /api/v1/visits/:id/conversation',
    rels: CASE_RELS,
    fixture: caseFixture('followUp'),
    request: (ids) => ({ path: `/api/v1/visits/${ids.visitId}/conversation` }),
    expect: { coordinator: COORD_CASE, police: VISITOR_CASE, youth: VISITOR_CASE, ...NOT_CASE_ROLES },
  },
  // --- follow-up care ---
  {
    route: 'POST /api/v1/cases/:id/care-referrals',
    rels: CASE_RELS,
    fixture: caseFixture('followUp'),
    request: (ids) => ({ path: `/api/v1/cases/${ids.caseId}/care-referrals`, body: { type: 'OTHER' } }),
    rows: caseRows,
    expect: { coordinator: { own: 201, district: 201, other: 404, closed: 409, none: 404 }, youth: { ...VISITOR_CASE, own: 201 }, police: 403, ...NOT_CASE_ROLES },
  },
  {
    route: 'PATCH /api/v1/care-referrals/:id',
    rels: CASE_RELS,
    fixture: caseFixture('followUp'),
    request: async (ids, _p, mw) => ({ path: `/api/v1/care-referrals/${ids.careReferralId}`, body: { status: 'ACCEPTED_BY_SUBJECT' }, headers: { 'If-Match': `"${await version(mw, 'care_referrals', ids.careReferralId)}"` } }),
    rows: caseRows,
    expect: { coordinator: { ...COORD_CASE, closed: 409 }, youth: VISITOR_CASE, police: 403, ...NOT_CASE_ROLES },
  },
  {
    route: 'POST /api/v1/cases/:id/follow-ups',
    rels: CASE_RELS,
    fixture: caseFixture('followUp'),
    request: (ids) => ({ path: `/api/v1/cases/${ids.caseId}/follow-ups`, body: { dueAt: new Date(Date.now() + 30 * 86_400_000).toISOString() } }),
    rows: caseRows,
    expect: { coordinator: { own: 201, district: 201, other: 404, closed: 409, none: 404 }, police: 403, youth: 403, ...NOT_CASE_ROLES },
  },
  {
    route: 'PATCH /api/v1/follow-ups/:id',
    rels: CASE_RELS,
    fixture: caseFixture('followUp'),
    request: async (ids, _p, mw) => ({ path: `/api/v1/follow-ups/${ids.followUpId}`, body: { awarenessNow: 3 }, headers: { 'If-Match': `"${await version(mw, 'follow_up_contacts', ids.followUpId)}"` } }),
    rows: caseRows,
    expect: { coordinator: { ...COORD_CASE, closed: 409 }, youth: VISITOR_CASE, police: 403, ...NOT_CASE_ROLES },
  },
  { route: 'GET /api/v1/follow-ups', rels: ['-'], request: () => ({ path: '/api/v1/follow-ups?due=all' }), expect: { coordinator: 200, police: 200, youth: 200, ...NOT_CASE_ROLES } },
  // --- accountability ---
  { route: 'GET /api/v1/break-glass/grants', rels: ['-'], request: () => ({ path: '/api/v1/break-glass/grants?reviewed=false' }), expect: ONLY('privacy', 200) },
  {
    route: 'POST /api/v1/break-glass/grants/:id/review',
    rels: ['grant', 'none'],
    fixture: async (mw, rel) => ({ id: rel === 'none' ? NONE() : await grant(mw) }),
    request: (ids) => ({ path: `/api/v1/break-glass/grants/${ids.id}/review`, body: { outcome: 'JUSTIFIED' } }),
    rows: (ids) => [`SELECT row_to_json(g)::text FROM break_glass_grants g WHERE id = $1`, [ids.id]],
    expect: { ...ONLY('privacy', 0), privacy: { grant: 200, none: 404 } },
  },
  { route: 'GET /api/v1/audit/events', rels: ['-'], request: () => ({ path: '/api/v1/audit/events?limit=5' }), expect: ONLY('privacy', 200) },
  { route: 'GET /api/v1/audit/verify', rels: ['-'], request: () => ({ path: '/api/v1/audit/verify' }), expect: ONLY('privacy', 200) },
  {
    route: 'GET /api/v1/subjects/:id/access-log',
    rels: ['district', 'none'],
    fixture: async (mw, rel) => (rel === 'none' ? { subjectId: NONE() } : ((await mw.districtCase()) as unknown as Ids)),
    request: (ids) => ({ path: `/api/v1/subjects/${ids.subjectId}/access-log` }),
    expect: { ...ONLY('privacy', 0), privacy: { district: 200, none: 404 } },
  },
  // --- research ---
  { route: 'GET /api/v1/research/projects', rels: ['-'], request: () => ({ path: '/api/v1/research/projects' }), expect: { ...RESEARCH_NONE, coordinator: 200, privacy: 200, researcher: 200 } },
  {
    route: 'POST /api/v1/research/projects',
    rels: ['-'],
    request: (_ids, _p, mw) => ({
      path: '/api/v1/research/projects',
      body: { title: 'Matrix', dacReference: 'DAC-M', purpose: 'Matrix', legalRoute: 'CONSENT', modes: ['sdc'], members: [{ userId: mw.w.userIds.researcher, confidentialitySignedOn: '2026-01-01' }] },
    }),
    expect: { ...RESEARCH_NONE, coordinator: 201, privacy: 201, researcher: 403 },
  },
  {
    route: 'GET /api/v1/research/projects/:id',
    rels: PROJECT_RELS,
    fixture: projectFixture(),
    request: (ids) => ({ path: `/api/v1/research/projects/${ids.projectId}` }),
    expect: { ...RESEARCH_NONE, coordinator: ANY_PROJECT, privacy: ANY_PROJECT, researcher: MEMBER_PROJECT },
  },
  {
    route: 'PATCH /api/v1/research/projects/:id',
    rels: ['member', 'none'],
    fixture: projectFixture(),
    rows: projectRows,
    request: (ids) => ({ path: `/api/v1/research/projects/${ids.projectId}`, body: { title: 'Matrix renamed' }, headers: { 'If-Match': '"1"' } }),
    expect: { ...RESEARCH_NONE, coordinator: { member: 403, none: 404 }, privacy: { member: 200, none: 404 }, researcher: 403 },
  },
  ...(['approve', 'suspend', 'close'] as const).map(
    (verb): Operation => ({
      route: `POST /api/v1/research/projects/:id/${verb}`,
      rels: ['member', 'none'],
      fixture: projectFixture(verb === 'approve' ? 'DRAFT' : 'APPROVED'),
      rows: projectRows,
      request: (ids) => ({ path: `/api/v1/research/projects/${ids.projectId}/${verb}`, headers: { 'If-Match': '"1"' } }),
      expect: { ...RESEARCH_NONE, coordinator: 403, researcher: 403, privacy: { member: 200, none: 404 } },
    }),
  ),
  {
    route: 'POST /api/v1/research/releases',
    rels: ['-'],
    request: (_ids, p) => ({ path: '/api/v1/research/releases', body: { cutoff: p === 'privacy' ? '2019-09-30' : '2019-12-31' } }),
    expect: { ...RESEARCH_NONE, coordinator: 202, privacy: 202, researcher: 403 },
  },
  { route: 'GET /api/v1/research/releases', rels: ['-'], request: () => ({ path: '/api/v1/research/releases' }), expect: { ...RESEARCH_NONE, coordinator: 200, privacy: 200, researcher: 403 } },
  {
    route: 'GET /api/v1/research/releases/:id',
    rels: ['published', 'none'],
    fixture: async (mw, rel) => ({ releaseId: rel === 'none' ? NONE() : (await matrixRelease(mw)).id }),
    request: (ids) => ({ path: `/api/v1/research/releases/${ids.releaseId}` }),
    expect: { ...RESEARCH_NONE, coordinator: { published: 200, none: 404 }, privacy: { published: 200, none: 404 }, researcher: 403 },
  },
  {
    route: 'POST /api/v1/research/releases/:id/publish',
    rels: ['built', 'none'],
    fixture: async (mw, rel) => ({ releaseId: rel === 'none' ? NONE() : (await insertSyntheticRelease(mw.w, { persons: 200, status: 'BUILT', cutoff: nextMatrixCutoff() })).id }),
    rows: (ids) => [`SELECT row_to_json(r)::text FROM research_releases r WHERE id = $1`, [ids.releaseId]],
    request: (ids) => ({ path: `/api/v1/research/releases/${ids.releaseId}/publish`, headers: { 'If-Match': '"1"' } }),
    expect: { ...RESEARCH_NONE, coordinator: 403, researcher: 403, privacy: { built: 200, none: 404 } },
  },
  {
    route: 'GET /api/v1/research/projects/:id/releases',
    rels: PROJECT_RELS,
    fixture: projectFixture(),
    request: (ids) => ({ path: `/api/v1/research/projects/${ids.projectId}/releases` }),
    expect: { ...RESEARCH_NONE, coordinator: ANY_PROJECT, privacy: ANY_PROJECT, researcher: MEMBER_PROJECT },
  },
  {
    route: 'GET /api/v1/research/projects/:projectId/releases/:releaseId/registry',
    rels: ['member', 'other'],
    fixture: projectReleaseFixture,
    request: (ids) => ({ path: `/api/v1/research/projects/${ids.projectId}/releases/${ids.releaseId}/registry` }),
    expect: { ...RESEARCH_NONE, coordinator: 404, privacy: 404, researcher: { member: 200, other: 404 } },
  },
  {
    route: 'POST /api/v1/research/projects/:projectId/releases/:releaseId/tables',
    rels: ['member', 'other'],
    fixture: projectReleaseFixture,
    request: (ids) => ({ path: `/api/v1/research/projects/${ids.projectId}/releases/${ids.releaseId}/tables`, body: { measure: 'persons', dimensions: [{ name: 'age', level: 0 }, { name: 'geo', level: 0 }] } }),
    expect: { ...RESEARCH_NONE, coordinator: 403, privacy: 403, researcher: { member: 422, other: 404 } },
  },
  {
    route: 'GET /api/v1/research/projects/:projectId/releases/:releaseId/tables/:tableId',
    rels: ['member', 'other'],
    fixture: projectReleaseFixture,
    request: (ids) => ({ path: `/api/v1/research/projects/${ids.projectId}/releases/${ids.releaseId}/tables/${NONE()}` }),
    expect: { ...RESEARCH_NONE, coordinator: 403, privacy: 403, researcher: 404 },
  },
  {
    route: 'POST /api/v1/research/projects/:projectId/releases/:releaseId/exports',
    rels: ['member', 'other'],
    fixture: projectReleaseFixture,
    before: researcherStepUp,
    request: (ids) => ({ path: `/api/v1/research/projects/${ids.projectId}/releases/${ids.releaseId}/exports`, body: { columns: ['age', 'sex', 'outcome'], linkageScope: 'export' } }),
    expect: { ...RESEARCH_NONE, coordinator: 403, privacy: 403, researcher: { member: 202, other: 404 } },
  },
  ...(['', '/codebook', '/file'] as const).map(
    (suffix): Operation => ({
      route: `GET /api/v1/research/exports/:id${suffix}`,
      rels: ['member', 'other', 'none'],
      fixture: exportFixture,
      before: suffix === '/file' ? researcherStepUp : undefined,
      request: (ids) => ({ path: `/api/v1/research/exports/${ids.exportId}${suffix}` }),
      expect: { ...RESEARCH_NONE, coordinator: 403, privacy: 403, researcher: { member: suffix === '' ? 200 : 409, other: 404, none: 404 } },
    }),
  ),
  { route: 'GET /api/v1/research/signing-keys', rels: ['-'], request: () => ({ path: '/api/v1/research/signing-keys' }), expect: { ...RESEARCH_NONE, coordinator: 200, privacy: 200, researcher: 200 } },
  {
    route: 'GET /api/v1/research/indicators',
    rels: ['-'],
    before: async (mw) => void (await matrixRelease(mw)),
    request: () => ({ path: '/api/v1/research/indicators' }),
    expect: { ...RESEARCH_NONE, coordinator: 200, privacy: 200, researcher: 403 },
  },
  { route: 'GET /api/v1/research/registers/tables', rels: ['-'], request: () => ({ path: '/api/v1/research/registers/tables' }), expect: ONLY('privacy', 200) },
  { route: 'GET /api/v1/research/registers/exports', rels: ['-'], request: () => ({ path: '/api/v1/research/registers/exports' }), expect: ONLY('privacy', 200) },
];

function mapAll(status: number): Partial<Record<Principal, number>> {
  return { admin: status, privacy: status, coordinator: status, police: status, youth: status, referrer: status, researcher: status };
}

const USERNAMES: Partial<Record<Principal, string>> = {
  admin: 'admin',
  privacy: 'privacy',
  coordinator: 'coord.utrecht',
  police: 'police.utrecht',
  youth: 'youth.utrecht',
  referrer: 'bank.intake',
  researcher: 'researcher',
};

async function freshSession(mw: MatrixWorld, p: Principal): Promise<string | null> {
  const u = USERNAMES[p];
  return u ? login(mw.w, u) : mw.tokens[p];
}

async function freshUser(mw: MatrixWorld): Promise<string> {
  const hash = (await ownerQuery<{ h: string }>(mw.w, `SELECT password_hash AS h FROM users WHERE username = 'police.utrecht'`))[0].h;
  return (await ownerQuery<{ id: string }>(mw.w, `INSERT INTO users (username, display_name, organisation_id, roles, district_ids, password_hash) VALUES ($1, 'x', $2, '{youth_worker}', '{}', $3) RETURNING id`, [`m${randomUUID().slice(0, 8)}`, mw.w.orgIds['yw-utrecht'], hash]))[0].id;
}

async function visitorOf(mw: MatrixWorld, visitId: string): Promise<string> {
  return (await ownerQuery<{ id: string }>(mw.w, `SELECT user_id AS id FROM visit_visitors WHERE visit_id = $1 ORDER BY role LIMIT 1`, [visitId]))[0]?.id ?? randomUUID();
}

/** A second signal that joined an open case (undecided). */
async function signal(mw: MatrixWorld, rel: string): Promise<string> {
  const c = rel === 'other' ? await mw.otherCase() : await mw.districtCase();
  const subject = (await ownerQuery<Record<string, string>>(mw.w, `SELECT given_names AS g, family_name AS f, date_of_birth::text AS d FROM subjects WHERE id = $1`, [c.subjectId]))[0];
  const token = rel === 'other' ? await login(mw.w, 'coord.eemland') : mw.tokens.coordinator!;
  const res = await request(mw.t.server)
    .post('/api/v1/referrals')
    .set('Authorization', `Bearer ${token}`)
    .send(referralBody({}, { givenNames: subject.g, familyName: subject.f, dateOfBirth: subject.d, ...(rel === 'other' ? { address: { street: 'Eemweg', houseNumber: '7', postcode: '3811 AB', municipality: 'Amersfoort' } } : {}) }))
    .expect(201);
  return res.body.id;
}

/** A possible duplicate (one-letter typo) of a subject in the relation's district. */
async function possibleDuplicate(mw: MatrixWorld, rel: string): Promise<Ids> {
  const c = rel === 'other' ? await mw.otherCase() : await mw.districtCase();
  const s = (await ownerQuery<Record<string, string>>(mw.w, `SELECT given_names AS g, family_name AS f, date_of_birth::text AS d FROM subjects WHERE id = $1`, [c.subjectId]))[0];
  const token = rel === 'other' ? await login(mw.w, 'coord.eemland') : mw.tokens.coordinator!;
  const res = await request(mw.t.server)
    .post('/api/v1/referrals')
    .set('Authorization', `Bearer ${token}`)
    .send(referralBody({}, { givenNames: s.g, familyName: `${s.f}x`, dateOfBirth: s.d, ...(rel === 'other' ? { address: { street: 'Eemweg', houseNumber: '7', postcode: '3811 AB', municipality: 'Amersfoort' } } : {}) }))
    .expect(201);
  if (res.body.subjectMatch !== 'POSSIBLE_DUPLICATE') throw new Error(`expected a possible duplicate, got ${res.body.subjectMatch}`);
  const dup = (await ownerQuery<{ s: string }>(mw.w, `SELECT subject_id AS s FROM cases WHERE id = $1`, [res.body.caseId]))[0].s;
  return { subjectId: dup, intoId: c.subjectId };
}

/** A break-glass grant of coord.utrecht on an Eemland case, waiting for review. */
async function grant(mw: MatrixWorld): Promise<string> {
  const c = await mw.otherCase();
  await request(mw.t.server).post('/api/v1/auth/step-up').set('Authorization', `Bearer ${mw.tokens.coordinator}`).send({ totp: await freshTotp(mw.w, 'coord.utrecht') }).expect(200);
  const g = await request(mw.t.server).post(`/api/v1/cases/${c.caseId}/break-glass`).set('Authorization', `Bearer ${mw.tokens.coordinator}`).send({ reason: 'Matrix: acute zorg, collega onbereikbaar' }).expect(201);
  return g.body.grantId;
}

// --- research fixture builders ---

/** A project with the researcher as member ('member'), without ('other'), or none. */
function projectFixture(status: 'DRAFT' | 'APPROVED' = 'APPROVED') {
  return async (mw: MatrixWorld, rel: string): Promise<Ids> => {
    if (rel === 'none') return { projectId: NONE() };
    return { projectId: await insertProject(mw.w, { status, members: rel === 'member' ? ['researcher'] : [] }) };
  };
}

/** One published release of 300 synthetic persons per matrix world. */
function matrixRelease(mw: MatrixWorld): Promise<SyntheticRelease> {
  let r = releases.get(mw);
  if (!r) {
    r = insertSyntheticRelease(mw.w, { persons: 300, cutoff: '2025-06-30' });
    releases.set(mw, r);
  }
  return r;
}


async function projectReleaseFixture(mw: MatrixWorld, rel: string): Promise<Ids> {
  const release = await matrixRelease(mw);
  return { projectId: await insertProject(mw.w, { members: rel === 'member' ? ['researcher'] : [] }), releaseId: release.id };
}

/** A refused export (no file) of a project with the researcher as member ('member'), of another project, or none. */
async function exportFixture(mw: MatrixWorld, rel: string): Promise<Ids> {
  if (rel === 'none') return { exportId: NONE() };
  const { projectId, releaseId } = await projectReleaseFixture(mw, rel);
  const [row] = await ownerQuery<{ id: string }>(
    mw.w,
    `INSERT INTO research_exports (project_id, release_id, requested_by, status, request, linkage_scope, refusal, finished_at)
     VALUES ($1, $2, $3, 'REFUSED', '{"columns":["age"],"linkageScope":"export"}', 'export', '{"code":"EXPORT_INFEASIBLE","message":"matrix","details":{}}', now()) RETURNING id`,
    [projectId, releaseId, mw.w.userIds.researcher],
  );
  return { exportId: row.id };
}

async function researcherStepUp(mw: MatrixWorld, p: Principal): Promise<void> {
  if (p === 'researcher') await request(mw.t.server).post('/api/v1/auth/step-up').set('Authorization', `Bearer ${mw.tokens.researcher}`).send({ totp: await freshTotp(mw.w, 'researcher') }).expect(200);
}
