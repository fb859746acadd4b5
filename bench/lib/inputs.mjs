// Request inputs from the seed (performance.md §3.2): ids (80 % uniform, 20 % from 1,000 hot ids), cursors at random
// depths up to 20,000 rows, POST bodies, Idempotency-Keys and bearer tokens of the dataset's sessions. Every input also
// carries the parameters of its canonical statements (`l0`), which become L0's input rows, so pgbench and the HTTP
// levels replay the same requests.
import { createHash } from 'node:crypto';
import { dist } from './paths.mjs';
import { apiKeyToken, sessionToken } from './secrets.mjs';

const { slotOf, OUTSIDE_SLOTS } = await import(dist('src/visits/time-slots.js'));

/** mulberry32 seeded from (seed, label). */
export function rng(seed, label) {
  let a = createHash('sha256').update(`${seed}:${label}`).digest().readUInt32LE(0);
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const pickOf = (r, xs) => xs[Math.floor(r() * xs.length)];
const LETTERS = 'abdefghiklmnoprstuvw';
const code20 = (n) => {
  let s = '';
  do {
    s = LETTERS[n % 20] + s;
    n = Math.floor(n / 20);
  } while (n > 0);
  return s;
};
const sha = (s) => createHash('sha256').update(s).digest();
const UA = 'doorstep-bench';

export async function loadActors(client, seed) {
  const users = (await client.query(`SELECT b.k, b.id, b.role, u.district_ids AS "districtIds", u.organisation_id AS "orgId" FROM bench.users b JOIN users u ON u.id = b.id ORDER BY b.k`)).rows;
  for (const u of users) u.token = sessionToken(seed, u.k);
  const keys = (await client.query(`SELECT k.id, k.key_id AS "keyId", k.organisation_id AS "orgId", o.type AS "orgType" FROM api_keys k JOIN organisations o ON o.id = k.organisation_id ORDER BY k.key_id`)).rows;
  const byKeyId = new Map(keys.map((k) => [k.keyId, k]));
  const apiKeys = [];
  for (let k = 1; k <= 8; k++) {
    const token = apiKeyToken(seed, k);
    const row = byKeyId.get(token.slice(4, 20));
    apiKeys.push({ k, token, ...row });
  }
  const byK = new Map(users.map((u) => [u.k, u]));
  const coordinators = users.filter((u) => u.role === 'coordinator');
  const coordsByDistrict = new Map();
  for (const c of coordinators) for (const d of c.districtIds) coordsByDistrict.set(d, [...(coordsByDistrict.get(d) ?? []), c]);
  return { users, byK, byId: new Map(users.map((u) => [u.id, u])), coordinators, coordsByDistrict, apiKeys, researchers: users.filter((u) => u.role === 'researcher') };
}

function actorOf(u, meta) {
  return { type: 'user', userId: u.id, apiKeyId: null, roles: [u.role], organisationId: u.orgId, districtIds: u.districtIds, authMethod: 'password+totp', request: meta };
}
function keyActorOf(k, meta) {
  return { type: 'api_key', userId: null, apiKeyId: k.id, roles: ['referrer'], organisationId: k.orgId, districtIds: [], authMethod: 'api_key', request: meta, org: { type: k.orgType, canRefer: true, active: true, covenantSignedAt: new Date() } };
}
function meta(route, requestId) {
  return { requestId, method: route.split(' ')[0], route, purpose: null, ip: '127.0.0.1', userAgentSha256: sha(UA), startedAt: new Date(), traceId: createHash('md5').update(requestId).digest('hex'), spanId: createHash('md5').update(`s${requestId}`).digest('hex').slice(0, 16) };
}
const userHeaders = (token) => ({ authorization: `Bearer ${token}`, 'user-agent': UA });

/** List inputs: 50 % first page (any state), 50 % a cursor at a random depth up to 20,000 rows (CLOSED). */
export async function listInputs(client, { seed, actors, canon, n }) {
  const r = rng(seed, 'list');
  const states = [['CLOSED', 0.4], ['VISIT_PLANNED', 0.15], ['NO_CONTACT', 0.1], ['FOLLOW_UP', 0.1], ['TRIAGE', 0.1], ['READY_TO_PLAN', 0.1], ['RECEIVED', 0.05]];
  const want = [];
  for (let i = 0; i < n; i++) {
    const c = pickOf(r, actors.coordinators);
    if (r() < 0.5) {
      let x = r();
      let state = states[0][0];
      for (const [s, w] of states) {
        if (x < w) {
          state = s;
          break;
        }
        x -= w;
      }
      want.push({ c, state, depth: 0 });
    } else want.push({ c, state: 'CLOSED', depth: r() });
  }
  // cursor rows per coordinator, in one pass each
  const byCoord = new Map();
  for (const w of want) if (w.depth) byCoord.set(w.c.k, [...(byCoord.get(w.c.k) ?? []), w]);
  for (const [k, ws] of byCoord) {
    const c = actors.byK.get(k);
    const total = Number((await client.query(`SELECT count(*) AS n FROM cases WHERE district_id = ANY($1::uuid[]) AND state = 'CLOSED'`, [c.districtIds])).rows[0].n);
    const maxDepth = Math.max(1, Math.min(20_000, total - 51));
    for (const w of ws) w.rank = 1 + Math.floor(w.depth * maxDepth);
    const rows = (
      await client.query(
        `SELECT rn, created_at, id FROM (SELECT row_number() OVER (ORDER BY created_at DESC, id DESC) AS rn, created_at, id FROM cases
          WHERE district_id = ANY($1::uuid[]) AND state = 'CLOSED') x WHERE rn = ANY($2::bigint[])`,
        [c.districtIds, ws.map((w) => w.rank)],
      )
    ).rows;
    const at = new Map(rows.map((x) => [Number(x.rn), x]));
    for (const w of ws) {
      const row = at.get(w.rank);
      w.cursor = row ? Buffer.from(JSON.stringify([row.created_at.toISOString(), row.id])).toString('base64url') : null;
    }
  }
  return want.map((w, i) => {
    const q = { state: w.state, limit: 50, ...(w.cursor ? { cursor: w.cursor } : {}) };
    const actor = actorOf(w.c, meta('GET /api/v1/cases', `L0.list.${i}.e1`));
    return {
      method: 'GET',
      path: `/api/v1/cases?state=${q.state}&limit=50${w.cursor ? `&cursor=${w.cursor}` : ''}`,
      headers: userHeaders(w.c.token),
      expect: 1,
      kind: w.cursor ? 'deep' : 'first',
      depth: w.cursor ? w.rank : 0,
      l0: { token_sha256: sha(w.c.token), ...canon.contextParams(actor), ...canon.listParams(actor, q) },
    };
  });
}

/** Get inputs: 60 % coordinators, 20 % police officers, 20 % youth workers on their cases; 20 % of ids from 1,000 hot ones. */
export async function getInputs(client, { seed, actors, canon, n, settings }) {
  const r = rng(seed, 'get');
  const cases = (await client.query(`SELECT id, district_id AS "districtId" FROM cases ORDER BY hashtextextended(id::text, $1) LIMIT $2`, [seed, Math.max(2000, n * 2)])).rows;
  const hot = cases.slice(0, 1000);
  const uniform = cases.slice(1000).length ? cases.slice(1000) : cases;
  const pairs = (
    await client.query(
      `SELECT vv.user_id AS "userId", v.case_id AS "caseId", vv.role FROM visit_visitors vv JOIN visits v ON v.id = vv.visit_id JOIN cases c ON c.id = v.case_id
        WHERE v.status <> 'CANCELLED' AND (c.closed_at IS NULL OR c.closed_at > now() - make_interval(days => $3::int))
        ORDER BY hashtextextended(v.id::text || vv.user_id::text, $1) LIMIT $2`,
      [seed, Math.max(2000, n), Math.max(1, settings.visitorAfterCloseDays - 5)],
    )
  ).rows;
  const police = pairs.filter((p) => p.role === 'police_officer');
  const youth = pairs.filter((p) => p.role === 'youth_worker');
  const out = [];
  for (let i = 0; i < n; i++) {
    const x = r();
    let user;
    let caseId;
    let hotPick = false;
    if (x < 0.6 || police.length === 0 || youth.length === 0) {
      hotPick = r() < 0.2;
      const c = pickOf(r, hotPick ? hot : uniform);
      user = pickOf(r, actors.coordsByDistrict.get(c.districtId) ?? actors.coordinators);
      caseId = c.id;
    } else {
      const pool = x < 0.8 ? police : youth;
      hotPick = r() < 0.2;
      const p = pickOf(r, hotPick ? pool.slice(0, Math.min(1000, Math.ceil(pool.length / 4))) : pool);
      user = actors.byId.get(p.userId);
      caseId = p.caseId;
    }
    const actor = actorOf(user, meta('GET /api/v1/cases/:id', `L0.get.${i}.e1`));
    out.push({
      method: 'GET',
      path: `/api/v1/cases/${caseId}`,
      headers: userHeaders(user.token),
      expect: 1,
      kind: `${user.role}${hotPick ? ':hot' : ''}`,
      l0: {
        token_sha256: sha(user.token), ...canon.contextParams(actor), actor_user_id: actor.userId, visitor_days: settings.visitorAfterCloseDays, case_id: caseId,
        target_days: settings.firstAttemptTargetDays, field_classes: canon.fieldPlan(actor).auditClasses, bg_grant_id: null, bg_reason_sha256: null,
        ...canon.auditParams(actor, user.role === 'coordinator' ? 'CASE_MANAGEMENT' : 'VISIT'),
      },
    });
  }
  return out;
}

/** Subjects that create inputs may match (exact or with a typo), in seed order; callers take disjoint blocks. */
export async function matchCandidates(client, { seed, limit }) {
  return (
    await client.query(
      `SELECT id, given_names AS "givenNames", family_name AS "familyName", date_of_birth AS "dateOfBirth", street, house_number AS "houseNumber",
              postcode, municipality_code AS "municipality"
         FROM subjects WHERE duplicate_status = 'NONE' AND family_name !~ '^(Poolman|Nieuw)' ORDER BY hashtextextended(id::text, $1) LIMIT $2`,
      [seed, limit],
    )
  ).rows;
}

const GIVEN = ['Daan', 'Sem', 'Finn', 'Milan', 'Levi', 'Emma', 'Julia', 'Sophie', 'Mila', 'Sara', 'Noah', 'Lucas', 'Tess', 'Fleur', 'Omar', 'Yasmin',
  'Bram', 'Jesse', 'Thijs', 'Ruben', 'Lotte', 'Sanne', 'Iris', 'Roos', 'Amir', 'Bilal', 'Ilse', 'Femke', 'Joris', 'Wout', 'Hidde', 'Merel'];
// new people get four random syllables: two new subjects born on the same day stay below the near-match similarity
const SYLLABLES = ['ka', 'ro', 'ven', 'mi', 'tul', 'sa', 'gor', 'pe', 'lin', 'do', 'ber', 'fi', 'nak', 'ste', 'wu', 'ham', 'jo', 'rek', 'ti', 'mos'];
const MUNICIPALITIES = ['GM0344', 'GM0034', 'GM0307', 'GM0995', 'GM0402', 'GM1942', 'GM0632', 'GM0342', 'Utrecht', 'Amersfoort'];

/**
 * Create inputs for one window series (`tag`, `block` = its index among all series): 70 % new subject, 28 % exact match,
 * 2 % near match (a typo of an existing subject's family name, same birth date), by API keys of banks and the police.
 */
export function createInputs({ seed, actors, canon, tag, block, n, candidates, blockSize }) {
  const r = rng(seed, `create:${tag}`);
  const mine = candidates.slice(block * blockSize, (block + 1) * blockSize);
  let used = 0;
  const month = new Date(Date.now() - 35 * 86_400_000).toISOString().slice(0, 7);
  const out = [];
  for (let i = 0; i < n; i++) {
    const x = r();
    let kind = x < 0.7 ? 'new' : x < 0.98 ? 'exact' : 'near';
    if (kind !== 'new' && used >= mine.length) kind = 'new';
    const bank = r() < 0.6;
    const key = bank ? actors.apiKeys[Math.floor(r() * 6)] : actors.apiKeys[6 + Math.floor(r() * 2)];
    let subject;
    if (kind === 'new') {
      const dob = new Date(Date.UTC(1996, 0, 1) + Math.floor(r() * 16 * 365) * 86_400_000).toISOString().slice(0, 10);
      subject = {
        givenNames: pickOf(r, GIVEN), dateOfBirth: dob, sex: r() < 0.6 ? 'MALE' : 'FEMALE',
        familyName: `Nieuw${pickOf(r, SYLLABLES)}${pickOf(r, SYLLABLES)}${pickOf(r, SYLLABLES)}${pickOf(r, SYLLABLES)}${code20(block * 1_000_000 + i)}`,
        address: { street: 'Nieuwstraat', houseNumber: String(1 + Math.floor(r() * 200)), postcode: '3512 AB', municipality: pickOf(r, MUNICIPALITIES) },
        phone: '0612345678',
      };
    } else {
      const s = mine[used++];
      subject = {
        givenNames: s.givenNames, familyName: kind === 'near' ? `${s.familyName.slice(0, -1)}y` : s.familyName, dateOfBirth: s.dateOfBirth,
        address: { street: s.street, houseNumber: s.houseNumber, postcode: s.postcode, municipality: s.municipality },
      };
    }
    const body = bank
      ? { sourceType: 'BANK', legalBasisCode: 'COVENANT_ART_5', reasonCodes: ['ACCOUNT_USED_FOR_FRAUD'], incidentMonth: month, externalReference: `BANK-${tag}-${i}`,
          fraudType: 'PHISHING', amountBand: '1K_5K', bankRegistrationStatus: 'NONE', subject }
      : { sourceType: 'POLICE', legalBasisCode: 'WPG_ART_19', reasonCodes: ['SUSPECT_IN_REPORT'], externalReference: `PL-${tag}-${i}`, subject };
    const idem = `${tag}-c${i}`;
    const actor = { ...keyActorOf(key, meta('POST /api/v1/referrals', `L0.create.${tag}.${i}.e${kind === 'new' ? 1 : 2}`)) };
    const plan = canon.createPlan(actor, JSON.parse(JSON.stringify(body)), idem);
    const scope = canon.scopeOf(actor);
    out.push({
      method: 'POST',
      path: '/api/v1/referrals',
      headers: { authorization: `Bearer ${key.token}`, 'idempotency-key': idem, 'user-agent': UA },
      body: JSON.stringify(body),
      expect: kind === 'new' ? 1 : 2,
      kind,
      l0: { key_id: key.keyId, ...canon.contextParams(actor), lock_key: `${scope}:${idem}`, idem_scope: scope, ...plan.params },
    });
  }
  return { inputs: out, usedCandidates: used };
}

/** Attempt inputs from pool slots: NOT_HOME and NO_ANSWER 45 % each, REFUSED_AT_DOOR 10 %, by the visitor of the slot. */
export function attemptInputs({ seed, actors, canon, tag, slots, settings }) {
  const r = rng(seed, `attempt:${tag}`);
  const occurredAt = new Date(Date.now() - 30 * 60_000);
  const slot = slotOf(occurredAt, settings.timeSlots, settings.programmeTimeZone);
  const timeSlot = slot.slot ?? OUTSIDE_SLOTS;
  return slots.map((p) => {
    const user = actors.byK.get(p.user_k);
    const x = r();
    const result = x < 0.45 ? 'NOT_HOME' : x < 0.9 ? 'NO_ANSWER' : 'REFUSED_AT_DOOR';
    const body = { occurredAt: occurredAt.toISOString(), result, cardLeft: r() < 0.5, spokeWith: result === 'REFUSED_AT_DOOR' ? 'SUBJECT' : 'NONE' };
    const idem = `${tag}-a${p.slot}`;
    const actor = actorOf(user, meta('POST /api/v1/visits/:id/attempts', `L0.attempt.${tag}.${p.slot}.e2`));
    const scope = canon.scopeOf(actor);
    const now = new Date();
    const to = result === 'REFUSED_AT_DOOR' ? 'REFUSED' : 'NO_CONTACT';
    const fixed = { visitId: p.visit_id, caseId: p.case_id, attemptNo: 1, occurredAt: body.occurredAt, weekday: slot.weekday, timeSlot, result, countsTowardMax: true,
      cardLeft: body.cardLeft, spokeWith: body.spokeWith, recordedByUserId: user.id, onBehalfOfUserId: null, caseState: to, warnings: [] };
    return {
      method: 'POST',
      path: `/api/v1/visits/${p.visit_id}/attempts`,
      headers: { ...userHeaders(user.token), 'idempotency-key': idem },
      body: JSON.stringify(body),
      expect: 2,
      kind: result,
      l0: {
        token_sha256: sha(user.token), ...canon.contextParams(actor), lock_key: `${scope}:${idem}`, idem_scope: scope, idem_key: idem, now,
        actor_user_id: user.id, visit_id: p.visit_id, case_id: p.case_id, subject_id: p.subject_id, attempt_no: 1, occurred_at: occurredAt, weekday: slot.weekday,
        time_slot: timeSlot, result, counts: 'true', card_left: String(body.cardLeft), spoke_with: body.spokeWith, on_behalf_of: null, to_state: to,
        from_state: 'VISIT_PLANNED', counted: 1, by_role: user.role, bg_grant_id: null, bg_reason_sha256: null,
        fingerprint: canon.fingerprint({ method: 'POST', route: '/visits/:id/attempts', params: { id: p.visit_id }, body }), body_template: JSON.stringify(fixed),
        expires_at: new Date(now.getTime() + 168 * 3_600_000), ...canon.auditParams(actor, 'VISIT'),
      },
    };
  });
}

/** The mixed workload: list 55 %, get 30 %, attempt 10 %, create 5 % (reads cycle, writes are used once). */
export function mixedInputs({ seed, list, get, attempt, create, n }) {
  const r = rng(seed, 'mixed');
  let a = 0;
  let c = 0;
  const out = [];
  for (let i = 0; i < n; i++) {
    const x = r();
    if (x < 0.55) out.push(pickOf(r, list));
    else if (x < 0.85) out.push(pickOf(r, get));
    else if (x < 0.95 && a < attempt.length) out.push(attempt[a++]);
    else if (c < create.length) out.push(create[c++]);
    else out.push(pickOf(r, list));
  }
  return out;
}

/** The HTTP form of inputs (what the load worker reads). */
export const httpForm = (inputs) => inputs.map(({ method, path, headers, body, expect, kind }) => ({ method, path, headers, body, expect, kind }));
