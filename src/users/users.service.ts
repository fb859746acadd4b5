import { Injectable, Logger } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import { PasswordService } from '../auth/password.service.js';
import { AbilityFactory } from '../authorization/ability.factory.js';
import { Action } from '../authorization/actions.js';
import { asSubject, forbiddenWriteFields, permittedFields, pickFields } from '../authorization/fields.js';
import { toSqlScope } from '../authorization/sql-scope.js';
import type { Actor } from '../common/actor.js';
import { Clock } from '../common/clock.js';
import { decodeCursor, toPage, type Page } from '../common/pagination.js';
import type { Role } from '../config/app-config.js';
import { Db } from '../database/db.service.js';
import { SqlParams } from '../database/sql-params.js';
import type { Tx } from '../database/tx.js';
import type { CreateUserDto, ListUsersQuery, UpdateUserDto } from './dto/user.dto.js';
import type { RevokeSessionsResponse, UserResponse } from './dto/user.response.js';
import { UserError } from './users.errors.js';
import { UsersRepository, type UserRow } from './users.repository.js';

const CASE_ROLES: Role[] = ['coordinator', 'police_officer', 'youth_worker'];
const PRIVILEGED: Role[] = ['admin', 'privacy_officer'];

function toResponse(u: UserRow): UserResponse {
  return {
    id: u.id,
    username: u.username,
    displayName: u.displayName,
    organisationId: u.organisationId,
    roles: u.roles,
    districtIds: u.districtIds,
    active: u.active,
    mfaEnrolled: u.mfaEnrolled,
    lastLoginAt: u.lastLoginAt?.toISOString() ?? null,
    lastAccessReviewAt: u.lastAccessReviewAt?.toISOString() ?? null,
    version: u.version,
    createdAt: u.createdAt.toISOString(),
    updatedAt: u.updatedAt.toISOString(),
  };
}

@Injectable()
export class UsersService {
  private readonly logger = new Logger('Users');

  constructor(
    private readonly db: Db,
    private readonly repo: UsersRepository,
    private readonly abilities: AbilityFactory,
    private readonly passwords: PasswordService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  async list(actor: Actor, q: ListUsersQuery): Promise<Page<UserResponse>> {
    const ability = this.abilities.for(actor);
    const limit = q.limit ?? 50;
    const after = decodeCursor(q.cursor, ['string', 'uuid']) as [string, string] | null;
    return this.db.tx(actor, async (tx) => {
      const p = new SqlParams();
      const scope = toSqlScope(ability, Action.Read, 'User', (q) => this.repo.facts(q, actor), p);
      const rows = await this.repo.list(tx, scope, p, { role: q.role, districtId: q.districtId, active: q.active === undefined ? undefined : q.active === 'true', after, limit });
      const page = toPage(rows, limit, (r) => [r.username, r.id], (r) => r);
      const items: UserResponse[] = [];
      for (const r of page.items) {
        const facts = await this.repo.accessFacts(tx, actor, r.id);
        items.push(pickFields(toResponse(r), permittedFields(ability, Action.Read, 'User', facts ?? {})) as UserResponse);
      }
      await this.audit.record(tx, { action: 'LIST', objectType: 'User', objectIds: page.items.map((r) => r.id), filterKeys: filterKeys(q) });
      return { items, nextCursor: page.nextCursor };
    });
  }

  async get(actor: Actor, id: string): Promise<UserResponse> {
    const ability = this.abilities.for(actor);
    return this.db.tx(actor, async (tx) => {
      const facts = await this.visible(tx, actor, id, Action.Read);
      const row = (await this.repo.get(tx, id))!;
      await this.audit.record(tx, { action: 'READ', objectType: 'User', objectIds: [id] });
      return pickFields(toResponse(row), permittedFields(ability, Action.Read, 'User', facts)) as UserResponse;
    });
  }

  async create(actor: Actor, dto: CreateUserDto): Promise<UserResponse> {
    this.checkRoleCombination(dto.roles);
    const username = dto.username.toLowerCase();
    const org = await this.db.tx(actor, (tx) => this.repo.organisation(tx, dto.organisationId));
    if (!org) throw new UserError('VALIDATION_FAILED', 'Unknown organisation', { errors: [{ field: 'organisationId', code: 'UNKNOWN_ORGANISATION', message: 'organisationId does not exist' }] });
    const policyErrors = this.passwords.check(dto.password, { username, organisationName: org.name });
    if (policyErrors.length) throw new UserError('VALIDATION_FAILED', 'The password does not meet the policy', { errors: policyErrors });
    const hash = await this.passwords.hash(dto.password);
    return this.db.tx(actor, async (tx) => {
      const districtIds = dto.districtIds ?? [];
      if (!(await this.repo.districtsExist(tx, districtIds))) {
        throw new UserError('VALIDATION_FAILED', 'Unknown district', { errors: [{ field: 'districtIds', code: 'UNKNOWN_DISTRICT', message: 'every districtId must be a district' }] });
      }
      const id = await this.repo.create(tx, { username, displayName: dto.displayName, organisationId: dto.organisationId, roles: dto.roles, districtIds, passwordHash: hash, createdBy: actor.userId });
      if (!id) throw new UserError('CONFLICT', 'A user with this username exists');
      await this.audit.record(tx, { action: 'USER_CHANGE', objectType: 'User', objectIds: [id], authzRule: 'create' });
      if (dto.roles.some((r) => PRIVILEGED.includes(r))) await this.privilegedGrant(tx, id, dto.roles);
      return toResponse((await this.repo.get(tx, id))!);
    });
  }

  async update(actor: Actor, id: string, version: number, dto: UpdateUserDto): Promise<UserResponse> {
    if (dto.roles) this.checkRoleCombination(dto.roles);
    const ability = this.abilities.for(actor);
    return this.db.tx(actor, async (tx) => {
      const facts = await this.visible(tx, actor, id, Action.Read);
      if (!ability.can(Action.Update, asSubject('User', facts))) throw new UserError('FORBIDDEN', 'You may not change this user');
      const written = Object.keys(dto).filter((k) => (dto as Record<string, unknown>)[k] !== undefined);
      const forbidden = forbiddenWriteFields(ability, Action.Update, 'User', facts, written);
      if (forbidden.length) throw new UserError('FORBIDDEN', `You may not change ${forbidden.join(', ')} of this user`, { details: { fields: forbidden } });
      if (dto.districtIds && !(await this.repo.districtsExist(tx, dto.districtIds))) {
        throw new UserError('VALIDATION_FAILED', 'Unknown district', { errors: [{ field: 'districtIds', code: 'UNKNOWN_DISTRICT', message: 'every districtId must be a district' }] });
      }
      const before = (await this.repo.get(tx, id))!;
      const rightsChanged = dto.roles !== undefined || dto.districtIds !== undefined || dto.active !== undefined;
      const newVersion = await this.repo.update(tx, id, version, dto, rightsChanged);
      if (newVersion === null) throw new UserError('VERSION_CONFLICT', 'The user was changed by someone else', { details: { currentVersion: before.version } });
      if (dto.active === false) await this.repo.revokeSessions(tx, id, this.clock.now());
      await this.audit.record(tx, { action: dto.roles ? 'ROLE_CHANGE' : 'USER_CHANGE', objectType: 'User', objectIds: [id], authzRule: written.sort().join(',') });
      const added = (dto.roles ?? []).filter((r) => !before.roles.includes(r));
      if (added.some((r) => PRIVILEGED.includes(r))) await this.privilegedGrant(tx, id, added);
      return toResponse((await this.repo.get(tx, id))!);
    });
  }

  async revokeSessions(actor: Actor, id: string): Promise<RevokeSessionsResponse> {
    const ability = this.abilities.for(actor);
    return this.db.tx(actor, async (tx) => {
      const facts = await this.visible(tx, actor, id, Action.Read);
      if (!ability.can(Action.Update, asSubject('User', facts))) throw new UserError('FORBIDDEN', 'You may not change this user');
      const n = await this.repo.revokeSessions(tx, id, this.clock.now());
      const user = (await this.repo.get(tx, id))!;
      await this.repo.unlock(tx, user.username);
      await this.audit.record(tx, { action: 'SESSION_REVOKE', objectType: 'User', objectIds: [id] });
      return { revokedSessions: n };
    });
  }

  /** Layer 3: the record's facts, or 404 when the caller may not see it (absent and hidden look alike). */
  private async visible(tx: Tx, actor: Actor, id: string, action: Action): Promise<Record<string, unknown>> {
    const facts = await this.repo.accessFacts(tx, actor, id);
    if (!facts || this.abilities.for(actor).cannot(action, asSubject('User', facts))) throw new UserError('NOT_FOUND', 'User not found');
    return facts;
  }

  private checkRoleCombination(roles: Role[]): void {
    if (roles.includes('admin') && roles.some((r) => CASE_ROLES.includes(r))) {
      throw new UserError('VALIDATION_FAILED', 'An admin cannot hold a case role', { errors: [{ field: 'roles', code: 'ADMIN_WITH_CASE_ROLE', message: 'admin cannot be combined with coordinator, police_officer or youth_worker' }] });
    }
  }

  /** BIO 5.18.01: granting admin or privacy_officer is a security event. */
  private async privilegedGrant(tx: Tx, userId: string, roles: Role[]): Promise<void> {
    this.logger.warn({ security: true, userId, roles: roles.filter((r) => PRIVILEGED.includes(r)) }, 'privileged role granted');
    await this.audit.record(tx, { action: 'ROLE_CHANGE', objectType: 'User', objectIds: [userId], authzRule: `grant:${roles.filter((r) => PRIVILEGED.includes(r)).join(',')}` });
  }
}

function filterKeys(q: object): string[] {
  return Object.entries(q)
    .filter(([k, v]) => v !== undefined && k !== 'cursor' && k !== 'limit')
    .map(([k]) => k);
}
