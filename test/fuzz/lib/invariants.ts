/**
 * What every response must satisfy (IN-01, IN-02). Each check returns violations as short strings; an
 * empty list means the response is fine.
 */
import { INJECTION_PAYLOADS } from './arbitraries.js';
import type { RawRequest, RawResponse } from './http.js';
import { isDocumented, type Operation } from './openapi.js';

/** Facts about the request as sent, for the conditional invariants. */
export interface SentMeta {
  requestId: string;
  /** Canary in unknown body keys (`…k`) and in unknown values (`…v`). */
  canaryKey: string;
  canaryValue: string;
  /** The body carries at least one field the schema does not define. */
  unknownBodyField: boolean;
  /** NUL in the URL, or in a JSON body the operation parses. */
  nul: boolean;
  /** A JSON body larger than the configured limit. */
  overLimit: boolean;
  /** A path or query value that may be rejected at URL level (routing, NUL hook) before the body is read. */
  urlHostile: boolean;
  /** Injection payloads present in the request. */
  injected: string[];
}

/** Internals that must never reach a client. */
const INTERNALS: Array<[RegExp, string]> = [
  [/\n\s+at\s|^\s{2,}at\s|\bat\s+\S+\s+\((?:file:|node:|\/)/m, 'stack frame'],
  [/QueryFailedError|EntityNotFound|TypeORMError|DatabaseError|PostgresError/, 'ORM/driver error class'],
  [/node_modules/, 'node_modules path'],
  [/\/work\/|\/home\/|\/usr\/|[A-Z]:\\\\|\bdist\/src\b|\bsrc\/[a-z-]+\/[a-z-.]+\.(?:ts|js)\b/, 'file path'],
  [/\bSELECT\s+[\w"*(]|\bINSERT\s+INTO\b|\bUPDATE\s+"?\w+"?\s+SET\b|\bDELETE\s+FROM\b|\bRETURNING\b|\bWHERE\s+"?\w+"?\s*=|\$\d+::/, 'SQL text'],
  [/\bSQLSTATE\b|\bsqlState\b|"code"\s*:\s*"(?:2[2-9]|4[02]|5[3-8]|XX|P0)[0-9A-Z]{3}"/, 'SQLSTATE'],
  [/invalid input syntax for|violates (?:foreign key|unique|check|not-null|exclusion) constraint|duplicate key value|value too long for type|out of range for type|invalid byte sequence|unsupported Unicode escape|null value in column|relation "[^"]+" does not exist|column "[^"]+"|syntax error at or near|current transaction is aborted|permission denied for|canceling statement due to|could not serialize access/i, 'driver message'],
  [/\bpg_\w+|\bpublic\.\w+/, 'database object name'],
  [/TypeError|ReferenceError|RangeError|SyntaxError: (?!Unexpected token)|Cannot read propert|is not a function|undefined is not|Maximum call stack/, 'JavaScript error'],
];

const problemCodes = /^[A-Z][A-Z0-9_]*$/;

/** The string leaves of a problem body that could echo input (everything but field names and `instance`). */
function echoSurface(body: Record<string, unknown>): string {
  const parts: string[] = [];
  const walk = (v: unknown, key: string, depth: number) => {
    if (depth > 6) return;
    if (typeof v === 'string') {
      if (key !== 'field' && key !== 'instance' && key !== 'requestId') parts.push(v);
    } else if (Array.isArray(v)) v.forEach((x) => walk(x, key, depth + 1));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, k, depth + 1);
  };
  walk(body, '', 0);
  return parts.join('\n');
}

export function checkResponse(op: Operation, req: RawRequest, meta: SentMeta, res: RawResponse): string[] {
  const v: string[] = [];
  const status = res.status;
  if (status >= 500) v.push(`5xx: ${status}`);
  if (!isDocumented(op, status)) v.push(`undocumented status ${status} (documented: ${op.statuses.join(', ')})`);
  if (res.headers['x-request-id'] !== meta.requestId) v.push(`X-Request-Id ${String(res.headers['x-request-id'])} != sent ${meta.requestId}`);

  if (status >= 400) {
    const ct = String(res.headers['content-type'] ?? '');
    if (!ct.startsWith('application/problem+json')) v.push(`error content-type "${ct}" is not application/problem+json`);
    const body = res.json as Record<string, unknown> | undefined;
    if (!body || typeof body !== 'object' || Array.isArray(body)) v.push('error body is not a JSON object');
    else {
      if (typeof body.code !== 'string' || !problemCodes.test(body.code)) v.push(`problem without a SCREAMING_SNAKE code: ${JSON.stringify(body.code)}`);
      if (typeof body.requestId !== 'string' || !body.requestId) v.push('problem without requestId');
      else if (body.requestId !== meta.requestId) v.push(`problem requestId ${body.requestId} != ${meta.requestId}`);
      if (body.status !== undefined && body.status !== status) v.push(`problem status ${String(body.status)} != HTTP ${status}`);
      const surface = echoSurface(body);
      if (surface.includes(meta.canaryValue)) v.push('problem echoes an unknown field\'s value (canary)');
      for (const p of meta.injected) if (surface.includes(p)) v.push(`problem echoes the injected payload ${JSON.stringify(p)}`);
    }
    for (const [re, what] of INTERNALS) {
      const m = re.exec(res.text);
      if (m) v.push(`problem leaks internals (${what}): …${res.text.slice(Math.max(0, m.index - 40), m.index + 60)}…`);
    }
  } else if (res.text.includes(meta.canaryValue) || res.text.includes(meta.canaryKey)) {
    v.push(`${status} response carries an unknown field sent in the request (canary)`);
  }

  if (meta.nul && ![400, 413, 414, 415].includes(status)) v.push(`NUL in the request answered ${status}, not 400`);
  if (op.body && meta.unknownBodyField && status >= 200 && status < 300) v.push(`unknown body field accepted with ${status} (must be 400)`);
  // Fastify reads the body after routing and the URL checks: a malformed URL may be refused first.
  if (op.body && meta.overLimit && status !== 413 && !(meta.urlHostile && [400, 404, 414].includes(status))) v.push(`body over the limit answered ${status}, not 413`);
  return v;
}

/** Injection payloads present in what was sent (as JSON-escaped text in the body, or percent-encoded in the URL). */
export function injectedIn(bodyText: string | undefined, decodedUrl: string): string[] {
  return INJECTION_PAYLOADS.filter((p) => (bodyText ?? '').includes(JSON.stringify(p).slice(1, -1)) || decodedUrl.includes(p));
}
