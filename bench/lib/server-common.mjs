// Pieces the hand-written servers share: settings from the app's own configuration loader (defaults and the bench
// environment), request metadata as the app's access guard builds it, and problem+json bodies.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import { dist } from './paths.mjs';

const { loadConfig } = await import(dist('src/config/app-config.js'));
const { ERROR_STATUS } = await import(dist('src/common/errors.js'));

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';
export { ERROR_STATUS };

/** The app's configuration for the given environment (the same variables L3 gets) and the settings the canonical code reads. */
export function appSettings(env) {
  const config = loadConfig(env);
  const w = config.workflow;
  return {
    config,
    settings: {
      sessionIdleMinutes: config.session.idleMinutes,
      sessionTouchSeconds: config.session.lastSeenRefreshSeconds,
      firstAttemptTargetDays: w.firstAttemptTargetDays,
      visitorAfterCloseDays: w.visitorAfterCloseDays,
      coordinatorReadsYouthworkOnly: w.coordinatorReadsYouthworkOnly,
      legalBasisCodes: w.legalBasisCodes,
      duplicateSimilarity: w.duplicateSimilarity,
      eligibleAgeMin: w.eligibleAgeMin,
      eligibleAgeMax: w.eligibleAgeMax,
      timeSlots: w.timeSlots,
      programmeTimeZone: w.programmeTimeZone,
      maxAttempts: w.maxAttempts,
      stepUpMinutes: config.mfa.stepUpMinutes,
    },
  };
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** The app's genReqId: a well-formed incoming X-Request-Id, else a fresh uuid. */
export function genReqId(req) {
  const incoming = req.headers['x-request-id'];
  return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;
export function requestMeta(req, routeUrl) {
  const ua = req.headers['user-agent'];
  const tp = typeof req.headers.traceparent === 'string' ? TRACEPARENT.exec(req.headers.traceparent) : null;
  return {
    requestId: String(req.id),
    method: req.method,
    route: `${req.method} ${routeUrl}`,
    purpose: null,
    ip: req.ip ?? null,
    userAgentSha256: typeof ua === 'string' ? createHash('sha256').update(ua).digest() : null,
    startedAt: new Date(),
    traceId: tp?.[1] ?? randomBytes(16).toString('hex'),
    spanId: randomBytes(8).toString('hex'),
  };
}

export class BenchError extends Error {
  constructor(code, message, options = {}) {
    super(message);
    this.code = code;
    this.options = options;
    this.status = options.status ?? ERROR_STATUS[code] ?? 500;
  }
}

export function problemBody(status, code, detail, requestId, extra = {}) {
  return { type: 'about:blank', title: STATUS_CODES[status] ?? 'Error', status, ...(detail ? { detail } : {}), code, requestId, ...extra };
}

/** Static response headers of the app (helmet with its options in src/app.setup.ts, CSP and cache-control). */
export const APP_HEADERS = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'origin-agent-cluster': '?1',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-frame-options': 'SAMEORIGIN',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'cache-control': 'no-store',
};

const AJV_CODES = { additionalProperties: 'UNKNOWN_FIELD', required: 'REQUIRED', enum: 'INVALID_ENUM', maxLength: 'TOO_LONG', minLength: 'TOO_SHORT', maxItems: 'TOO_MANY_ITEMS', minItems: 'TOO_FEW_ITEMS' };
/** Ajv errors as the app's `{ field, code, message }` with dotted paths. */
export function fieldErrors(validation, context) {
  return validation.map((e) => {
    let field = (e.instancePath || '').replace(/^\//, '').replace(/\//g, '.');
    if (e.keyword === 'additionalProperties') field = field ? `${field}.${e.params.additionalProperty}` : e.params.additionalProperty;
    if (e.keyword === 'required') field = field ? `${field}.${e.params.missingProperty}` : e.params.missingProperty;
    if (!field) field = context ?? '';
    const code = AJV_CODES[e.keyword] ?? e.keyword.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
    return { field, code, message: e.keyword === 'additionalProperties' ? `${field} is not a known field` : `${field} ${e.message}` };
  });
}

export const RETRYABLE = new Set(['40001', '40P01']);
