import type { FastifyReply } from 'fastify';
import type { HttpResult } from '../idempotency/idempotency.service.js';

/** Writes the status and headers of a (possibly replayed) result; the body is returned to Nest. */
export function send<T>(reply: FastifyReply, result: HttpResult<T>): T {
  void reply.code(result.status);
  for (const [k, v] of Object.entries(result.headers ?? {})) void reply.header(k, v);
  return result.body;
}
