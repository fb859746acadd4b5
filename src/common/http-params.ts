import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { DomainError } from './errors.js';
import { parseIfMatch } from './if-match.js';

/** The version from `If-Match: "<version>"` (428 when missing, 400 when malformed). */
export const IfMatchVersion = createParamDecorator((_d: unknown, ctx: ExecutionContext): number =>
  parseIfMatch(ctx.switchToHttp().getRequest<FastifyRequest>().headers['if-match']),
);

const KEY = /^[\x21-\x7e]{1,128}$/;

/** `Idempotency-Key`: 1–128 printable ASCII characters, or undefined when absent. */
export const IdempotencyKeyHeader = createParamDecorator((_d: unknown, ctx: ExecutionContext): string | undefined => {
  const raw = ctx.switchToHttp().getRequest<FastifyRequest>().headers['idempotency-key'];
  if (raw === undefined) return undefined;
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (!KEY.test(value)) {
    throw new DomainError('VALIDATION_FAILED', 'Idempotency-Key must be 1–128 printable ASCII characters', {
      errors: [{ field: 'Idempotency-Key', code: 'INVALID_IDEMPOTENCY_KEY', message: 'Idempotency-Key must be 1–128 printable ASCII characters' }],
    });
  }
  return value;
});

/** Documents the If-Match header a route requires (and with it the 412 and 428 answers). */
export const IfMatchHeader = () => ApiHeader({ name: 'If-Match', required: true, description: 'The current version as a strong ETag, e.g. "3"; missing → 428, stale → 412' });
