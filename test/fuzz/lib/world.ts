/**
 * The fuzzer's world: principals and their sessions (re-login, step-up and throttle escapes handled),
 * real records in every reachable workflow stage to aim at (rebuilt when fuzzing moved them on), and
 * pools of ids and versions harvested from every response.
 */
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { Clock } from '../../../src/common/clock.js';
import { Db } from '../../../src/database/db.service.js';
import { createCase, makeReadyToPlan, move, postReferral, randomName, referralBody } from '../../factories/referrals.js';
import { conversationBody, planVisit, recordAttempt, recordConversation } from '../../factories/visits.js';
import { freshTotp, TEST_PASSWORD, type World } from '../../factories/world.js';
import type { HttpClient, RawResponse } from './http.js';

/** Principal name → username (user principals); `apikey` is the referrer system's key. */
export const USER_PRINCIPALS: Record<string, string> = {
  coord: 'coord.utrecht',
  coordE: 'coord.eemland',
  police: 'police.utrecht',
  youth: 'youth.utrecht',
  bank: 'bank.intake',
  admin: 'admin',
  privacy: 'privacy',
  researcher: 'researcher',
};
export const ALL_PRINCIPALS = [...Object.keys(USER_PRINCIPALS), 'apikey'];
/** Users enrolled in TOTP (the MFA roles, and the coordinators so break-glass step-up can succeed). */
export const MFA_USERS = ['admin', 'privacy', 'researcher', 'coord.utrecht', 'coord.eemland'];

const API = '/api/v1';

export class Sessions {
  private readonly tokens = new Map<string, string>();
  apiKey = '';
  apiKeyId = '';
  logins = 0;

  constructor(
    private readonly w: World,
    private readonly http: HttpClient,
  ) {}

  private clock(): Clock {
    return this.w.t.app.get(Clock);
  }

  /** A working bearer token for the principal, logging in again when needed. */
  async token(principal: string): Promise<string> {
    if (principal === 'apikey') return this.apiKey;
    const cached = this.tokens.get(principal);
    if (cached) return cached;
    const token = await this.login(USER_PRINCIPALS[principal]);
    this.tokens.set(principal, token);
    return token;
  }

  invalidate(principal: string): void {
    this.tokens.delete(principal);
  }

  hasTotp(principal: string): boolean {
    return Boolean(this.w.totpSecrets[USER_PRINCIPALS[principal]]);
  }

  private async login(username: string): Promise<string> {
    let last = '';
    for (let attempt = 0; attempt < 8; attempt++) {
      const body: Record<string, string> = { username, password: TEST_PASSWORD };
      if (this.w.totpSecrets[username]) body.totp = await freshTotp(this.w, username);
      const res = await this.http.send({ method: 'POST', url: `${API}/auth/login`, headers: { 'content-type': 'application/json', 'x-request-id': `fzlogin-${randomUUID()}` }, body: JSON.stringify(body) });
      this.logins++;
      if (res.status === 200) return (res.json as { token: string }).token;
      last = `${res.status} ${res.text.slice(0, 300)}`;
      // Throttled by the fuzzing of login or step-up: wait it out on the app's clock.
      if (res.status === 429) this.clock().advance((Number(res.headers['retry-after'] ?? 60) + 1) * 1000);
    }
    throw new Error(`fuzz harness: cannot log in ${username}: ${last}`);
  }

  /** Opens the step-up window for a TOTP principal. */
  async stepUp(principal: string): Promise<void> {
    const username = USER_PRINCIPALS[principal];
    for (let attempt = 0; attempt < 6; attempt++) {
      const token = await this.token(principal);
      const res = await this.http.send({
        method: 'POST',
        url: `${API}/auth/step-up`,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-request-id': `fzstepup-${randomUUID()}` },
        body: JSON.stringify({ totp: await freshTotp(this.w, username) }),
      });
      if (res.status === 200) return;
      if (res.status === 401 && (res.json as { code?: string })?.code === 'UNAUTHENTICATED' && attempt > 0) this.invalidate(principal);
      if (res.status === 429) this.clock().advance((Number(res.headers['retry-after'] ?? 60) + 1) * 1000);
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Harvesting ids and versions from responses

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const kebab = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
const plural = (s: string) => (s.endsWith('s') ? s : s.endsWith('y') ? `${s.slice(0, -1)}ies` : `${s}s`);
const MAX_POOL = 40;

export class Harvest {
  readonly pools = new Map<string, Set<string>>();
  readonly versions = new Map<string, number>();
  readonly owningCase = new Map<string, string>();
  readonly cursors = new Set<string>();

  add(kind: string, id: string): void {
    if (!UUID.test(id)) return;
    let set = this.pools.get(kind);
    if (!set) this.pools.set(kind, (set = new Set()));
    if (set.size < MAX_POOL || set.has(id)) set.add(id);
  }

  /** Walks a JSON response: objects with an id are filed under the key that holds them. */
  fromResponse(path: string, res: RawResponse): void {
    if (res.status >= 300 || !res.json) return;
    const segments = path.split('?')[0].split('/').filter((s) => s && !UUID.test(s));
    const collection = segments[segments.length - 1] ?? 'root';
    const pathId = path.split('?')[0].split('/').filter((s) => UUID.test(s)).pop();
    const etag = /^"(\d+)"$/.exec(String(res.headers.etag ?? ''));
    if (etag && pathId) this.versions.set(pathId, Number(etag[1]));
    this.walk(res.json, collection, 0);
  }

  private walk(v: unknown, kind: string, depth: number): void {
    if (depth > 6 || !v || typeof v !== 'object') return;
    if (Array.isArray(v)) {
      for (const x of v.slice(0, 50)) this.walk(x, kind, depth + 1);
      return;
    }
    const o = v as Record<string, unknown>;
    if (typeof o.nextCursor === 'string' && this.cursors.size < 20) this.cursors.add(o.nextCursor);
    if (typeof o.id === 'string' && UUID.test(o.id)) {
      this.add(kind, o.id);
      if (typeof o.version === 'number') this.versions.set(o.id, o.version);
      if (typeof o.caseId === 'string') this.owningCase.set(o.id, o.caseId);
    }
    for (const [k, x] of Object.entries(o)) {
      if (typeof x === 'string' && /Id$/.test(k) && UUID.test(x)) {
        this.add(`field:${k}`, x);
        this.add(plural(kebab(k.replace(/Id$/, ''))), x);
      } else if (Array.isArray(x) && /Ids$/.test(k)) {
        for (const id of x) if (typeof id === 'string') this.add(`field:${k}`, id);
      } else if (x && typeof x === 'object') {
        this.walk(x, k === 'items' ? kind : plural(kebab(k)), depth + 1);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Fixtures: a record in every reachable stage, rebuilt when fuzzing has moved it on

export type Ids = Record<string, string>;

interface FixtureSpec {
  name: string;
  build(): Promise<Record<string, unknown>>;
  /** SQL (as owner) returning one row `{ ok: boolean }`; $1 is the fixture's ids as JSON. */
  intact: string;
}

export class Fixtures {
  readonly ids: Record<string, Ids> = {};
  readonly victimUsernames: string[] = [];
  readonly unstable = new Set<string>();
  rebuilt = 0;
  private readonly specs: FixtureSpec[];

  constructor(
    private readonly w: World,
    private readonly sessions: Sessions,
  ) {
    this.specs = this.define();
  }

  private req() {
    return request(this.w.t.server);
  }

  private async tok(p: string): Promise<string> {
    return this.sessions.token(p);
  }

  private async ready(subject: Record<string, unknown> = {}) {
    const coord = await this.tok('coord');
    const c = await createCase(this.w, coord, { dateOfBirth: '2004-02-10', ...subject });
    await makeReadyToPlan(this.w, coord, c.caseId);
    return c;
  }

  private async pastVisit(caseId: string, hour: number, daysAgo: number) {
    return planVisit(this.w, await this.tok('coord'), caseId, { hour, daysAgo });
  }

  private async attempt(visit: { id: string; plannedStart: Date }, result: string, spokeWith = 'NONE') {
    const r = await recordAttempt(this.w, await this.tok('police'), visit.id, { occurredAt: visit.plannedStart.toISOString(), result, cardLeft: true, spokeWith });
    if (r.status !== 201) throw new Error(`fixture attempt ${result}: ${r.status} ${JSON.stringify(r.body)}`);
  }

  private async conversationHeld(): Promise<Ids> {
    const c = await this.ready();
    const v = await this.pastVisit(c.caseId, 14, 1);
    await this.attempt(v, 'CONVERSATION_HELD', 'SUBJECT');
    const request = this.req();
    const care = await request.post(`${API}/cases/${c.caseId}/care-referrals`).set('Authorization', `Bearer ${await this.tok('youth')}`).send({ type: 'DEBT_SERVICE', providerOrganisationId: this.w.orgIds.debt });
    if (care.status !== 201) throw new Error(`fixture care referral: ${care.status} ${JSON.stringify(care.body)}`);
    return { caseId: c.caseId, subjectId: c.subjectId, referralId: c.referralId, visitId: v.id, careReferralId: care.body.id, plannedStart: v.plannedStart.toISOString() };
  }

  private define(): FixtureSpec[] {
    const caseState = (state: string) => `SELECT (SELECT state FROM cases WHERE id = ($1::jsonb->>'caseId')::uuid) = '${state}' AS ok`;
    return [
      { name: 'received', build: async () => createCase(this.w, await this.tok('coord')), intact: caseState('RECEIVED') },
      {
        name: 'triage',
        build: async () => {
          const c = await createCase(this.w, await this.tok('coord'));
          await move(this.w, await this.tok('coord'), c.caseId, { to: 'TRIAGE' }).expect(200);
          return c;
        },
        intact: caseState('TRIAGE'),
      },
      {
        name: 'onHold',
        build: async () => {
          const coord = await this.tok('coord');
          const c = await createCase(this.w, coord);
          await move(this.w, coord, c.caseId, { to: 'TRIAGE' }).expect(200);
          const until = new Date(this.w.t.app.get(Clock).nowMs() + 30 * 86_400_000).toISOString();
          await move(this.w, coord, c.caseId, { to: 'ON_HOLD', holdReason: 'INVESTIGATIVE_INTEREST', holdUntil: until }).expect(200);
          return c;
        },
        intact: caseState('ON_HOLD'),
      },
      { name: 'readyToPlan', build: () => this.ready(), intact: caseState('READY_TO_PLAN') },
      {
        name: 'visitPlanned',
        build: async () => {
          const c = await this.ready();
          const v = await planVisit(this.w, await this.tok('coord'), c.caseId, { hour: 11 });
          return { ...c, visitId: v.id };
        },
        intact: `SELECT (SELECT state FROM cases WHERE id = ($1::jsonb->>'caseId')::uuid) = 'VISIT_PLANNED'
                   AND (SELECT status FROM visits WHERE id = ($1::jsonb->>'visitId')::uuid) = 'PLANNED' AS ok`,
      },
      {
        name: 'attemptable',
        build: async () => {
          const c = await this.ready();
          const v = await this.pastVisit(c.caseId, 10, 1);
          return { ...c, visitId: v.id, plannedStart: v.plannedStart.toISOString() };
        },
        intact: `SELECT (SELECT state FROM cases WHERE id = ($1::jsonb->>'caseId')::uuid) = 'VISIT_PLANNED'
                   AND NOT EXISTS (SELECT 1 FROM visit_attempts WHERE visit_id = ($1::jsonb->>'visitId')::uuid) AS ok`,
      },
      {
        name: 'noContact',
        build: async () => {
          const c = await this.ready();
          const v = await this.pastVisit(c.caseId, 10, 2);
          await this.attempt(v, 'NOT_HOME');
          return { ...c, visitId: v.id };
        },
        intact: caseState('NO_CONTACT'),
      },
      {
        name: 'refused',
        build: async () => {
          const c = await this.ready();
          const v = await this.pastVisit(c.caseId, 19, 1);
          await this.attempt(v, 'REFUSED_AT_DOOR', 'SUBJECT');
          return { ...c, visitId: v.id };
        },
        intact: caseState('REFUSED'),
      },
      {
        name: 'unreachable',
        build: async () => {
          const c = await this.ready();
          for (const [hour, daysAgo, result] of [
            [10, 6, 'NO_ANSWER'],
            [19, 4, 'NOT_HOME'],
            [13, 3, 'NO_ANSWER'],
          ] as const) {
            await this.attempt(await this.pastVisit(c.caseId, hour, daysAgo), result);
          }
          return c;
        },
        intact: caseState('UNREACHABLE'),
      },
      {
        name: 'conversationHeld',
        build: () => this.conversationHeld(),
        intact: `SELECT (SELECT state FROM cases WHERE id = ($1::jsonb->>'caseId')::uuid) = 'CONVERSATION_HELD'
                   AND NOT EXISTS (SELECT 1 FROM conversations WHERE case_id = ($1::jsonb->>'caseId')::uuid)
                   AND (SELECT status FROM care_referrals WHERE id = ($1::jsonb->>'careReferralId')::uuid) = 'PROPOSED' AS ok`,
      },
      {
        name: 'followUp',
        build: async () => {
          const ids = await this.conversationHeld();
          const conv = await recordConversation(this.w, await this.tok('youth'), ids.visitId, conversationBody());
          if (conv.status !== 201) throw new Error(`fixture conversation: ${conv.status} ${JSON.stringify(conv.body)}`);
          const fu = await move(this.w, await this.tok('coord'), ids.caseId, { to: 'FOLLOW_UP' }).expect(200);
          return { ...ids, followUpId: fu.body.followUps[0].id };
        },
        intact: `SELECT (SELECT state FROM cases WHERE id = ($1::jsonb->>'caseId')::uuid) = 'FOLLOW_UP'
                   AND (SELECT occurred_at IS NULL FROM follow_up_contacts WHERE id = ($1::jsonb->>'followUpId')::uuid) AS ok`,
      },
      {
        name: 'closed',
        build: async () => {
          const c = await createCase(this.w, await this.tok('coord'));
          await move(this.w, await this.tok('coord'), c.caseId, { to: 'CLOSED', reasonCode: 'WITHDRAWN' }).expect(200);
          return c;
        },
        intact: caseState('CLOSED'),
      },
      {
        name: 'eemland',
        build: async () => createCase(this.w, await this.tok('coordE'), { address: { street: 'Eemweg', houseNumber: '3', postcode: '3811 AA', municipality: 'Amersfoort' } }),
        intact: `SELECT EXISTS (SELECT 1 FROM cases WHERE id = ($1::jsonb->>'caseId')::uuid) AS ok`,
      },
      {
        name: 'signal',
        build: async () => {
          const coord = await this.tok('coord');
          const person = { givenNames: `Sig ${randomName(5)}`, familyName: randomName(9), dateOfBirth: '2006-05-06' };
          const c = await createCase(this.w, coord, person);
          const again = await postReferral(this.w, coord, referralBody({ sourceType: 'POLICE' }, person));
          if (again.status !== 201) throw new Error(`fixture signal: ${again.status} ${JSON.stringify(again.body)}`);
          return { ...c, signalReferralId: again.body.id };
        },
        intact: `SELECT (SELECT status FROM referrals WHERE id = ($1::jsonb->>'signalReferralId')::uuid) = 'RECEIVED' AS ok`,
      },
      {
        name: 'duplicate',
        build: async () => {
          const coord = await this.tok('coord');
          const family = randomName(10);
          const first = await createCase(this.w, coord, { givenNames: 'Dana', familyName: family, dateOfBirth: '2007-04-03' });
          const near = await postReferral(this.w, coord, referralBody({}, { givenNames: 'Dana', familyName: `${family.slice(0, -1)}x`, dateOfBirth: '2007-03-04' }));
          if (near.status !== 201) throw new Error(`fixture duplicate: ${near.status} ${JSON.stringify(near.body)}`);
          const request = this.req();
          const nearCase = await request.get(`${API}/cases/${near.body.caseId}`).set('Authorization', `Bearer ${coord}`);
          return { caseId: first.caseId, subjectId: first.subjectId, duplicateCaseId: near.body.caseId, duplicateSubjectId: nearCase.body.subject.id, match: near.body.subjectMatch };
        },
        intact: `SELECT (SELECT duplicate_status FROM subjects WHERE id = ($1::jsonb->>'duplicateSubjectId')::uuid) = 'POSSIBLE' AS ok`,
      },
      {
        name: 'bankReferral',
        build: async () => {
          const res = await postReferral(this.w, await this.tok('bank'), referralBody());
          if (res.status !== 201) throw new Error(`fixture bank referral: ${res.status} ${JSON.stringify(res.body)}`);
          const viaKey = await postReferral(this.w, this.sessions.apiKey, referralBody(), randomUUID());
          if (viaKey.status !== 201) throw new Error(`fixture api-key referral: ${viaKey.status} ${JSON.stringify(viaKey.body)}`);
          return { referralId: res.body.id, caseId: res.body.caseId, apiKeyReferralId: viaKey.body.id };
        },
        intact: `SELECT $1::jsonb IS NOT NULL AS ok`,
      },
      {
        name: 'grant',
        build: async () => {
          const c = await createCase(this.w, await this.tok('coord'));
          await this.sessions.stepUp('coordE');
          const request = this.req();
          const g = await request
            .post(`${API}/cases/${c.caseId}/break-glass`)
            .set('Authorization', `Bearer ${await this.tok('coordE')}`)
            .send({ reason: 'Acute veiligheidszorg, collega onbereikbaar (fuzz fixture)' });
          if (g.status !== 201) throw new Error(`fixture break-glass: ${g.status} ${JSON.stringify(g.body)}`);
          return { caseId: c.caseId, grantId: g.body.grantId };
        },
        intact: `SELECT (SELECT reviewed_at IS NULL FROM break_glass_grants WHERE id = ($1::jsonb->>'grantId')::uuid) AS ok`,
      },
      {
        name: 'victims',
        build: async () => {
          const request = this.req();
          const admin = await this.tok('admin');
          const ids: Ids = {};
          for (const n of [1, 2]) {
            const username = `fuzz.victim${n}.${randomName(4).toLowerCase()}`;
            const u = await request
              .post(`${API}/admin/users`)
              .set('Authorization', `Bearer ${admin}`)
              .send({ username, displayName: `Fuzz victim ${n}`, organisationId: this.w.orgIds['yw-utrecht'], roles: ['youth_worker'], districtIds: [this.w.geography.districtIds.UTRECHT_STAD], password: TEST_PASSWORD });
            if (u.status !== 201) throw new Error(`fixture victim user: ${u.status} ${JSON.stringify(u.body)}`);
            ids[`userId${n}`] = u.body.id;
            this.victimUsernames.push(username);
          }
          const org = await request.post(`${API}/admin/organisations`).set('Authorization', `Bearer ${admin}`).send({ name: `Fuzz victim care ${randomName(5)}`, type: 'CARE_PROVIDER' });
          if (org.status !== 201) throw new Error(`fixture victim organisation: ${org.status} ${JSON.stringify(org.body)}`);
          const key = await request.post(`${API}/admin/api-keys`).set('Authorization', `Bearer ${admin}`).send({ organisationId: this.w.orgIds['bank-a'], name: 'fuzz victim key' });
          if (key.status !== 201) throw new Error(`fixture victim key: ${key.status} ${JSON.stringify(key.body)}`);
          return { ...ids, organisationId: org.body.id, apiKeyId: key.body.id };
        },
        intact: `SELECT (SELECT bool_and(active) FROM users WHERE id IN (($1::jsonb->>'userId1')::uuid, ($1::jsonb->>'userId2')::uuid))
                   AND (SELECT active FROM organisations WHERE id = ($1::jsonb->>'organisationId')::uuid)
                   AND (SELECT revoked_at IS NULL FROM api_keys WHERE id = ($1::jsonb->>'apiKeyId')::uuid) AS ok`,
      },
    ];
  }

  /** Builds every fixture that is missing or no longer in its stage. Returns the names rebuilt. */
  async topUp(): Promise<string[]> {
    const pool = this.w.t.app.get(Db).pool;
    const rebuilt: string[] = [];
    const failures: string[] = [];
    for (const spec of this.specs) {
      const current = this.ids[spec.name];
      if (current && this.unstable.has(spec.name)) continue;
      if (current) {
        const r = await pool.query(spec.intact, [JSON.stringify(current)]);
        if (r.rows[0]?.ok === true) continue;
      }
      try {
        const built = await spec.build();
        this.ids[spec.name] = Object.fromEntries(Object.entries(built).filter((e): e is [string, string] => typeof e[1] === 'string'));
      } catch (e) {
        failures.push(`fixture ${spec.name} could not be built: ${(e as Error).message.slice(0, 600)}`);
        continue;
      }
      rebuilt.push(spec.name);
      this.rebuilt++;
      const check = await pool.query(spec.intact, [JSON.stringify(this.ids[spec.name])]);
      if (check.rows[0]?.ok !== true) {
        // Built but not in the intended stage (e.g. the matcher did not flag the near duplicate): keep it, never rebuild.
        this.unstable.add(spec.name);
        process.stdout.write(`[fuzz] fixture ${spec.name} is not in its intended stage after building; kept as is: ${JSON.stringify(this.ids[spec.name])}\n`);
      }
    }
    if (failures.length) throw new Error(`fuzz harness: ${failures.join('; ')}`);
    return rebuilt;
  }

  /** Fixture ids filed by collection, the way path parameters name them. */
  kinds(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    const put = (kind: string, id: string | undefined) => {
      if (!id) return;
      const list = (out[kind] ??= []);
      if (!list.includes(id)) list.push(id);
    };
    for (const ids of Object.values(this.ids)) {
      put('cases', ids.caseId);
      put('cases', ids.duplicateCaseId);
      put('subjects', ids.subjectId);
      put('subjects', ids.duplicateSubjectId);
      put('referrals', ids.referralId);
      put('referrals', ids.signalReferralId);
      put('referrals', ids.apiKeyReferralId);
      put('visits', ids.visitId);
      put('care-referrals', ids.careReferralId);
      put('follow-ups', ids.followUpId);
      put('grants', ids.grantId);
      put('users', ids.userId1);
      put('users', ids.userId2);
      put('organisations', ids.organisationId);
      put('api-keys', ids.apiKeyId);
    }
    return out;
  }
}
