import { Inject, Injectable, Logger } from '@nestjs/common';
import { AbilityFactory } from '../../authorization/ability.factory.js';
import { Action } from '../../authorization/actions.js';
import { asSubject } from '../../authorization/fields.js';
import { toSqlScope } from '../../authorization/sql-scope.js';
import { AuditService } from '../../audit/audit.service.js';
import type { Actor } from '../../common/actor.js';
import { DomainError, type FieldError } from '../../common/errors.js';
import { decodeCursor, toPage, type Page } from '../../common/pagination.js';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import { Db } from '../../database/db.service.js';
import { SqlParams } from '../../database/sql-params.js';
import type { Tx } from '../../database/tx.js';
import type { CreateProjectDto, ListProjectsQuery, UpdateProjectDto } from '../dto/project.dto.js';
import type { ProjectResponse } from '../dto/project.response.js';
import { ResearchKeyStore } from '../keys/research-key-store.js';
import { levelCounts } from '../registry/level-counts.js';
import { ResearchError } from '../research.errors.js';
import { projectFacts, ResearchProjectsRepository, type ProjectRow, type ProjectWrite } from './research-projects.repository.js';

/** Days between a project's expiry and the destruction of its salt (research-data.md §3.2). */
const SHRED_GRACE_DAYS = 30;

export function toProjectResponse(p: ProjectRow, now = new Date()): ProjectResponse {
  return {
    id: p.id,
    title: p.title,
    dacReference: p.dacReference,
    purpose: p.purpose,
    legalRoute: p.legalRoute,
    ethicsReference: p.ethicsReference,
    includesSensitive: p.includesSensitive,
    status: p.status,
    modes: p.modes,
    finestLevels: p.finestLevels,
    exportColumns: p.exportColumns,
    startsAt: p.startsAt.toISOString(),
    expiresAt: p.expiresAt.toISOString(),
    expired: p.expiresAt.getTime() <= now.getTime(),
    keyShredded: p.saltDestroyedAt !== null,
    approvedBy: p.approvedBy,
    approvedAt: p.approvedAt?.toISOString() ?? null,
    endedAt: p.endedAt?.toISOString() ?? null,
    members: p.members,
    createdBy: p.createdBy,
    createdAt: p.createdAt.toISOString(),
    version: p.version,
  };
}

/**
 * Research projects (research-data.md §3.2): drafted by a coordinator or the privacy officer, approved by a privacy
 * officer who did not draft them (four-eyes), which creates the project's salt in the key store. Members, scope
 * and expiry change only under If-Match and are audited. Closing a project destroys its salt.
 */
@Injectable()
export class ResearchProjectsService {
  private readonly logger = new Logger('ResearchProjects');

  constructor(
    private readonly db: Db,
    private readonly repo: ResearchProjectsRepository,
    private readonly abilities: AbilityFactory,
    private readonly audit: AuditService,
    private readonly keys: ResearchKeyStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async create(actor: Actor, dto: CreateProjectDto): Promise<ProjectResponse> {
    const write = this.validate(dto, new Date());
    return this.db.tx(actor, async (tx) => {
      await this.checkMembers(tx, dto.members);
      const id = await this.repo.insert(tx, write, actor.userId!);
      await this.repo.replaceMembers(tx, id, dto.members);
      await this.audit.record(tx, { action: 'CREATE', objectType: 'ResearchProject', objectIds: [id, ...dto.members.map((m) => m.userId)] });
      return toProjectResponse((await this.repo.get(tx, id, actor.userId))!);
    });
  }

  async list(actor: Actor, q: ListProjectsQuery): Promise<Page<ProjectResponse>> {
    const limit = q.limit ?? 50;
    const after = decodeCursor(q.cursor, ['timestamp', 'uuid']) as [string, string] | null;
    return this.db.tx(actor, async (tx) => {
      const p = new SqlParams();
      const scope = toSqlScope(this.abilities.for(actor), Action.Read, 'ResearchProject', (q) => projectFacts(q, actor.userId), p);
      const rows = await this.repo.list(tx, scope, p, after, limit, actor.userId);
      const page = toPage(rows, limit, (r) => [r.createdAt.toISOString(), r.id], (r) => toProjectResponse(r));
      await this.audit.record(tx, { action: 'LIST', objectType: 'ResearchProject', objectIds: page.items.map((i) => i.id) });
      return page;
    });
  }

  async get(actor: Actor, id: string): Promise<ProjectResponse> {
    return this.db.tx(actor, async (tx) => {
      const p = await this.require(tx, actor, Action.Read, id);
      await this.audit.record(tx, { action: 'READ', objectType: 'ResearchProject', objectIds: [id] });
      return toProjectResponse(p);
    });
  }

  async update(actor: Actor, id: string, version: number, dto: UpdateProjectDto): Promise<ProjectResponse> {
    return this.db.tx(actor, async (tx) => {
      const p = await this.require(tx, actor, Action.Update, id, true);
      if (p.version !== version) throw new DomainError('VERSION_CONFLICT', 'The project changed since you read it', { details: { currentVersion: p.version } });
      if (p.status === 'ENDED') throw new DomainError('CONFLICT', 'An ended project cannot change');
      const merged: CreateProjectDto = {
        title: dto.title ?? p.title,
        dacReference: dto.dacReference ?? p.dacReference,
        purpose: dto.purpose ?? p.purpose,
        legalRoute: dto.legalRoute ?? p.legalRoute,
        ethicsReference: dto.ethicsReference ?? p.ethicsReference ?? undefined,
        includesSensitive: dto.includesSensitive ?? p.includesSensitive,
        modes: dto.modes ?? p.modes,
        finestLevels: dto.finestLevels ?? p.finestLevels,
        exportColumns: dto.exportColumns ?? p.exportColumns,
        expiresAt: dto.expiresAt ?? p.expiresAt.toISOString(),
        members: dto.members ?? p.members,
      };
      const w = this.validate(merged, p.startsAt);
      if (dto.members) await this.checkMembers(tx, dto.members);
      const ok = await this.repo.update(tx, id, version, {
        title: w.title,
        dac_reference: w.dacReference,
        purpose: w.purpose,
        legal_route: w.legalRoute,
        ethics_reference: w.ethicsReference,
        includes_sensitive: w.includesSensitive,
        modes: w.modes,
        finest_levels: JSON.stringify(w.finestLevels),
        export_columns: w.exportColumns,
        expires_at: w.expiresAt,
      });
      if (!ok) throw new DomainError('VERSION_CONFLICT', 'The project changed since you read it');
      if (dto.members) await this.repo.replaceMembers(tx, id, dto.members);
      await this.audit.record(tx, {
        action: 'UPDATE',
        objectType: 'ResearchProject',
        objectIds: [id, ...(dto.members ?? []).map((m) => m.userId)],
        filterKeys: Object.keys(dto).sort(),
      });
      return toProjectResponse((await this.repo.get(tx, id, actor.userId))!);
    });
  }

  /** Four-eyes approval; the first approval creates the project's salt in the key store. */
  async approve(actor: Actor, id: string, version: number): Promise<ProjectResponse> {
    return this.transition(actor, id, version, ['DRAFT', 'SUBMITTED', 'SUSPENDED'], 'APPROVED', async (tx, p) => {
      if (p.createdBy === actor.userId) throw new DomainError('FORBIDDEN', 'A project is approved by a privacy officer who did not draft it');
      if (p.members.length === 0) {
        throw new DomainError('VALIDATION_FAILED', 'Name at least one researcher before approval', { errors: [{ field: 'members', code: 'REQUIRED', message: 'at least one member' }] });
      }
      if (p.expiresAt.getTime() <= Date.now()) throw new ResearchError('PROJECT_EXPIRED', 'Extend the project before approving it');
      if (p.saltDestroyedAt) throw new ResearchError('PROJECT_KEY_SHREDDED', 'The key of this project was destroyed; start a new project');
      const set: Record<string, unknown> = { status: 'APPROVED', approved_by: actor.userId, approved_at: new Date() };
      if (!p.keyId) set.key_id = this.keys.createSalt();
      return set;
    });
  }

  async suspend(actor: Actor, id: string, version: number): Promise<ProjectResponse> {
    return this.transition(actor, id, version, ['APPROVED'], 'SUSPENDED', async () => ({ status: 'SUSPENDED' }));
  }

  /** Ends the project and destroys its salt after commit (the start-up sweep repeats a destruction a crash interrupted). */
  async close(actor: Actor, id: string, version: number): Promise<ProjectResponse> {
    return this.transition(actor, id, version, ['DRAFT', 'SUBMITTED', 'APPROVED', 'SUSPENDED'], 'ENDED', async (tx, p) => {
      if (p.keyId) {
        const keyId = p.keyId;
        tx.afterCommit.push(() => this.keys.destroySalt(keyId));
      }
      return { status: 'ENDED', ended_at: new Date(), salt_destroyed_at: p.keyId ? new Date() : null };
    });
  }

  /**
   * The project a research request runs under: the caller must be a member (else 404), the project approved
   * (403 FORBIDDEN), unexpired (403 PROJECT_EXPIRED), its key intact (410) and the mode allowed (403 MODE_NOT_ALLOWED).
   */
  async requireActive(tx: Tx, actor: Actor, projectId: string, mode: 'sdc' | 'export' | null): Promise<ProjectRow> {
    const p = await this.repo.get(tx, projectId, actor.userId);
    if (!p || !p.member) throw new DomainError('NOT_FOUND', 'Project not found');
    if (p.expiresAt.getTime() <= Date.now()) throw new ResearchError('PROJECT_EXPIRED', 'This research project has expired');
    if (p.saltDestroyedAt) throw new ResearchError('PROJECT_KEY_SHREDDED', 'The pseudonymisation key of this project was destroyed');
    if (p.status !== 'APPROVED') throw new DomainError('FORBIDDEN', `The project is ${p.status.toLowerCase()}, not approved`);
    if (mode && !p.modes.includes(mode)) throw new ResearchError('MODE_NOT_ALLOWED', `The project is not approved for ${mode === 'sdc' ? 'statistics' : 'exports'}`);
    return p;
  }

  /** A project the caller may read (coordinators and the privacy officer: any; researchers: their own). */
  async getRow(tx: Tx, actor: Actor, id: string): Promise<ProjectRow> {
    return this.require(tx, actor, Action.Read, id);
  }

  /** Destroys the salts of ended projects and of projects expired more than 30 days ago. */
  async shredDueSalts(): Promise<number> {
    const due = await this.db.tx(null, (tx) => this.repo.saltsToShred(tx, SHRED_GRACE_DAYS));
    for (const { id, keyId } of due) {
      this.keys.destroySalt(keyId);
      await this.db.tx(null, (tx) => this.repo.markShredded(tx, id));
    }
    if (due.length > 0) this.logger.log({ projects: due.map((d) => d.id) }, 'research project salts destroyed');
    return due.length;
  }

  private async transition(
    actor: Actor,
    id: string,
    version: number,
    from: string[],
    to: string,
    decide: (tx: Tx, p: ProjectRow) => Promise<Record<string, unknown>>,
  ): Promise<ProjectResponse> {
    return this.db.tx(actor, async (tx) => {
      const p = await this.require(tx, actor, Action.Review, id, true);
      if (p.version !== version) throw new DomainError('VERSION_CONFLICT', 'The project changed since you read it', { details: { currentVersion: p.version } });
      if (!from.includes(p.status)) throw new DomainError('INVALID_TRANSITION', `A ${p.status.toLowerCase()} project cannot become ${to.toLowerCase()}`);
      const set = await decide(tx, p);
      if (!(await this.repo.update(tx, id, version, set))) throw new DomainError('VERSION_CONFLICT', 'The project changed since you read it');
      await this.audit.record(tx, { action: 'TRANSITION', objectType: 'ResearchProject', objectIds: [id], authzRule: `${p.status}->${to}` });
      return toProjectResponse((await this.repo.get(tx, id, actor.userId))!);
    });
  }

  /** Loads a project for an action: invisible → 404, visible but not allowed → 403. */
  private async require(tx: Tx, actor: Actor, action: Action, id: string, forUpdate = false): Promise<ProjectRow> {
    const p = await this.repo.get(tx, id, actor.userId, forUpdate);
    const ability = this.abilities.for(actor);
    if (!p || ability.cannot(Action.Read, asSubject('ResearchProject', { ...p }))) throw new DomainError('NOT_FOUND', 'Project not found');
    if (action !== Action.Read && ability.cannot(action, asSubject('ResearchProject', { ...p }))) throw new DomainError('FORBIDDEN', 'You may not do this on this project');
    return p;
  }

  private async checkMembers(tx: Tx, members: Array<{ userId: string }>): Promise<void> {
    const ids = members.map((m) => m.userId);
    if (new Set(ids).size !== ids.length) {
      throw new DomainError('VALIDATION_FAILED', 'A member appears twice', { errors: [{ field: 'members', code: 'DUPLICATE', message: 'each researcher once' }] });
    }
    const ok = await this.repo.activeResearchers(tx, ids);
    const bad = ids.findIndex((id) => !ok.has(id));
    if (bad >= 0) {
      throw new DomainError('VALIDATION_FAILED', 'Members must be active users with the researcher role', {
        errors: [{ field: `members[${bad}].userId`, code: 'NOT_A_RESEARCHER', message: 'not an active researcher' }],
      });
    }
  }

  private validate(dto: CreateProjectDto, startsAt: Date): ProjectWrite {
    const errors: FieldError[] = [];
    const counts = levelCounts();
    const finestLevels: Record<string, number> = {};
    for (const [name, level] of Object.entries(dto.finestLevels ?? {})) {
      const n = counts[name];
      if (n === undefined) errors.push({ field: `finestLevels.${name}`, code: 'UNKNOWN_DIMENSION', message: `${name} is not a research dimension` });
      else if (!Number.isInteger(level) || level < 0 || level >= n) errors.push({ field: `finestLevels.${name}`, code: 'OUT_OF_RANGE', message: `level must be 0–${n - 1}` });
      else finestLevels[name] = level;
    }
    const max = new Date(startsAt);
    max.setUTCMonth(max.getUTCMonth() + this.config.research.projectMaxMonths);
    let expiresAt: Date;
    if (dto.expiresAt) {
      expiresAt = new Date(dto.expiresAt);
      if (expiresAt.getTime() > max.getTime()) errors.push({ field: 'expiresAt', code: 'TOO_LATE', message: `at most ${this.config.research.projectMaxMonths} months after the start` });
      if (expiresAt.getTime() <= startsAt.getTime()) errors.push({ field: 'expiresAt', code: 'TOO_EARLY', message: 'after the start of the project' });
    } else {
      expiresAt = new Date(startsAt);
      expiresAt.setUTCMonth(expiresAt.getUTCMonth() + this.config.research.projectDefaultMonths);
    }
    const exportColumns = dto.exportColumns ?? [];
    if (dto.modes.includes('export') && exportColumns.length === 0) {
      errors.push({ field: 'exportColumns', code: 'REQUIRED', message: 'name the columns an export may contain' });
    }
    if (errors.length > 0) throw new DomainError('VALIDATION_FAILED', 'The project settings are not valid', { errors });
    return {
      title: dto.title,
      dacReference: dto.dacReference,
      purpose: dto.purpose,
      legalRoute: dto.legalRoute,
      ethicsReference: dto.ethicsReference ?? null,
      includesSensitive: dto.includesSensitive ?? false,
      modes: [...dto.modes].sort(),
      finestLevels,
      exportColumns,
      expiresAt: expiresAt.toISOString(),
    };
  }
}
