import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DomainError, type FieldError } from './errors.js';

/** Deeper than any body the API defines; deeper input only exhausts recursion in the validators. */
export const MAX_JSON_DEPTH = 32;

/** Keys that would reach an object's prototype chain instead of a declared field. */
const RESERVED_KEYS = new Set([...Object.getOwnPropertyNames(Object.prototype), 'prototype']);

/** One pass over the parsed body: NUL characters, nesting depth and keys that shadow Object.prototype. */
function inspect(value: unknown): FieldError | null {
  const stack: Array<[unknown, number, string]> = [[value, 0, '']];
  while (stack.length > 0) {
    const [v, depth, path] = stack.pop()!;
    if (typeof v === 'string') {
      if (v.includes('\u0000')) return { field: path || 'body', code: 'NUL_CHARACTER', message: 'NUL characters (\\u0000) are not allowed' };
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (depth >= MAX_JSON_DEPTH) return { field: path || 'body', code: 'TOO_DEEP', message: `JSON may nest at most ${MAX_JSON_DEPTH} levels` };
    if (Array.isArray(v)) {
      v.forEach((item, i) => stack.push([item, depth + 1, `${path}[${i}]`]));
      continue;
    }
    for (const [k, item] of Object.entries(v)) {
      const field = path ? `${path}.${k}` : k;
      if (k.includes('\u0000')) return { field: path || 'body', code: 'NUL_CHARACTER', message: 'NUL characters (\\u0000) are not allowed' };
      if (RESERVED_KEYS.has(k)) return { field, code: 'UNKNOWN_FIELD', message: `${field} is not a known field` };
      stack.push([item, depth + 1, field]);
    }
  }
  return null;
}

/**
 * Fastify's JSON parser (with its __proto__/constructor poisoning protection) plus the checks the
 * validators cannot make: PostgreSQL cannot store U+0000 in text, deep nesting would exhaust the
 * transformer's recursion, and keys such as `constructor` would pass the unknown-field check.
 */
export function nulSafeJsonParser(fastify: FastifyInstance) {
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  return (req: FastifyRequest, body: Buffer, done: (err: Error | null, body?: unknown) => void) => {
    parseJson(req, body as unknown as string, (err: Error | null, value?: unknown) => {
      if (err) return done(err, undefined);
      const problem = inspect(value);
      if (problem) return done(new DomainError('VALIDATION_FAILED', problem.message, { errors: [problem] }), undefined);
      done(null, value);
    });
  };
}
