import { Inject, Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { AuditService } from '../../audit/audit.service.js';
import type { Actor } from '../../common/actor.js';
import { DomainError } from '../../common/errors.js';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import { Db } from '../../database/db.service.js';
import type { Tx } from '../../database/tx.js';
import type { IndicatorsResponse, TableResponse } from '../dto/table.response.js';
import { ResearchProjectsService } from '../projects/research-projects.service.js';
import { ReleaseData, type ReleaseWithSeries } from '../releases/release-data.js';
import { ResearchReleasesRepository, type ReleaseRow } from '../releases/research-releases.repository.js';
import { ResearchError } from '../research.errors.js';
import { verifyTable } from '../verify/table-verifier.js';
import { CATALOGUE } from './catalogue.js';
import { ResearchTablesRepository, type StoredTable } from './research-tables.repository.js';
import { buildSdcTable, tableRequestSha256 } from './sdc-table.js';
import { DEFAULT_TABLE_PARAMETERS, type TableParameters, type TableRequest } from './table-plan.js';

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
/** Appends that raced with ours make the audit stale; recompute against the longer register this often at most. */
const MAX_RECOMPUTE = 3;

/**
 * SDC-mode statistics (research-data.md §4): each new table is audited against the whole output register of its
 * release series, re-checked by the independent verifier on the exact rows about to be registered, and only then
 * appended to the register and served. An identical request gets the stored answer. The LP work runs outside any
 * transaction; the append takes the series lock and recomputes if another table was registered meanwhile.
 */
@Injectable()
export class ResearchTablesService {
  private readonly logger = new Logger('ResearchTables');

  constructor(
    private readonly db: Db,
    private readonly repo: ResearchTablesRepository,
    private readonly releases: ResearchReleasesRepository,
    private readonly data: ReleaseData,
    private readonly projects: ResearchProjectsService,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  get params(): TableParameters {
    const r = this.config.research;
    // Configuration may only tighten the defaults (planTable refuses weaker ones).
    return { ...DEFAULT_TABLE_PARAMETERS, tau: r.tau, p: Math.max(r.tau, DEFAULT_TABLE_PARAMETERS.p), g: r.groupRuleG, minMeanCellSize: r.minMeanCellSize };
  }

  /** A member's table request on a published release of an approved project with the `sdc` mode. */
  async request(actor: Actor, projectId: string, releaseId: string, request: TableRequest): Promise<TableResponse> {
    const ctx = await this.db.tx(actor, async (tx) => {
      const project = await this.projects.requireActive(tx, actor, projectId, 'sdc');
      const release = await this.publishedRelease(tx, releaseId);
      const finest = { ...project.finestLevels };
      // Mixing rule (§3.2): after an export, tables may not be finer than the export's generalisation.
      for (const e of await this.repo.exportNodes(tx, projectId, releaseId)) for (const [name, level] of Object.entries(e)) finest[name] = Math.max(finest[name] ?? 0, level);
      return { project, release, finest };
    });
    return this.serve(actor, ctx.release, request, { projectId, finestLevels: ctx.finest, catalogueName: null });
  }

  async get(actor: Actor, projectId: string, releaseId: string, tableId: string): Promise<TableResponse> {
    return this.db.tx(actor, async (tx) => {
      await this.projects.requireActive(tx, actor, projectId, 'sdc');
      const t = await this.repo.get(tx, tableId);
      const delivered = t && t.releaseId === releaseId && (await this.repo.delivered(tx, t.id, projectId));
      if (!t || !delivered) throw new DomainError('NOT_FOUND', 'Table not found');
      await this.audit.record(tx, { action: 'READ', objectType: 'StatisticsTable', objectIds: [t.id, projectId, releaseId] });
      return this.toResponse(t, true);
    });
  }

  /**
   * The catalogue of a published release: computed in fixed order at publication and served to coordinators as
   * effectiveness indicators. A table the release cannot carry is reported with its refusal code.
   */
  async indicators(actor: Actor, releaseId: string | undefined): Promise<IndicatorsResponse> {
    const release = await this.db.tx(actor, async (tx) => {
      const r = releaseId ? await this.releases.get(tx, releaseId) : await this.releases.latestPublished(tx);
      if (!r || r.status !== 'PUBLISHED') throw new DomainError('NOT_FOUND', 'No published release');
      return r;
    });
    const tables = await this.catalogue(actor, release);
    return { releaseId: release.id, cutoff: release.cutoff, tables };
  }

  /** Computes (or reads back) every catalogue table of a release, in the catalogue's order. */
  async catalogue(actor: Actor, release: ReleaseRow): Promise<IndicatorsResponse['tables']> {
    const out: IndicatorsResponse['tables'] = [];
    for (const entry of CATALOGUE) {
      try {
        const table = await this.serve(actor, release, entry.request, { projectId: null, finestLevels: {}, catalogueName: entry.name });
        out.push({ name: entry.name, title: entry.title, table, refusal: null });
      } catch (e) {
        if (!(e instanceof ResearchError) || e.code === 'DISCLOSURE_CHECK_FAILED') throw e;
        out.push({ name: entry.name, title: entry.title, table: null, refusal: e.code });
      }
    }
    return out;
  }

  private async serve(actor: Actor, release: ReleaseRow, raw: TableRequest, opts: { projectId: string | null; finestLevels: Record<string, number>; catalogueName: string | null }): Promise<TableResponse> {
    const request = plainRequest(raw);
    const requestSha256 = tableRequestSha256(release.id, request);
    const params = this.params;
    for (let attempt = 0; ; attempt++) {
      const input = await this.db.tx(actor, async (tx) => {
        const stored = await this.repo.byRequest(tx, release.id, requestSha256);
        if (stored) return { stored };
        const loaded = await this.data.withSeries(tx, release);
        const register = await this.repo.register(tx, release.seriesId);
        return { loaded, register };
      });
      if ('stored' in input && input.stored) return this.deliverStored(actor, input.stored, opts.projectId);
      const { loaded, register } = input as { loaded: ReleaseWithSeries; register: Awaited<ReturnType<ResearchTablesRepository['register']>> };
      const registry = loaded.newest?.registry ?? loaded.registry;
      const releaseCtx = { id: release.code, cutoff: release.cutoff, months: release.months };
      const series = loaded.newest ? { persons: loaded.newest.persons, cutoff: loaded.newest.row.cutoff, months: loaded.newest.row.months } : undefined;
      const started = Date.now();
      const result = await buildSdcTable({ registry, release: releaseCtx, persons: loaded.persons, request, params, finestLevels: opts.finestLevels, register: register.cells, series });
      const verification = await verifyTable({
        registry: registry.definition,
        release: releaseCtx,
        persons: loaded.persons,
        series,
        request,
        params,
        response: result.response,
        registerRows: result.registerRows,
        register: register.cells,
      });
      const elapsedMs = Date.now() - started;
      if (!verification.passed) {
        this.logger.error({ security: true, releaseId: release.id, requestSha256, failures: verification.failures.map((f) => f.check) }, 'ALERT: a statistics table failed independent verification; nothing served');
        throw new ResearchError('DISCLOSURE_CHECK_FAILED', 'The output check failed; nothing was served');
      }
      const registerSha256 = sha256(canonicalize(result.registerRows)!);
      const saved = await this.db.tx(actor, async (tx) => {
        await this.repo.lockSeries(tx, release.seriesId);
        const again = await this.repo.byRequest(tx, release.id, requestSha256);
        if (again) return { stored: again };
        if ((await this.repo.count(tx, release.seriesId)) !== register.tables) return { stale: true };
        const prev = (await this.repo.lastChain(tx, release.seriesId)) ?? '0'.repeat(64);
        const chain = sha256(`${prev}${registerSha256}`);
        const tableId = await this.repo.insert(
          tx,
          {
            seriesId: release.seriesId,
            releaseId: release.id,
            projectId: opts.projectId,
            catalogueName: opts.catalogueName,
            requestSha256,
            request,
            response: result.response,
            lpSolves: result.lpSolves,
            verification: { passed: true, checks: verification.checks },
            registerSha256,
            requestedBy: actor.userId!,
          },
          prev,
          chain,
          result.registerRows,
        );
        if (opts.projectId) await this.repo.recordDelivery(tx, tableId, opts.projectId);
        await this.audit.record(tx, { action: 'CREATE', objectType: 'StatisticsTable', objectIds: [tableId, release.id, opts.projectId] });
        return { tableId };
      });
      if ('stored' in saved && saved.stored) return this.deliverStored(actor, saved.stored, opts.projectId);
      if ('tableId' in saved && saved.tableId) {
        this.logger.log({ tableId: saved.tableId, releaseId: release.id, cells: result.response.cells.length, lpSolves: result.lpSolves, elapsedMs }, 'statistics table served');
        return { tableId: saved.tableId, stored: false, ...result.response, protection: { ...result.response.protection, auditId: saved.tableId, verified: true } };
      }
      if (attempt + 1 >= MAX_RECOMPUTE) throw new DomainError('CONFLICT', 'Other tables were registered meanwhile; try again');
    }
  }

  private async deliverStored(actor: Actor, t: StoredTable, projectId: string | null): Promise<TableResponse> {
    return this.db.tx(actor, async (tx) => {
      if (projectId) await this.repo.recordDelivery(tx, t.id, projectId);
      await this.audit.record(tx, { action: 'READ', objectType: 'StatisticsTable', objectIds: [t.id, t.releaseId, projectId] });
      return this.toResponse(t, true);
    });
  }

  private toResponse(t: StoredTable, stored: boolean): TableResponse {
    const response = t.response as unknown as Omit<TableResponse, 'tableId' | 'stored'>;
    return { tableId: t.id, stored, ...response, protection: { ...response.protection, auditId: t.id, verified: true } };
  }

  private async publishedRelease(tx: Tx, releaseId: string): Promise<ReleaseRow> {
    const r = await this.releases.get(tx, releaseId);
    if (!r || r.status !== 'PUBLISHED') throw new DomainError('NOT_FOUND', 'Release not found');
    return r;
  }
}

/** The request as plain data in a fixed shape: what is hashed, planned, verified and stored. */
function plainRequest(r: TableRequest): TableRequest {
  const out: TableRequest = { measure: r.measure, dimensions: r.dimensions.map((d) => ({ name: d.name, level: d.level })) };
  if (r.filters && r.filters.length > 0) out.filters = r.filters.map((f) => ({ dimension: f.dimension, level: f.level, in: [...f.in] }));
  return out;
}
