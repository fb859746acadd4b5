// The request logic of the four OLTP scenarios over the canonical statements, written once and used by L1 (bare
// Fastify) and L2 (the Nest app with its services overridden). It reuses only pure helpers of the built app (code
// lists, the field registry, match keys, time slots), never its services, repositories or ORM.
//
//   list     token · BEGIN · context · page+audit · COMMIT
//   get      token · BEGIN · context · facts · load+audit · COMMIT
//   create   token · BEGIN · context · lock · lookup · intake CTE · COMMIT
//   attempt  token · BEGIN · context · lock · lookup · facts FOR UPDATE · attempt CTE · COMMIT
//
// `token` is one autocommit statement outside the transaction; last_seen_at / last_used_at move at most once a minute.
import canonicalize from 'canonicalize';
import { createHash, timingSafeEqual } from 'node:crypto';
import { bind, statement } from './sql.mjs';
import { dist } from './paths.mjs';

const { CASE_STATES, ATTEMPT_RESULTS, UNCOUNTED_ATTEMPT_RESULTS } = await import(dist('src/common/domain-enums.js'));
const { FIELD_REGISTRY, readableClasses, fieldsOfClasses } = await import(dist('src/authorization/field-classes.js'));
const { matchKey, nameForSimilarity, swappedDate } = await import(dist('src/subjects/subject-matching.js'));
const { slotOf, OUTSIDE_SLOTS } = await import(dist('src/visits/time-slots.js'));

export { CASE_STATES, ATTEMPT_RESULTS };

const SESSION_TOKEN = /^dss_[A-Za-z0-9_-]{43}$/;
const API_KEY_TOKEN = /^dsk_([A-Za-z0-9]{16})_([A-Za-z0-9_-]{43})$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SENTINEL = ['infinity', 'ffffffff-ffff-ffff-ffff-ffffffffffff'];
const SOURCE_FOR_ORG_TYPE = { BANK: ['BANK'], POLICE: ['POLICE'], HALT: ['HALT'], MUNICIPALITY: ['MUNICIPALITY'], YOUTH_WORK: ['YOUTH_WORK'] };
const CASE_PURPOSE = { coordinator: 'CASE_MANAGEMENT', police_officer: 'VISIT', youth_worker: 'VISIT' };

export const sha256 = (v) => createHash('sha256').update(v).digest();
/** A bytea for a text-typed parameter (`NULLIF(:x, '')::bytea`): pg would send a Buffer in binary. */
const hexBytea = (b) => (b ? `\\x${b.toString('hex')}` : null);

/**
 * The pieces that differ between L1 and L2: how an error is made (L1: its own class; L2: the app's DomainError)
 * and the settings (the app's defaults, AppConfig.workflow).
 */
export function createCanonical({ makeError, settings, audit = true, appVersion = '0.1.0', intakeMatchKey, idempotencyTtlHours = 168 }) {
  const fail = (code, detail, options = {}) => {
    throw makeError(code, detail, options);
  };
  const S = (file) => statement(file, { audit });
  const stmts = {
    tokenSession: S('token-session'),
    tokenApiKey: S('token-apikey'),
    sessionTouch: S('session-touch'),
    apiKeyTouch: S('apikey-touch'),
    context: S('context'),
    listPage: S('list-page'),
    caseFacts: S('case-facts'),
    caseLoad: S('case-load'),
    lock: S('idem-lock'),
    lookup: S('idem-lookup'),
    intake: S('intake'),
    attemptFacts: S('attempt-facts'),
    attempt: S('attempt'),
  };

  // --- authentication (token) ---------------------------------------------------------------------------
  /** Bearer token → actor, with the app's session and API-key rules. `query(config)` runs one statement. */
  async function authenticate(query, token, meta, now = new Date()) {
    if (SESSION_TOKEN.test(token)) {
      const r = await query(bind(stmts.tokenSession, { token_sha256: sha256(token) }));
      const s = r.rows[0];
      const idleMs = settings.sessionIdleMinutes * 60_000;
      if (!s || s.revokedAt || !s.active || !s.orgActive || s.expiresAt.getTime() <= now.getTime() || now.getTime() - s.lastSeenAt.getTime() > idleMs) {
        fail('UNAUTHENTICATED', 'The session has ended; log in again');
      }
      if (now.getTime() - s.lastSeenAt.getTime() >= settings.sessionTouchSeconds * 1000) {
        await query(bind(stmts.sessionTouch, { session_id: s.sessionId, touch_at: now }));
      }
      return {
        type: 'user', userId: s.userId, apiKeyId: null, roles: s.roles, organisationId: s.organisationId, districtIds: s.districtIds,
        sessionId: s.sessionId, authMethod: s.authMethod, mfaVerifiedAt: s.mfaVerifiedAt, rightsVersion: s.rightsVersion, restricted: s.restricted,
        request: meta,
      };
    }
    const m = API_KEY_TOKEN.exec(token);
    if (!m) fail('UNAUTHENTICATED', 'Authentication required');
    const r = await query(bind(stmts.tokenApiKey, { key_id: m[1] }));
    const k = r.rows[0];
    const digest = sha256(m[2]);
    if (!k || k.revokedAt || !k.orgActive || k.expiresAt.getTime() <= now.getTime() || k.secretSha256.length !== digest.length || !timingSafeEqual(k.secretSha256, digest)) {
      fail('UNAUTHENTICATED', 'The API key is not valid');
    }
    if (!k.lastUsedAt || now.getTime() - k.lastUsedAt.getTime() > 60_000) await query(bind(stmts.apiKeyTouch, { api_key_pk: k.id, touch_at: now }));
    return {
      type: 'api_key', userId: null, apiKeyId: k.id, roles: ['referrer'], organisationId: k.organisationId, districtIds: [], sessionId: null,
      authMethod: 'api_key', mfaVerifiedAt: null, rightsVersion: 0, restricted: false, request: meta,
      org: { type: k.orgType, canRefer: k.canRefer, active: k.orgActive, covenantSignedAt: k.covenantSignedAt },
    };
  }

  const has = (actor, role) => actor.roles.includes(role);
  const isVisitor = (actor) => has(actor, 'police_officer') || has(actor, 'youth_worker');

  /** Layer 2, the route rule: the caller's role has some rule for this action on this subject. */
  function requireRole(actor, route) {
    const ok =
      route === 'list' || route === 'get'
        ? actor.type === 'user' && (has(actor, 'coordinator') || isVisitor(actor))
        : route === 'create'
          ? has(actor, 'referrer') || (actor.type === 'user' && has(actor, 'coordinator'))
          : route === 'attempt'
            ? actor.type === 'user' && (has(actor, 'coordinator') || isVisitor(actor))
            : route === 'research'
              ? actor.type === 'user' && has(actor, 'researcher')
              : false;
    if (!ok) fail('FORBIDDEN', 'Your role may not do this');
    if (actor.restricted) fail('MFA_REQUIRED', 'Enrol in MFA first');
  }

  function purposeFor(actor, decl) {
    for (const role of actor.roles) if (decl[role]) return decl[role];
    return Object.values(decl)[0];
  }

  function contextParams(actor) {
    return { ctx_actor_id: actor.userId ?? actor.apiKeyId ?? '', ctx_district_ids: `{${actor.districtIds.join(',')}}`, ctx_roles: actor.roles.join(',') };
  }

  function auditParams(actor, purpose) {
    const m = actor.request;
    return {
      started_at: m.startedAt, request_id: m.requestId, trace_id: m.traceId, span_id: m.spanId, actor_type: actor.type,
      actor_user_id: actor.userId, actor_api_key_id: actor.apiKeyId, actor_role: actor.roles[0] ?? null, actor_org_id: actor.organisationId,
      auth_method: actor.authMethod, route: m.route, purpose, origin_ip: m.ip, ua_sha256: hexBytea(m.userAgentSha256), app_version: appVersion,
    };
  }

  /** One transaction: BEGIN, the context statement, `work`, COMMIT (ROLLBACK on any error). */
  async function tx(client, actor, work) {
    await client.query('BEGIN');
    try {
      await client.query(bind(stmts.context, contextParams(actor)));
      const result = await work();
      await client.query('COMMIT');
      return result;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    }
  }

  // --- list ------------------------------------------------------------------------------------------
  function decodeCursor(cursor) {
    if (!cursor) return null;
    try {
      const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
      if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string' && UUID.test(v[1]) && !Number.isNaN(Date.parse(v[0]))) return v;
    } catch {
      // fall through
    }
    fail('VALIDATION_FAILED', 'Invalid cursor', { errors: [{ field: 'cursor', code: 'INVALID_CURSOR', message: 'cursor is not valid' }] });
  }
  const encodeCursor = (values) => Buffer.from(JSON.stringify(values)).toString('base64url');

  /** The page+audit parameters of a list request (also what L0's input rows hold). */
  function listParams(actor, q) {
    if (!has(actor, 'coordinator')) fail('FORBIDDEN', 'L1/L2 implement the coordinator list only (the benchmark scenario)');
    if (!q.state) fail('VALIDATION_FAILED', 'The benchmark list takes a state filter', { errors: [{ field: 'state', code: 'REQUIRED', message: 'state is required here' }] });
    const limit = q.limit ?? 50;
    const after = decodeCursor(q.cursor) ?? SENTINEL;
    const filterKeys = Object.entries(q).filter(([k, v]) => v !== undefined && k !== 'cursor' && k !== 'limit').map(([k]) => k).sort();
    return {
      district_ids: actor.districtIds, state: q.state, after_ts: after[0], after_id: after[1], limit_plus: limit + 1, actor_user_id: actor.userId,
      target_days: settings.firstAttemptTargetDays, filter_keys: filterKeys, ...auditParams(actor, purposeFor(actor, CASE_PURPOSE)),
    };
  }

  async function list(client, actor, q) {
    const limit = q.limit ?? 50;
    const params = listParams(actor, q);
    const rows = await tx(client, actor, async () => (await client.query(bind(stmts.listPage, params))).rows);
    const more = rows.length > limit;
    const slice = more ? rows.slice(0, limit) : rows;
    return {
      items: slice.map((r) => ({
        id: r.id, state: r.state, districtId: r.districtId, subject: { displayName: r.displayName, ageAtReferral: r.ageAtReferral },
        nextVisitAt: r.nextVisitAt ? r.nextVisitAt.toISOString() : null, overdue: r.overdue, version: r.version, createdAt: r.createdAt.toISOString(),
        stateChangedAt: r.stateChangedAt.toISOString(), priority: r.priority, hasUnreviewedSignal: r.hasUnreviewedSignal, reReferral: r.reReferral,
        caseManagerUserId: r.caseManagerUserId,
      })),
      nextCursor: more ? encodeCursor([slice[slice.length - 1].createdAt.toISOString(), slice[slice.length - 1].id]) : null,
    };
  }

  // --- get -------------------------------------------------------------------------------------------
  const planCache = new Map();
  /** The response plan of a role set: which keys to keep, per nesting level (pickFields of the app, precompiled). */
  function fieldPlan(actor) {
    const key = actor.roles.join(',');
    let p = planCache.get(key);
    if (!p) {
      const classes = new Set(actor.roles.flatMap((r) => readableClasses(r, { coordinatorReadsYouthworkOnly: settings.coordinatorReadsYouthworkOnly })));
      const fields = fieldsOfClasses('Case', [...classes]);
      const auditClasses = [...classes].filter((c) => c !== 'NORMAL').sort();
      p = { plan: compilePlan(fields), auditClasses };
      planCache.set(key, p);
    }
    return p;
  }

  function visibleCase(actor, f) {
    if (has(actor, 'coordinator') && (actor.districtIds.includes(f.districtId) || f.grantActive)) return true;
    return isVisitor(actor) && f.assignedToActor && f.visitorWindowOpen;
  }

  function breakGlass(actor, f) {
    const viaDistrict = actor.districtIds.includes(f.districtId) || f.assignedToActor;
    if (viaDistrict || !f.grantActive || !f.activeGrantId) return { bg_grant_id: null, bg_reason_sha256: null };
    return { bg_grant_id: f.activeGrantId, bg_reason_sha256: hexBytea(f.grantReasonSha256) };
  }

  async function get(client, actor, id) {
    const { plan, auditClasses } = fieldPlan(actor);
    return tx(client, actor, async () => {
      const f = (await client.query(bind(stmts.caseFacts, { actor_user_id: actor.userId, visitor_days: settings.visitorAfterCloseDays, case_id: id }))).rows[0];
      if (!f || !visibleCase(actor, f)) fail('NOT_FOUND', 'Case not found', { auditSubjectIds: f ? [f.subjectId] : [] });
      const r = await client.query(
        bind(stmts.caseLoad, {
          target_days: settings.firstAttemptTargetDays, case_id: id, field_classes: auditClasses, ...breakGlass(actor, f),
          ...auditParams(actor, purposeFor(actor, CASE_PURPOSE)),
        }),
      );
      if (!r.rows[0]) fail('NOT_FOUND', 'Case not found');
      return pick(r.rows[0].doc, plan);
    });
  }

  // --- create ----------------------------------------------------------------------------------------
  function fingerprint(req) {
    const c = canonicalize({ method: req.method, route: req.route, params: req.params, body: JSON.parse(JSON.stringify(req.body ?? null)) });
    return sha256(c ?? '');
  }
  const scopeOf = (actor) => (actor.type === 'api_key' ? `apikey:${actor.apiKeyId}` : `user:${actor.userId}`);

  /** lock and lookup: null → go on; a stored answer → replay (same body) or 422 (another body). */
  async function idempotency(client, actor, key, fp, now) {
    const scope = scopeOf(actor);
    const locked = (await client.query(bind(stmts.lock, { lock_key: `${scope}:${key}` }))).rows[0];
    if (!locked?.ok) fail('IDEMPOTENCY_CONFLICT', 'A request with this Idempotency-Key is still being processed; retry shortly', { status: 409, retryAfterSeconds: 1 });
    const stored = (await client.query(bind(stmts.lookup, { idem_scope: scope, idem_key: key, now }))).rows[0];
    if (!stored) return { scope, replay: null };
    if (!stored.fingerprint.equals(fp)) fail('IDEMPOTENCY_CONFLICT', 'This Idempotency-Key was used with a different request');
    return { scope, replay: { status: stored.statusCode, body: stored.body, headers: { ...stored.headers, 'idempotent-replayed': 'true' } } };
  }

  function requireKey(key) {
    if (!key) fail('VALIDATION_FAILED', 'Idempotency-Key header is required for this request', { errors: [{ field: 'Idempotency-Key', code: 'REQUIRED', message: 'Idempotency-Key header is required' }] });
    if (!/^[\x21-\x7e]{1,128}$/.test(key)) fail('VALIDATION_FAILED', 'Idempotency-Key must be 1–128 printable ASCII characters');
  }

  /** Checks and intake parameters of a referral (also what L0's input rows hold). */
  function createPlan(actor, dto, key, now = new Date()) {
    if (actor.type === 'api_key') requireKey(key);
    if (!settings.legalBasisCodes.includes(dto.legalBasisCode)) {
      fail('VALIDATION_FAILED', 'Unknown legal-basis code', { errors: [{ field: 'legalBasisCode', code: 'LEGAL_BASIS_UNKNOWN', message: `legalBasisCode must be one of ${settings.legalBasisCodes.join(', ')}` }] });
    }
    const isReferrer = has(actor, 'referrer') && !has(actor, 'coordinator');
    if (isReferrer) {
      const org = actor.org;
      if (!org) fail('FORBIDDEN', 'L1/L2 take referrals from API keys and coordinators (the benchmark scenario)');
      if (!org.active || !org.canRefer || !org.covenantSignedAt) fail('FORBIDDEN', 'Your organisation may not submit referrals (no right to refer or no signed covenant)');
      const allowed = SOURCE_FOR_ORG_TYPE[org.type];
      if (allowed && !allowed.includes(dto.sourceType)) {
        fail('VALIDATION_FAILED', `A ${org.type} organisation submits ${allowed.join(' or ')} referrals`, { errors: [{ field: 'sourceType', code: 'SOURCE_TYPE_NOT_ALLOWED', message: `sourceType must be ${allowed.join(' or ')}` }] });
      }
    }
    const receivedAt = dto.receivedAt ? new Date(dto.receivedAt) : now;
    const s = dto.subject;
    const swapped = swappedDate(s.dateOfBirth);
    const police = Boolean(dto.externalReference || dto.fraudType || dto.amountBand || dto.bankRegistrationStatus || dto.notes);
    const fp = key ? fingerprint({ method: 'POST', route: '/referrals', params: {}, body: dto }) : null;
    const receipt = { receivedAt: receivedAt.toISOString() };
    const params = {
      municipality: s.address.municipality.trim(), match_key: matchKey(intakeMatchKey, s.familyName, s.dateOfBirth, s.givenNames),
      dob_dates: swapped ? [s.dateOfBirth, swapped] : [s.dateOfBirth], name_norm: nameForSimilarity(s.givenNames, s.familyName), similarity: settings.duplicateSimilarity,
      family_name: s.familyName.trim(), given_names: s.givenNames.trim(), date_of_birth: s.dateOfBirth, sex: s.sex ?? 'UNKNOWN', street: s.address.street.trim(),
      house_number: s.address.houseNumber, postcode: s.address.postcode.toUpperCase().replace(/^(\d{4}) ?/, '$1 '), phone: s.phone ?? null,
      guardians: JSON.stringify((s.guardians ?? []).map((g) => ({ name: g.name, relation: g.relation, phone: g.phone ?? null }))),
      now, by_role: isReferrer ? 'referrer' : 'coordinator', source_type: dto.sourceType, received_at: receivedAt, incident_month: dto.incidentMonth ?? null,
      reason_codes: dto.reasonCodes, legal_basis_code: dto.legalBasisCode,
      consent_given: dto.consentObtainedByReferrer ? String(dto.consentObtainedByReferrer.given) : null, consent_date: dto.consentObtainedByReferrer?.date ?? null,
      external_reference: dto.externalReference ?? null, fraud_type: dto.fraudType ?? null, amount_band: dto.amountBand ?? null,
      bank_registration_status: dto.bankRegistrationStatus ?? null, notes: dto.notes ?? null,
      field_classes: police ? ['IDENTIFYING', 'POLICE_ORIGIN'] : ['IDENTIFYING'], idem_key: key ?? '', fingerprint: fp ?? Buffer.alloc(0),
      body_template: JSON.stringify(receipt), full_body: String(!isReferrer), expires_at: new Date(now.getTime() + idempotencyTtlHours * 3_600_000),
      ...auditParams(actor, 'INTAKE'),
    };
    return { params, isReferrer, receipt, fp, now };
  }

  async function create(client, actor, dto, key) {
    const { params, isReferrer, receipt, fp, now } = createPlan(actor, dto, key);
    const s = dto.subject;
    return tx(client, actor, async () => {
      let idem = { scope: scopeOf(actor), replay: null };
      if (key) idem = await idempotency(client, actor, key, fp, now);
      if (idem.replay) return idem.replay;
      const r = (await client.query(bind(stmts.intake, { ...params, idem_scope: idem.scope }))).rows[0];
      if (!r.municipalityFound || !r.inDistrict) {
        fail('UNKNOWN_MUNICIPALITY', 'The municipality is not known to the programme', { errors: [{ field: 'subject.address.municipality', code: 'UNKNOWN_MUNICIPALITY', message: 'municipality must be a municipality name or CBS code (GMnnnn) of the programme region' }] });
      }
      if (!r.id) throw Object.assign(new Error('concurrent intake of the same person'), { code: '40001' });
      const body = { id: r.id, receivedAt: receipt.receivedAt, status: r.status };
      if (isReferrer) return { status: 201, body };
      const age = ageOn(s.dateOfBirth, now);
      const warnings = age < settings.eligibleAgeMin || age > settings.eligibleAgeMax ? ['AGE_OUTSIDE_ELIGIBLE_RANGE'] : [];
      return { status: 201, body: { ...body, caseId: r.caseId, subjectMatch: r.subjectMatch, warnings } };
    });
  }

  // --- attempt ---------------------------------------------------------------------------------------
  async function attempt(client, actor, visitId, dto, key) {
    requireKey(key);
    const now = new Date();
    const fp = fingerprint({ method: 'POST', route: '/visits/:id/attempts', params: { id: visitId }, body: dto });
    return tx(client, actor, async () => {
      const idem = await idempotency(client, actor, key, fp, now);
      if (idem.replay) return idem.replay;
      const f = (await client.query(bind(stmts.attemptFacts, { actor_user_id: actor.userId, visit_id: visitId }))).rows[0];
      if (!f) fail('NOT_FOUND', 'Visit not found');
      const subjectIds = [f.subjectId];
      const coordinatorScope = has(actor, 'coordinator') && (actor.districtIds.includes(f.districtId) || f.grantActive);
      const visitorScope = isVisitor(actor) && f.assignedToActor && f.caseOpen;
      if (!coordinatorScope && !visitorScope) fail('NOT_FOUND', 'Visit not found', { auditSubjectIds: subjectIds });
      const onVisit = f.visitors.some((v) => v.userId === actor.userId);
      let onBehalf = null;
      if (!(onVisit && !dto.onBehalfOfUserId)) {
        if (!has(actor, 'coordinator')) fail('FORBIDDEN', 'Only the visitors on this visit record what happened at the door', { auditSubjectIds: subjectIds });
        if (!dto.onBehalfOfUserId || !f.visitors.some((v) => v.userId === dto.onBehalfOfUserId)) {
          fail('VALIDATION_FAILED', 'A coordinator records on behalf of one of the visitors', { errors: [{ field: 'onBehalfOfUserId', code: 'NOT_A_VISITOR', message: 'onBehalfOfUserId must be a visitor on this visit' }], auditSubjectIds: subjectIds });
        }
        onBehalf = dto.onBehalfOfUserId;
      }
      if (f.visitStatus !== 'PLANNED') fail('CONFLICT', `The visit is ${f.visitStatus.toLowerCase()}; plan a new visit for another attempt`, { auditSubjectIds: subjectIds });
      if (f.state !== 'VISIT_PLANNED') fail('INVALID_TRANSITION', `Attempts are recorded on a planned visit; the case is ${f.state}`, { details: { currentState: f.state, allowedTargets: [] }, auditSubjectIds: subjectIds });
      const occurredAt = new Date(dto.occurredAt);
      if (occurredAt.getTime() < f.plannedStart.getTime() - 12 * 3_600_000) {
        fail('VALIDATION_FAILED', 'The attempt lies too long before the planned visit', { errors: [{ field: 'occurredAt', code: 'BEFORE_VISIT', message: 'occurredAt must not be more than 12 hours before plannedStart' }], auditSubjectIds: subjectIds });
      }
      const result = dto.result;
      const counts = !UNCOUNTED_ATTEMPT_RESULTS.includes(result);
      const slot = slotOf(occurredAt, settings.timeSlots, settings.programmeTimeZone);
      const timeSlot = slot.slot ?? OUTSIDE_SLOTS;
      const warnings = f.earlier.some((e) => e.weekday === slot.weekday && e.timeSlot === timeSlot) ? ['SAME_WEEKDAY_AND_SLOT_AS_EARLIER_ATTEMPT'] : [];
      const counted = f.countedAttempts + (counts ? 1 : 0);
      const to = result === 'CONVERSATION_HELD' ? 'CONVERSATION_HELD' : result === 'REFUSED_AT_DOOR' ? 'REFUSED' : counts && counted >= settings.maxAttempts ? 'UNREACHABLE' : 'NO_CONTACT';
      const body = {
        visitId, caseId: f.caseId, attemptNo: f.nextAttemptNo, occurredAt: occurredAt.toISOString(), weekday: slot.weekday, timeSlot, result,
        countsTowardMax: counts, cardLeft: dto.cardLeft, spokeWith: dto.spokeWith, recordedByUserId: actor.userId, onBehalfOfUserId: onBehalf, caseState: to, warnings,
      };
      const r = (
        await client.query(
          bind(stmts.attempt, {
            visit_id: visitId, case_id: f.caseId, subject_id: f.subjectId, attempt_no: f.nextAttemptNo, occurred_at: occurredAt, weekday: slot.weekday,
            time_slot: timeSlot, result, counts: String(counts), card_left: String(dto.cardLeft), spoke_with: dto.spokeWith, actor_user_id: actor.userId,
            on_behalf_of: onBehalf, to_state: to, from_state: f.state, now, counted, by_role: primaryCaseRole(actor), ...breakGlass(actor, f),
            idem_scope: idem.scope, idem_key: key, fingerprint: fp, body_template: JSON.stringify(body),
            expires_at: new Date(now.getTime() + idempotencyTtlHours * 3_600_000), ...auditParams(actor, 'VISIT'),
          }),
        )
      ).rows[0];
      if (!r.caseVersion) fail('CONFLICT', 'The case changed state meanwhile; reload and retry');
      return { status: 201, body: { id: r.id, ...body, version: r.version } };
    });
  }

  return { stmts, authenticate, requireRole, purposeFor, auditParams, contextParams, tx, list, listParams, get, create, createPlan, attempt, fingerprint, fieldPlan, scopeOf };
}

function primaryCaseRole(actor) {
  for (const r of ['coordinator', 'police_officer', 'youth_worker', 'referrer']) if (actor.roles.includes(r)) return r;
  return actor.roles[0] ?? null;
}

function ageOn(dateOfBirth, at) {
  const dob = new Date(`${dateOfBirth}T00:00:00Z`);
  let age = at.getUTCFullYear() - dob.getUTCFullYear();
  const m = at.getUTCMonth() - dob.getUTCMonth();
  if (m < 0 || (m === 0 && at.getUTCDate() < dob.getUTCDate())) age--;
  return age;
}

/**
 * The app's pickFields (src/authorization/fields.ts) compiled once per field set: a key is kept whole when its path is
 * a permitted field, descended into when some permitted field lies below it, dropped otherwise; arrays element-wise.
 */
export function compilePlan(fields, prefix = '') {
  const plan = new Map();
  const below = new Map();
  for (const f of fields) {
    if (prefix && !f.startsWith(`${prefix}.`)) continue;
    const rest = prefix ? f.slice(prefix.length + 1) : f;
    const dot = rest.indexOf('.');
    if (dot < 0) plan.set(rest, true);
    else {
      const head = rest.slice(0, dot);
      if (!below.has(head)) below.set(head, true);
    }
  }
  for (const head of below.keys()) if (plan.get(head) !== true) plan.set(head, compilePlan(fields, prefix ? `${prefix}.${head}` : head));
  return plan;
}

export function pick(value, plan) {
  const out = {};
  for (const key in value) {
    const p = plan.get(key);
    if (p === undefined) continue;
    const v = value[key];
    if (p === true) out[key] = v;
    else if (v === null || v === undefined) continue;
    else if (Array.isArray(v)) out[key] = v.map((item) => (item && typeof item === 'object' ? pick(item, p) : item));
    else if (typeof v === 'object') out[key] = pick(v, p);
  }
  return out;
}

export const FIELD_REGISTRY_CASE = FIELD_REGISTRY.Case;
