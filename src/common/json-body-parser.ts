import { BadRequestException } from '@nestjs/common';
import type { FastifyInstance, FastifyRequest } from 'fastify';

const NUL_ESCAPE = Buffer.from('\\u0000');

function containsNul(value: unknown, depth = 0): boolean {
  if (depth > 64) return false;
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some((v) => containsNul(v, depth + 1));
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) if (k.includes('\u0000') || containsNul(v, depth + 1)) return true;
  }
  return false;
}

/**
 * Fastify's JSON parser (with its __proto__/constructor poisoning protection) plus a NUL check:
 * PostgreSQL cannot store U+0000 in text, so it is refused at the door instead of failing in SQL.
 */
export function nulSafeJsonParser(fastify: FastifyInstance) {
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  return (req: FastifyRequest, body: Buffer, done: (err: Error | null, body?: unknown) => void) => {
    parseJson(req, body as unknown as string, (err: Error | null, value?: unknown) => {
      if (err) return done(err, undefined);
      if (body.indexOf(NUL_ESCAPE) !== -1 && containsNul(value)) {
        return done(new BadRequestException('JSON must not contain NUL characters (\\u0000)'), undefined);
      }
      done(null, value);
    });
  };
}
