import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Actor } from './actor.js';
import { DomainError } from './errors.js';

export type RequestWithActor = FastifyRequest & { actor?: Actor; requestMeta?: Actor['request'] };

/** The principal the access guard authenticated for this request. */
export const CurrentActor = createParamDecorator((_data: unknown, ctx: ExecutionContext): Actor => {
  const req = ctx.switchToHttp().getRequest<RequestWithActor>();
  if (!req.actor) throw new DomainError('UNAUTHENTICATED', 'Authentication required');
  return req.actor;
});
