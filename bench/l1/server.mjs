// L1: bare Fastify + pg, written by hand. The same authentication (token hash and lookup, session and key rules),
// route rules, scope and field filtering, JSON-schema validation (unknown fields rejected), the canonical statements in
// a transaction with the same context, problem+json errors with refusals audited, response schemas, pool 10 and one
// pino line per request to a file. BENCH_L1_NOAUDIT=1 drops the audit inserts (bench-only switch: L1-noaudit).
//
//   node bench/l1/server.mjs        (environment: the app's variables, as L3 gets them, plus BENCH_* below)
import Ajv from 'ajv';
import Fastify from 'fastify';
import pg from 'pg';
import pino from 'pino';
import { createCanonical } from '../lib/canonical.mjs';
import { APP_HEADERS, BenchError, PROBLEM_CONTENT_TYPE, RETRYABLE, appSettings, fieldErrors, genReqId, problemBody, requestMeta } from '../lib/server-common.mjs';
import { registerResearch } from './research.mjs';
import * as schemas from './schemas.mjs';

pg.types.setTypeParser(pg.types.builtins.DATE, (v) => v);

const env = process.env;
const audit = env.BENCH_L1_NOAUDIT !== '1';
const { config, settings } = appSettings(env);
const level = audit ? 'L1' : 'L1-noaudit';

const pool = new pg.Pool({
  connectionString: config.databaseUrl,
  max: config.dbPoolSize,
  connectionTimeoutMillis: config.dbAcquireTimeoutMs,
  statement_timeout: config.dbStatementTimeoutMs,
  idle_in_transaction_session_timeout: 15_000,
  application_name: `doorstep-bench-${level}`,
});
pool.on('error', () => undefined);

const canon = createCanonical({
  makeError: (code, message, options) => new BenchError(code, message, options),
  settings,
  audit,
  appVersion: config.appVersion,
  intakeMatchKey: config.intakeMatchKey,
  idempotencyTtlHours: config.idempotencyTtlHours,
});

const log = pino({ level: config.logLevel }, pino.destination({ dest: config.logFile ?? 1, sync: true }));

const ajvCoerce = new Ajv({ coerceTypes: 'array', useDefaults: false, removeAdditional: false, allErrors: false });
const ajvStrict = new Ajv({ coerceTypes: false, useDefaults: false, removeAdditional: false, allErrors: false });

const app = Fastify({
  logger: false,
  bodyLimit: config.bodyLimit,
  genReqId,
  requestIdHeader: false,
  return503OnClosing: true,
  requestTimeout: 30_000,
  onProtoPoisoning: 'error',
  onConstructorPoisoning: 'error',
});
app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? ajvStrict : ajvCoerce).compile(schema));
app.removeContentTypeParser('text/plain');

app.addHook('onRequest', (req, reply, done) => {
  req.t0 = process.hrtime.bigint();
  reply.headers(APP_HEADERS);
  reply.header('x-request-id', req.id);
  done();
});
app.addHook('onResponse', (req, reply, done) => {
  const responseTime = Number(process.hrtime.bigint() - req.t0) / 1e6;
  log.info({ req: { id: req.id, method: req.method, path: req.url.split('?')[0].slice(0, 200) }, res: { statusCode: reply.statusCode }, responseTime, ...(req.phases ? { phases: req.phases } : {}) }, 'request completed');
  done();
});

/** Refusals and errors of authenticated requests are audited in a short transaction of their own (the app's failure auditor). */
async function auditRefusal(actor, err) {
  if (!audit || !actor) return;
  const denied = err.status === 401 || err.status === 403 || err.status === 404;
  const a = canon.auditParams(actor, actor.request.purpose ?? 'ADMINISTRATION');
  const ids = [...new Set((err.options?.auditSubjectIds ?? []).map((s) => s.toLowerCase()))].sort();
  await pool.query(
    `INSERT INTO audit_events (occurred_at, duration_ms, request_id, trace_id, span_id, actor_type, actor_user_id, actor_api_key_id, actor_role, actor_org_id,
       auth_method, action, route, outcome, http_status, error_code, object_type, subject_ids, processing_activity, origin_ip, user_agent_sha256, app_version)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)`,
    [a.started_at, Math.max(0, Date.now() - a.started_at.getTime()), a.request_id, a.trace_id, a.span_id, a.actor_type, a.actor_user_id, a.actor_api_key_id,
     a.actor_role, a.actor_org_id, a.auth_method, actor.request.method === 'GET' ? 'READ' : 'CREATE', a.route, denied ? 'denied' : 'error', err.status, err.code,
     routeObject(a.route), ids, a.purpose, a.origin_ip, a.ua_sha256, a.app_version],
  ).catch(() => log.error({ requestId: a.request_id }, 'could not audit a refused request'));
}

const routeObject = (route) => (route.split(' ')[1] ?? route).split('/').filter((p) => p && !p.startsWith(':') && p !== 'api' && p !== 'v1')[0] ?? 'unknown';

app.setErrorHandler(async (err, req, reply) => {
  let status = 500;
  let code = 'INTERNAL';
  let detail;
  const extra = {};
  if (err.validation) {
    status = 400;
    code = 'VALIDATION_FAILED';
    detail = 'Request validation failed';
    extra.errors = fieldErrors(err.validation, err.validationContext);
  } else if (err instanceof BenchError) {
    status = err.status;
    code = err.code;
    detail = err.message;
    if (err.options.errors) extra.errors = err.options.errors;
    if (err.options.details) Object.assign(extra, err.options.details);
    if (err.options.retryAfterSeconds) reply.header('retry-after', String(err.options.retryAfterSeconds));
    if (status < 500) await auditRefusal(req.actor ?? req.anonymousActor, err);
  } else if (typeof err.code === 'string' && err.code.startsWith('FST_ERR_CTP_')) {
    status = err.statusCode ?? 400;
    code = status === 413 ? 'PAYLOAD_TOO_LARGE' : status === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : 'MALFORMED_REQUEST';
    detail = 'The request body could not be read';
  } else if (err.statusCode && err.statusCode < 500) {
    status = err.statusCode;
    code = status === 404 ? 'NOT_FOUND' : 'MALFORMED_REQUEST';
  } else {
    log.error({ requestId: req.id, errorClass: err?.constructor?.name, sqlState: err?.code }, 'request failed');
  }
  reply.code(status).header('content-type', PROBLEM_CONTENT_TYPE).send(JSON.stringify(problemBody(status, code, detail, req.id, { instance: req.url.split('?')[0].slice(0, 200), ...extra })));
});
app.setNotFoundHandler((req, reply) => {
  reply.code(404).header('content-type', PROBLEM_CONTENT_TYPE).send(JSON.stringify(problemBody(404, 'NOT_FOUND', `Cannot ${req.method} ${req.url.split('?')[0]}`, req.id)));
});

/** Layers 1 and 2 for one route: tokens only in the header, the token lookup, the route's role rule. */
function guard(route, purposeOf) {
  return async (req) => {
    const meta = requestMeta(req, req.routeOptions.url);
    const anonymous = { type: 'anonymous', userId: null, apiKeyId: null, roles: [], organisationId: null, districtIds: [], authMethod: 'none', request: { ...meta, purpose: 'ADMINISTRATION' } };
    req.anonymousActor = anonymous;
    if (Object.values(req.query ?? {}).some((v) => typeof v === 'string' && /^(dss|dsk)_/.test(v))) throw new BenchError('UNAUTHENTICATED', 'Tokens are accepted only in the Authorization header');
    const h = req.headers.authorization;
    const token = typeof h === 'string' && h.startsWith('Bearer ') ? h.slice(7).trim() : null;
    if (!token) throw new BenchError('UNAUTHENTICATED', 'Authentication required');
    const actor = await canon.authenticate((q) => pool.query(q), token, meta);
    actor.request.purpose = purposeOf(actor);
    canon.requireRole(actor, route);
    req.actor = actor;
  };
}

/** A pooled client for the handler; serialization failures and deadlocks rerun it (up to 3 times, as Db.tx). */
async function withClient(work) {
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect();
    let broken = false;
    try {
      return await work(client);
    } catch (e) {
      if (!(e instanceof BenchError) && !RETRYABLE.has(e?.code)) broken = e?.code === undefined || String(e.code).startsWith('08') || String(e.code).startsWith('57');
      if (RETRYABLE.has(e?.code) && attempt < 3) {
        await new Promise((r) => setTimeout(r, 10 + Math.random() * 40 * attempt));
        continue;
      }
      throw e;
    } finally {
      client.release(broken || undefined);
    }
  }
}

const CASE_PURPOSE = { coordinator: 'CASE_MANAGEMENT', police_officer: 'VISIT', youth_worker: 'VISIT' };
const casePurpose = (actor) => canon.purposeFor(actor, CASE_PURPOSE);

app.get('/health/live', async () => ({ status: 'ok' }));

app.get('/api/v1/cases', { schema: { querystring: schemas.listQuery, response: schemas.listResponse }, preHandler: guard('list', casePurpose) }, async (req) =>
  withClient((c) => canon.list(c, req.actor, req.query)),
);

app.get('/api/v1/cases/:id', { schema: { params: schemas.idParams }, preHandler: guard('get', casePurpose) }, async (req, reply) => {
  const body = await withClient((c) => canon.get(c, req.actor, req.params.id.toLowerCase()));
  reply.header('etag', `"${body.version}"`);
  return body;
});

function idempotencyKey(req) {
  const raw = req.headers['idempotency-key'];
  return raw === undefined ? undefined : Array.isArray(raw) ? raw[0] : raw;
}

app.post('/api/v1/referrals', { schema: { body: schemas.createBody, response: schemas.createResponse }, preHandler: guard('create', () => 'INTAKE') }, async (req, reply) => {
  const errors = schemas.checkCreateBody(req.body);
  if (errors.length) throw new BenchError('VALIDATION_FAILED', 'Request validation failed', { errors });
  const r = await withClient((c) => canon.create(c, req.actor, req.body, idempotencyKey(req)));
  reply.code(r.status).headers(r.headers ?? {});
  return r.body;
});

app.post('/api/v1/visits/:id/attempts', { schema: { params: schemas.idParams, body: schemas.attemptBody, response: schemas.attemptResponse }, preHandler: guard('attempt', () => 'VISIT') }, async (req, reply) => {
  const errors = schemas.checkAttemptBody(req.body);
  if (errors.length) throw new BenchError('VALIDATION_FAILED', 'Request validation failed', { errors });
  const r = await withClient((c) => canon.attempt(c, req.actor, req.params.id.toLowerCase(), req.body, idempotencyKey(req)));
  reply.code(r.status).headers(r.headers ?? {});
  if (typeof r.body?.version === 'number') reply.header('etag', `"${r.body.version}"`);
  return r.body;
});

registerResearch(app, { pool, canon, guard, withClient, settings, config, audit, log });

const stop = async () => {
  await app.close().catch(() => undefined);
  await pool.end().catch(() => undefined);
  process.exit(0);
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);

await app.listen({ host: config.host, port: config.port });
process.stdout.write(`${level} listening on http://${config.host}:${config.port}\n`);
