import { type CanActivate, type ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { CAN_KEY, PUBLIC_KEY, PURPOSE_KEY, type CanDeclaration } from '../authorization/access.decorators.js';
import { DomainError } from '../common/errors.js';

/**
 * Layer 1 of authorization: deny by default. A handler is reachable only when it is marked public or
 * declares both a permission and a processing activity.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  private readonly logger = new Logger('AccessGuard');

  constructor(private readonly reflector: Reflector) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const handler = context.getHandler();
    if (this.reflector.get<boolean>(PUBLIC_KEY, handler)) return true;
    const can = this.reflector.get<CanDeclaration | undefined>(CAN_KEY, handler);
    const purpose = this.reflector.get(PURPOSE_KEY, handler);
    if (!can || !purpose) {
      this.logger.error({ handler: `${context.getClass().name}.${handler.name}` }, 'route without a permission or purpose declaration refused');
      throw new DomainError('FORBIDDEN', 'This route is not available');
    }
    throw new DomainError('UNAUTHENTICATED', 'Authentication required');
  }
}
