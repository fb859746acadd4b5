import { type CanActivate, type ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { createHash, randomBytes } from 'node:crypto';
import { AuditService } from '../audit/audit.service.js';
import { AbilityFactory } from '../authorization/ability.factory.js';
import {
  ALLOW_RESTRICTED_KEY,
  CAN_KEY,
  PUBLIC_KEY,
  PURPOSE_KEY,
  type CanDeclaration,
  type PurposeDeclaration,
} from '../authorization/access.decorators.js';
import type { Actor, ProcessingActivity, RequestMeta } from '../common/actor.js';
import { Clock } from '../common/clock.js';
import type { RequestWithActor } from '../common/current-actor.decorator.js';
import { DomainError } from '../common/errors.js';
import { AuthService } from './auth.service.js';

const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;

/**
 * Layers 1 and 2 of authorization. Deny by default: a handler is reachable only when it is marked
 * public, or declares a permission and a processing activity and the caller's role has some rule for
 * that action on that subject type. Record-level checks and list scoping follow in the services.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  private readonly logger = new Logger('AccessGuard');

  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
    private readonly abilities: AbilityFactory,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<RequestWithActor>();
    const handler = context.getHandler();
    const meta = this.requestMeta(req);
    req.requestMeta = meta;
    if (this.reflector.get<boolean>(PUBLIC_KEY, handler)) return true;

    const can = this.reflector.get<CanDeclaration | undefined>(CAN_KEY, handler);
    const purposeDecl = this.reflector.get<PurposeDeclaration | undefined>(PURPOSE_KEY, handler);
    if (!can || !purposeDecl) {
      this.logger.error({ handler: `${context.getClass().name}.${handler.name}` }, 'route without a permission or purpose declaration refused');
      throw new DomainError('FORBIDDEN', 'This route is not available');
    }
    meta.purpose = typeof purposeDecl === 'string' ? purposeDecl : (Object.values(purposeDecl)[0] ?? null);

    // Tokens in URLs end up in proxy logs and browser history.
    const query = req.query as Record<string, unknown> | undefined;
    if (query && Object.values(query).some((v) => typeof v === 'string' && /^(dss|dsk)_/.test(v))) {
      await this.deny(this.auth.anonymousActor(meta), new DomainError('UNAUTHENTICATED', 'Tokens are accepted only in the Authorization header'));
    }
    const header = req.headers.authorization;
    const token = typeof header === 'string' && header.startsWith('Bearer ') ? header.slice(7).trim() : null;
    if (!token) await this.deny(this.auth.anonymousActor(meta), new DomainError('UNAUTHENTICATED', 'Authentication required'));

    let actor: Actor;
    try {
      actor = await this.auth.authenticate(token!, meta);
    } catch (e) {
      if (e instanceof DomainError && e.status === 401) await this.deny(this.auth.anonymousActor(meta), e);
      throw e;
    }
    if (typeof purposeDecl !== 'string') meta.purpose = resolvePurpose(purposeDecl, actor);
    if (actor.restricted && !this.reflector.get<boolean>(ALLOW_RESTRICTED_KEY, handler)) {
      await this.deny(actor, new DomainError('MFA_REQUIRED', 'Enrol in MFA first (POST /auth/mfa/enroll, then /auth/mfa/activate)'));
    }
    const ability = this.abilities.for(actor);
    if (!ability.can(can.action, can.subject)) {
      await this.deny(actor, new DomainError('FORBIDDEN', 'Your role may not do this'));
    }
    req.actor = actor;
    return true;
  }

  /** A refusal is audited in its own transaction before the error goes out. */
  private async deny(actor: Actor, error: DomainError): Promise<never> {
    await this.audit.recordRefusal(actor, error).catch((e) => {
      this.logger.error({ requestId: actor.request.requestId, errorClass: e?.constructor?.name }, 'could not audit a refused request');
    });
    throw error;
  }

  private requestMeta(req: RequestWithActor): RequestMeta {
    const route = `${req.method} ${req.routeOptions?.url ?? 'unknown'}`;
    const ua = req.headers['user-agent'];
    const tp = typeof req.headers.traceparent === 'string' ? TRACEPARENT.exec(req.headers.traceparent) : null;
    return {
      requestId: String(req.id),
      method: req.method,
      route,
      purpose: null,
      ip: req.ip ?? null,
      userAgentSha256: typeof ua === 'string' ? createHash('sha256').update(ua).digest() : null,
      startedAt: this.clock.now(),
      traceId: tp?.[1] ?? randomBytes(16).toString('hex'),
      spanId: randomBytes(8).toString('hex'),
    };
  }
}

function resolvePurpose(decl: Partial<Record<string, ProcessingActivity>>, actor: Actor): ProcessingActivity | null {
  for (const role of actor.roles) if (decl[role]) return decl[role]!;
  return Object.values(decl)[0] ?? null;
}
