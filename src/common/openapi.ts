import type { OpenAPIObject } from '@nestjs/swagger';

const PROBLEM_SCHEMA = {
  type: 'object',
  description: 'RFC 9457 problem details',
  required: ['type', 'title', 'status', 'code', 'requestId'],
  properties: {
    type: { type: 'string', example: 'about:blank' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    code: { type: 'string', description: 'Stable SCREAMING_SNAKE_CASE error code' },
    requestId: { type: 'string' },
    instance: { type: 'string' },
    errors: {
      type: 'array',
      items: { type: 'object', required: ['field', 'code', 'message'], properties: { field: { type: 'string' }, code: { type: 'string' }, message: { type: 'string' } } },
    },
  },
};

const DESCRIPTIONS: Record<string, string> = {
  '400': 'Invalid input (VALIDATION_FAILED, MALFORMED_REQUEST)',
  '401': 'Not authenticated (UNAUTHENTICATED, MFA_REQUIRED, STEP_UP_REQUIRED)',
  '403': 'Authenticated but not allowed (FORBIDDEN)',
  '404': 'Not found, or outside the caller\'s scope (NOT_FOUND)',
  '409': 'Conflict (CONFLICT, INVALID_TRANSITION, IDEMPOTENCY_CONFLICT for a duplicate in flight)',
  '412': 'Stale If-Match (VERSION_CONFLICT)',
  '413': 'Body larger than the limit (PAYLOAD_TOO_LARGE)',
  '415': 'Only application/json (UNSUPPORTED_MEDIA_TYPE)',
  '422': 'Well-formed but not processable (IDEMPOTENCY_CONFLICT, UNPROCESSABLE)',
  '414': 'A path parameter or the URL is too long (MALFORMED_REQUEST)',
  '428': 'If-Match required (PRECONDITION_REQUIRED)',
  '429': 'Too many requests (RATE_LIMITED), see Retry-After',
  '500': 'Internal error (INTERNAL); carries no details',
  '503': 'Temporarily unavailable (UNAVAILABLE), see Retry-After',
};

const problemResponse = (code: string) => ({
  description: DESCRIPTIONS[code] ?? 'Error',
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
});

/**
 * Adds the problem+json error responses every operation can give, derived from what the operation
 * declares (security, parameters, body), so the document lists every status a client must handle.
 */
export function decorateOpenApi(doc: OpenAPIObject): OpenAPIObject {
  doc.components = doc.components ?? {};
  doc.components.schemas = { ...(doc.components.schemas ?? {}), Problem: PROBLEM_SCHEMA };
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of ['get', 'post', 'put', 'patch', 'delete'] as const) {
      const op = item[method];
      if (!op) continue;
      const secured = (op.security ?? []).some((s) => Object.keys(s).length > 0);
      const headers = ((op.parameters ?? []) as Array<{ in?: string; name?: string }>).filter((p) => p.in === 'header').map((p) => p.name?.toLowerCase());
      const codes = new Set<string>(['400', '429', '500', '503']);
      if (secured || path.endsWith('/auth/login')) codes.add('401');
      if (secured) codes.add('403');
      if (path.includes('{')) ['404', '414'].forEach((c) => codes.add(c));
      // Any request may carry a body: an unsupported type is 415, an oversized one 413.
      if (method !== 'get') ['409', '413', '415', '422'].forEach((c) => codes.add(c));
      if (headers.includes('if-match')) ['412', '428'].forEach((c) => codes.add(c));
      for (const declared of Object.keys(op.responses ?? {})) if (/^[45]\d\d$/.test(declared)) codes.add(declared);
      op.responses = op.responses ?? {};
      for (const c of codes) {
        const existing = op.responses[c] as { description?: string } | undefined;
        op.responses[c] = { ...problemResponse(c), ...(existing?.description ? { description: existing.description } : {}) };
      }
    }
  }
  return doc;
}
