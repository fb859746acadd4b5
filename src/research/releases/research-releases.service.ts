import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { AbilityFactory } from '../../authorization/ability.factory.js';
import { Action } from '../../authorization/actions.js';
import { AuditService } from '../../audit/audit.service.js';
import { systemActor, type Actor } from '../../common/actor.js';
import { DomainError } from '../../common/errors.js';
import { decodeCursor, toPage, type Page } from '../../common/pagination.js';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import { Db } from '../../database/db.service.js';
import type { ListReleasesQuery } from '../dto/release.dto.js';
import type { ReleaseAccepted, ReleaseResponse } from '../dto/release.response.js';
import { ResearchProjectsService } from '../projects/research-projects.service.js';
import { loadRegistry, registrySha256 } from '../registry/dimension-registry.js';
import { quarterOf } from '../registry/period-codes.js';
import { researchRegistryDefinition } from '../registry/research-registry.js';
import { ResearchJobs } from '../research-jobs.js';
import { ResearchError } from '../research.errors.js';
import { ResearchTablesService } from '../tables/research-tables.service.js';
import { assertReleaseRows, RELEASE_COLUMNS, type ReleasePerson } from './release-person.js';
import { deriveRelease } from './release-derivation.js';
import { ReleaseSourceRepository } from './release-source.repository.js';
import { ResearchReleasesRepository, type ReleaseRow } from './research-releases.repository.js';

/** Version of the dimension registry in src/research/registry; bump it when a hierarchy changes. */
export const RESEARCH_REGISTRY_VERSION = '2026.1';
/** Subject ids per audit event of a build (research-data.md §3.1). */
const SUBJECTS_PER_EVENT = 1000;

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

export function toReleaseResponse(r: ReleaseRow): ReleaseResponse {
  return {
    id: r.id,
    code: r.code,
    cutoff: r.cutoff,
    seriesId: r.seriesId,
    status: r.status,
    months: r.months,
    registryVersion: r.registryVersion,
    registrySha256: r.registrySha256,
    sourceSha256: r.sourceSha256,
    softwareVersion: r.softwareVersion,
    gitCommit: r.gitCommit,
    counts: r.status === 'BUILDING' || r.status === 'FAILED' ? null : (r.counts as unknown as ReleaseResponse['counts']),
    catalogue: r.catalogue,
    failureCode: r.failureCode,
    builtAt: r.builtAt?.toISOString() ?? null,
    publishedAt: r.publishedAt?.toISOString() ?? null,
    createdAt: r.createdAt.toISOString(),
    version: r.version,
  };
}

/** `YYYY-Qn` of a quarter-end cutoff. */
export function releaseCode(cutoff: string): string {
  return quarterOf(cutoff.slice(0, 7));
}

/**
 * Frozen releases (research-data.md §3.1): built in the background in one REPEATABLE READ transaction from the
 * live case data, rows immutable afterwards; quarters an earlier published release of the series froze are copied
 * unchanged except a censored re-referral becoming final. Publishing computes the standard table catalogue.
 */
@Injectable()
export class ResearchReleasesService implements OnApplicationBootstrap {
  private readonly logger = new Logger('ResearchReleases');

  constructor(
    private readonly db: Db,
    private readonly repo: ResearchReleasesRepository,
    private readonly source: ReleaseSourceRepository,
    private readonly jobs: ResearchJobs,
    private readonly tables: ResearchTablesService,
    private readonly projects: ResearchProjectsService,
    private readonly abilities: AbilityFactory,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Re-queues builds a stopped process left behind, and repeats salt destructions a crash interrupted. */
  async onApplicationBootstrap(): Promise<void> {
    try {
      for (const b of await this.db.tx(null, (tx) => this.repo.building(tx))) this.jobs.enqueue('release-build', b.id, () => this.build(systemActorFor(b.builtBy), b.id));
      await this.projects.shredDueSalts();
    } catch (e) {
      this.logger.warn({ errorClass: (e as Error)?.constructor?.name }, 'research start-up housekeeping could not run');
    }
  }

  async requestBuild(actor: Actor, cutoff: string): Promise<ReleaseAccepted> {
    const today = new Date().toISOString().slice(0, 10);
    if (cutoff > today) {
      throw new DomainError('VALIDATION_FAILED', 'The cutoff lies in the future', { errors: [{ field: 'cutoff', code: 'IN_FUTURE', message: 'cutoff must not be in the future' }] });
    }
    const code = releaseCode(cutoff);
    const id = await this.db.tx(actor, async (tx) => {
      const created = await this.repo.insertBuilding(tx, code, cutoff, actor.userId!);
      if (!created) throw new DomainError('CONFLICT', `Release ${code} exists already`);
      await this.audit.record(tx, { action: 'CREATE', objectType: 'ResearchRelease', objectIds: [created] });
      return created;
    });
    this.jobs.enqueue('release-build', id, () => this.build(actor, id));
    return { releaseId: id, status: 'BUILDING' };
  }

  async list(actor: Actor, q: ListReleasesQuery): Promise<Page<ReleaseResponse>> {
    const limit = q.limit ?? 50;
    const after = decodeCursor(q.cursor, ['date', 'uuid']) as [string, string] | null;
    return this.db.tx(actor, async (tx) => {
      const rows = await this.repo.list(tx, null, after, limit);
      const page = toPage(rows, limit, (r) => [r.cutoff, r.id], toReleaseResponse);
      await this.audit.record(tx, { action: 'LIST', objectType: 'ResearchRelease', objectIds: page.items.map((r) => r.id) });
      return page;
    });
  }

  async get(actor: Actor, id: string): Promise<ReleaseResponse> {
    return this.db.tx(actor, async (tx) => {
      const r = await this.repo.get(tx, id);
      if (!r) throw new DomainError('NOT_FOUND', 'Release not found');
      await this.audit.record(tx, { action: 'READ', objectType: 'ResearchRelease', objectIds: [id] });
      return toReleaseResponse(r);
    });
  }

  /** Published releases a member of the project may use. */
  async forProject(actor: Actor, projectId: string): Promise<Page<ReleaseResponse>> {
    return this.db.tx(actor, async (tx) => {
      const coordinatorOrPrivacy = this.abilities.for(actor).can(Action.Read, 'ResearchProject') && !actor.roles.every((r) => r === 'researcher');
      if (coordinatorOrPrivacy) await this.projects.getRow(tx, actor, projectId);
      else await this.projects.requireActive(tx, actor, projectId, null);
      const rows = await this.repo.list(tx, ['PUBLISHED'], null, 100);
      await this.audit.record(tx, { action: 'LIST', objectType: 'ResearchRelease', objectIds: [projectId, ...rows.map((r) => r.id)] });
      return { items: rows.slice(0, 100).map(toReleaseResponse), nextCursor: null };
    });
  }

  /** Code lists and hierarchies of a published release, for members of an approved project. */
  async registry(actor: Actor, projectId: string, releaseId: string): Promise<Record<string, unknown>> {
    return this.db.tx(actor, async (tx) => {
      await this.projects.requireActive(tx, actor, projectId, null);
      const r = await this.repo.get(tx, releaseId);
      if (!r || r.status !== 'PUBLISHED' || !r.registry) throw new DomainError('NOT_FOUND', 'Release not found');
      await this.audit.record(tx, { action: 'READ', objectType: 'ResearchRelease', objectIds: [releaseId, projectId] });
      return { releaseId: r.id, code: r.code, cutoff: r.cutoff, registrySha256: r.registrySha256, registry: r.registry };
    });
  }

  /** Publishes a built release (privacy officer) and computes its catalogue in fixed order. */
  async publish(actor: Actor, id: string, version: number): Promise<ReleaseResponse> {
    const row = await this.db.tx(actor, async (tx) => {
      const r = await this.repo.get(tx, id, true);
      if (!r) throw new DomainError('NOT_FOUND', 'Release not found');
      if (r.version !== version) throw new DomainError('VERSION_CONFLICT', 'The release changed since you read it', { details: { currentVersion: r.version } });
      if (r.status !== 'BUILT') throw new DomainError('INVALID_TRANSITION', `A release that is ${r.status.toLowerCase()} cannot be published`);
      if (!(await this.repo.publish(tx, id, version, actor.userId!))) throw new DomainError('VERSION_CONFLICT', 'The release changed since you read it');
      await this.audit.record(tx, { action: 'TRANSITION', objectType: 'ResearchRelease', objectIds: [id], authzRule: 'BUILT->PUBLISHED' });
      return (await this.repo.get(tx, id))!;
    });
    const catalogue = await this.tables.catalogue(actor, row);
    return this.db.tx(actor, async (tx) => {
      await this.repo.setCatalogue(
        tx,
        id,
        catalogue.map((c) => ({ name: c.name, tableId: c.table?.tableId ?? null, refusal: c.refusal })),
      );
      return toReleaseResponse((await this.repo.get(tx, id))!);
    });
  }

  /** The build job: derive, check against the registry, insert the frozen rows and audit who was included. */
  async build(actor: Actor, id: string): Promise<void> {
    const started = Date.now();
    try {
      const included = await this.db.tx(actor, async (tx) => {
        await tx.exec('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
        const r = await this.repo.get(tx, id, true);
        if (!r || r.status !== 'BUILDING') return 0;
        const geography = await this.repo.geography(tx);
        const geographySha256 = sha256(canonicalize(geography)!);
        const series = await this.repo.seriesFor(tx, geographySha256, id);
        const seriesId = series?.seriesId ?? id;
        const frozenRow = series ? await this.repo.previousPublished(tx, seriesId, r.cutoff) : null;
        const frozen = frozenRow ? { months: frozenRow.months, persons: await this.repo.persons(tx, frozenRow.id) } : null;
        const firstMonth = series?.fromMonth ?? (await this.repo.firstAttemptMonth(tx, r.cutoff, this.config.workflow.programmeTimeZone));
        if (!firstMonth) throw new ResearchError('VALIDATION_FAILED', 'No visit attempts yet: nothing to release');
        const fromMonth = quarterStart(firstMonth);
        const facts = await this.source.load(tx, { fromMonth, cutoff: r.cutoff });
        const derived = deriveRelease(facts, { cutoff: r.cutoff, fromMonth, processWindowDays: 120, frozen });
        if (derived.months.length === 0) throw new ResearchError('VALIDATION_FAILED', 'No quarter has a closed process window at this cutoff');
        const definition = researchRegistryDefinition({ registryVersion: RESEARCH_REGISTRY_VERSION, geography, months: derived.months });
        const registry = loadRegistry(definition);
        assertReleaseRows(registry, derived.persons);
        const persons = [...derived.persons].sort((a, b) => (a.personKey < b.personKey ? -1 : a.personKey > b.personKey ? 1 : 0));
        await this.repo.insertPersons(tx, id, persons);
        await this.repo.markBuilt(tx, id, {
          seriesId,
          fromMonth,
          months: derived.months,
          registry: definition,
          registrySha256: registrySha256(definition),
          geographySha256,
          sourceSha256: sourceSha256(persons),
          softwareVersion: this.config.software.version,
          gitCommit: this.config.software.gitCommit,
          counts: { ...derived.counts },
        });
        const keys = persons.map((p) => p.personKey);
        tx.touch(keys);
        for (let i = 0; i < Math.max(keys.length, 1); i += SUBJECTS_PER_EVENT) {
          await this.audit.record(tx, { action: 'EXPORT', objectType: 'ResearchRelease', objectIds: [id], subjectIds: keys.slice(i, i + SUBJECTS_PER_EVENT) });
        }
        return persons.length;
      });
      this.logger.log({ releaseId: id, persons: included, elapsedMs: Date.now() - started }, 'research release built');
    } catch (e) {
      const code = e instanceof DomainError ? e.code : 'INTERNAL_ERROR';
      this.logger.error({ releaseId: id, code, errorClass: (e as Error)?.constructor?.name }, 'research release build failed');
      await this.db.tx(actor, (tx) => this.repo.markFailed(tx, id, code)).catch(() => undefined);
    }
  }
}

function quarterStart(month: string): string {
  const m = Number(month.slice(5, 7));
  return `${month.slice(0, 4)}-${String(m - ((m - 1) % 3)).padStart(2, '0')}`;
}

/** SHA-256 of the canonical rows (sorted by person key, columns in registry order). */
function sourceSha256(persons: readonly ReleasePerson[]): string {
  const h = createHash('sha256');
  for (const p of persons) h.update(`${canonicalize([p.personKey, p.age, ...RELEASE_COLUMNS.filter((c) => c !== 'age').map((c) => (p as unknown as Record<string, string>)[camel(c)])])}\n`);
  return h.digest('hex');
}

const camel = (s: string) => s.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());

/** The acting principal of a build resumed after a restart: the system, on behalf of the user who asked for it. */
function systemActorFor(userId: string): Actor {
  return { ...systemActor('RESEARCH', 'research release build'), userId };
}
