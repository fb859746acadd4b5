import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { RequestMeta } from './actor.js';
import type { RequestWithActor } from './current-actor.decorator.js';

/** Request id, route, client address and timing for a public route (where there is no actor yet). */
export const CurrentRequest = createParamDecorator((_data: unknown, ctx: ExecutionContext): RequestMeta => {
  const req = ctx.switchToHttp().getRequest<RequestWithActor>();
  return req.requestMeta!;
});
