import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import canonicalize from 'canonicalize';
import { AuditService } from '../../audit/audit.service.js';
import { AuthService } from '../../auth/auth.service.js';
import { systemActor, type Actor } from '../../common/actor.js';
import { DomainError } from '../../common/errors.js';
import { decodeCursor, toPage, type Page } from '../../common/pagination.js';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import { Db } from '../../database/db.service.js';
import type { Tx } from '../../database/tx.js';
import type { CreateExportDto } from '../dto/export.dto.js';
import type { ExportAccepted, ExportRegisterEntry, ExportResponse } from '../dto/export.response.js';
import { ResearchKeyStore } from '../keys/research-key-store.js';
import { ResearchProjectsService } from '../projects/research-projects.service.js';
import { ResearchProjectsRepository, type ProjectRow } from '../projects/research-projects.repository.js';
import { ReleaseData } from '../releases/release-data.js';
import { ResearchReleasesRepository } from '../releases/research-releases.repository.js';
import { ResearchJobs } from '../research-jobs.js';
import { ResearchError } from '../research.errors.js';
import { ResearchTablesRepository } from '../tables/research-tables.repository.js';
import { verifyExport } from '../verify/export-verifier.js';
import { buildExportBundle, type ExportBundle } from './export-bundle.js';
import { exportFileStream } from './export-file-stream.js';
import { DEFAULT_EXPORT_LIMITS, type ExportPolicy } from './export-request.js';
import type { EarlierExport } from './lineage.js';
import { ResearchExportsRepository, type ExportRow } from './research-exports.repository.js';

const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');
const SUBJECTS_PER_EVENT = 1000;
const HOUR_MS = 3_600_000;

export interface ExportDownload {
  /** The file's bytes, read from the database as the client takes them, checked against the manifest's SHA-256. */
  stream: Readable;
  size: number;
  fileName: string;
  contentType: string;
}

/**
 * Record-level exports (research-data.md §5): queued by a member with a fresh second factor, built in the background
 * (optimal generalisation, pseudonyms, CSV, codebook, signed manifest), re-checked by the independent verifier on the
 * exact bytes and only then marked verified. Files live seven days; each download is an audited disclosure.
 */
@Injectable()
export class ResearchExportsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('ResearchExports');
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly db: Db,
    private readonly repo: ResearchExportsRepository,
    private readonly releases: ResearchReleasesRepository,
    private readonly tables: ResearchTablesRepository,
    private readonly data: ReleaseData,
    private readonly projects: ResearchProjectsService,
    private readonly projectsRepo: ResearchProjectsRepository,
    private readonly keys: ResearchKeyStore,
    private readonly jobs: ResearchJobs,
    private readonly auth: AuthService,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    try {
      for (const e of await this.db.tx(null, (tx) => this.repo.open(tx))) {
        this.jobs.enqueue('export', e.id, () => this.run({ ...systemActor('RESEARCH', 'research export'), userId: e.requestedBy }, e.id));
      }
      await this.housekeeping();
    } catch (e) {
      this.logger.warn({ errorClass: (e as Error)?.constructor?.name }, 'research export recovery could not run');
    }
    this.timer = setInterval(() => void this.housekeeping().catch(() => undefined), HOUR_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Deletes files past their download window and destroys salts that are due. */
  async housekeeping(): Promise<void> {
    const expired = await this.db.tx(null, (tx) => this.repo.expireDue(tx));
    if (expired.length > 0) this.logger.log({ exports: expired }, 'research export files past their window deleted');
    await this.projects.shredDueSalts();
  }

  async request(actor: Actor, projectId: string, releaseId: string, dto: CreateExportDto): Promise<ExportAccepted> {
    const id = await this.db.tx(actor, async (tx) => {
      const project = await this.projects.requireActive(tx, actor, projectId, 'export');
      // After the membership check, so a non-member learns nothing from the step-up answer; refusals are audited by Db.tx.
      this.auth.assertFreshMfa(actor);
      const release = await this.releases.get(tx, releaseId);
      if (!release || release.status !== 'PUBLISHED') throw new DomainError('NOT_FOUND', 'Release not found');
      const policy = this.policy(project);
      const weaker: Array<[string, boolean, string]> = [
        ['k', dto.k !== undefined && dto.k < policy.k, `k may only be raised above ${policy.k}`],
        ['l', dto.l !== undefined && dto.l < policy.l, `l may only be raised above ${policy.l}`],
        ['suppressionLimit', dto.suppressionLimit !== undefined && dto.suppressionLimit > policy.suppressionLimit, `the suppression limit may only be lowered below ${policy.suppressionLimit}`],
      ];
      const errors = weaker.filter(([, bad]) => bad).map(([field, , message]) => ({ field, code: 'WEAKER_THAN_DEFAULT', message }));
      if (errors.length > 0) throw new DomainError('VALIDATION_FAILED', 'Protection may only be tightened', { errors });
      const outside = dto.columns.find((c) => !project.exportColumns.includes(c));
      if (outside) throw new ResearchError('LEVEL_NOT_ALLOWED', 'A column outside the project allowlist', { details: { column: outside } });
      const request = { columns: dto.columns, linkageScope: dto.linkageScope, ...(dto.k ? { k: dto.k } : {}), ...(dto.l ? { l: dto.l } : {}), ...(dto.suppressionLimit !== undefined ? { suppressionLimit: dto.suppressionLimit } : {}) };
      const exportId = await this.repo.insert(tx, projectId, releaseId, actor.userId!, request);
      await this.audit.record(tx, { action: 'CREATE', objectType: 'ResearchExport', objectIds: [exportId, projectId, releaseId] });
      return exportId;
    });
    this.jobs.enqueue('export', id, () => this.run(actor, id));
    return { exportId: id, status: 'queued' };
  }

  async get(actor: Actor, id: string): Promise<ExportResponse> {
    return this.db.tx(actor, async (tx) => {
      const e = await this.requireVisible(tx, actor, id);
      await this.audit.record(tx, { action: 'READ', objectType: 'ResearchExport', objectIds: [id, e.projectId] });
      return toResponse(e);
    });
  }

  async codebook(actor: Actor, id: string): Promise<Record<string, unknown>> {
    return this.db.tx(actor, async (tx) => {
      const e = await this.requireVisible(tx, actor, id);
      const bytes = await this.servable(tx, e, 'codebook.json');
      await this.audit.record(tx, { action: 'READ', objectType: 'ResearchExport', objectIds: [id, e.projectId] });
      return JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
    });
  }

  /**
   * The CSV: a disclosure of pseudonymised personal data to the researcher's organisation, audited per person. The
   * DISCLOSE events commit before the first byte; the bytes then stream from the database in slices (a file of a
   * million persons never sits in memory), and the stream fails before its last slice unless the bytes hash to the
   * SHA-256 that the signed manifest names.
   */
  async download(actor: Actor, id: string): Promise<ExportDownload> {
    const file = await this.db.tx(actor, async (tx) => {
      const e = await this.requireVisible(tx, actor, id);
      this.auth.assertFreshMfa(actor);
      this.assertServable(e);
      const info = await this.repo.fileInfo(tx, e.id, 'data.csv');
      if (!info) throw new ResearchError('EXPORT_EXPIRED', 'The file is no longer kept');
      const manifestSha256 = (e.manifest as { files?: Record<string, { sha256?: string }> } | null)?.files?.['data.csv']?.sha256;
      if (!manifestSha256 || manifestSha256 !== info.sha256) {
        this.logger.error({ security: true, exportId: id }, 'ALERT: a stored research export file does not match its manifest; not served');
        throw new DomainError('INTERNAL', 'The export file cannot be served');
      }
      // The subjects stay in the database: one INSERT … SELECT writes an event per 1,000 disclosed persons.
      await this.audit.recordForSubjects(
        tx,
        { action: 'DISCLOSE', objectType: 'ResearchExport', objectIds: [id, e.projectId], recipientOrgId: actor.organisationId },
        this.repo.disclosedPersons(e.releaseId, e.suppressedPersonKeys ?? []),
        SUBJECTS_PER_EVENT,
      );
      return { size: info.size, sha256: manifestSha256 };
    });
    const stream = exportFileStream(
      (offset, length) => this.db.tx(null, (tx) => this.repo.fileSlice(tx, id, 'data.csv', offset, length)),
      file.size,
      file.sha256,
      () => this.logger.error({ security: true, exportId: id }, 'ALERT: research export bytes do not match the manifest; download cut short'),
    );
    return { stream, size: file.size, fileName: `doorstep-export-${id}.csv`, contentType: 'text/csv; charset=utf-8' };
  }

  async register(actor: Actor, q: { limit?: number; cursor?: string }): Promise<Page<ExportRegisterEntry>> {
    const limit = q.limit ?? 50;
    const after = decodeCursor(q.cursor, ['timestamp', 'uuid']) as [string, string] | null;
    return this.db.tx(actor, async (tx) => {
      const rows = await this.repo.register(tx, after, limit);
      const page = toPage(rows, limit, (r) => [r.createdAt.toISOString(), r.id], (r) => {
        const m = r.manifest as { population?: { exported?: number }; privacy?: { k?: { achieved?: number } } } | null;
        return {
          id: r.id,
          projectId: r.projectId,
          releaseId: r.releaseId,
          requestedBy: r.requestedBy,
          status: r.status.toLowerCase(),
          manifestSha256: r.manifestSha256,
          exported: m?.population?.exported ?? null,
          kAchieved: m?.privacy?.k?.achieved ?? null,
          createdAt: r.createdAt.toISOString(),
        };
      });
      await this.audit.record(tx, { action: 'AUDIT_READ', objectType: 'ResearchExport', objectIds: page.items.map((i) => i.id) });
      return page;
    });
  }

  /** The export job; every outcome is recorded, and nothing is stored unless the verifier passed the exact bytes. */
  async run(actor: Actor, id: string): Promise<void> {
    const started = Date.now();
    const prepared = await this.db.tx(actor, async (tx) => {
      const e = await this.repo.get(tx, id, true);
      if (!e || (e.status !== 'QUEUED' && e.status !== 'RUNNING')) return null;
      const exportKeyId = e.linkageScope === 'export' ? (e.exportKeyId ?? this.keys.createSalt()) : null;
      await this.repo.markRunning(tx, id, exportKeyId);
      const project = (await this.projectsRepo.get(tx, e.projectId, null))!;
      const releaseRow = (await this.releases.get(tx, e.releaseId))!;
      const release = await this.data.load(tx, releaseRow);
      const linked = e.linkageScope === 'project' ? await this.repo.linked(tx, e.projectId, id) : [];
      const earlier: EarlierExport[] = [];
      const linkedFiles: Array<{ exportId: string; csv: Buffer }> = [];
      for (const l of linked) {
        const lr = await this.data.load(tx, (await this.releases.get(tx, l.releaseId))!);
        earlier.push({ exportId: l.id, registry: lr.registry, persons: lr.persons, columns: l.columns ?? [], suppressedPersonKeys: l.suppressedPersonKeys ?? [] });
        const csv = await this.repo.file(tx, l.id, 'data.csv');
        if (csv) linkedFiles.push({ exportId: l.id, csv });
      }
      const tableLevels = await this.tables.projectTableLevels(tx, e.projectId, e.releaseId);
      return { e: { ...e, exportKeyId }, project, release, earlier, linkedFiles, tableLevels };
    });
    if (!prepared) return;
    const { e, project, release, earlier, linkedFiles, tableLevels } = prepared;
    let bundle: ExportBundle;
    try {
      const pseudonymise = e.linkageScope === 'export' ? this.keys.pseudonymiser(e.exportKeyId!, id) : this.keys.pseudonymiser(project.keyId!, project.id);
      const signing = this.keys.signingKey();
      bundle = buildExportBundle({
        registry: release.registry,
        release: { id: release.row.code, cutoff: release.row.cutoff, sourceSha256: release.row.sourceSha256! },
        persons: release.persons,
        request: e.request,
        policy: this.policy(project),
        pseudonymise,
        earlierExports: earlier,
        meta: {
          exportId: id,
          projectId: project.id,
          dacReference: project.dacReference,
          requestedBy: e.requestedBy,
          createdAt: new Date().toISOString(),
          software: { ...this.config.software, configSha256: this.configSha256() },
          pseudonymKeyId: e.linkageScope === 'export' ? e.exportKeyId! : project.keyId!,
        },
        signing: { privateKey: signing.privateKey, keyId: signing.keyId },
      });
      // Mixing rule (§3.2): tables finer than this generalisation were served to the project already.
      const finer = tableLevels.find((t) => bundle.node[t.name] !== undefined && t.level < bundle.node[t.name]!);
      if (finer) {
        throw new ResearchError('RESEARCH_MODE_CONFLICT', 'Tables finer than this export were already served to the project from this release', {
          details: { dimension: finer.name, tableLevel: finer.level, exportLevel: bundle.node[finer.name] },
        });
      }
    } catch (err) {
      const refusal = err instanceof DomainError ? { code: err.code, message: err.message, details: err.options.details ?? {} } : { code: 'DISCLOSURE_CHECK_FAILED', message: 'The export could not be built', details: {} };
      if (!(err instanceof DomainError)) this.logger.error({ exportId: id, errorClass: (err as Error)?.constructor?.name }, 'research export failed');
      await this.finish(actor, id, err instanceof DomainError && err.code !== 'DISCLOSURE_CHECK_FAILED' ? 'REFUSED' : 'FAILED_VERIFICATION', refusal, null);
      return;
    }
    const policy = this.policy(project);
    const verification = await verifyExport({
      csv: bundle.files['data.csv'],
      codebook: bundle.files['codebook.json'],
      manifest: bundle.manifestBytes,
      publicKey: this.keys.publicKey(),
      registry: release.registry.definition,
      allowedColumns: project.exportColumns,
      expected: {
        k: e.request.k ?? policy.k,
        l: e.request.l ?? policy.l,
        suppressionLimit: e.request.suppressionLimit ?? policy.suppressionLimit,
        maxAverageRisk: policy.maxAverageRisk,
        personsInRelease: release.persons.length,
        linkageScope: e.linkageScope,
      },
      linkedExports: linkedFiles,
      fixtureTerms: [],
    });
    if (!verification.passed) {
      this.logger.error({ security: true, exportId: id, failures: verification.failures.map((f) => f.check) }, 'ALERT: a research export failed independent verification; nothing stored');
      await this.finish(actor, id, 'FAILED_VERIFICATION', { code: 'DISCLOSURE_CHECK_FAILED', message: 'The output check failed; nothing was released', details: {} }, verification);
      return;
    }
    const suppressedKeys = new Set(bundle.suppressedPersonKeys);
    await this.db.tx(actor, async (tx) => {
      for (const [name, bytes] of [
        ['data.csv', bundle.files['data.csv']],
        ['codebook.json', bundle.files['codebook.json']],
        ['manifest.json', bundle.manifestBytes],
      ] as const) {
        await this.repo.insertFile(tx, id, name, bytes, sha256(bytes));
      }
      await this.repo.markVerified(tx, id, {
        node: bundle.node,
        columns: (bundle.manifest.columns.filter((c) => c.role !== 'pseudonym') as Array<{ name: string; level: number }>).map((c) => ({ name: c.name, level: c.level })),
        suppressed: bundle.suppressedPersonKeys,
        manifest: bundle.manifest,
        manifestSha256: sha256(bundle.manifestBytes),
        verification: { passed: true, checks: verification.checks },
        downloadDays: this.config.research.downloadDays,
      });
      const included = release.persons.map((p) => p.personKey).filter((k) => !suppressedKeys.has(k));
      tx.touch(included);
      for (let i = 0; i < Math.max(included.length, 1); i += SUBJECTS_PER_EVENT) {
        await this.audit.record(tx, { action: 'EXPORT', objectType: 'ResearchExport', objectIds: [id, project.id], subjectIds: included.slice(i, i + SUBJECTS_PER_EVENT) });
      }
    });
    this.logger.log({ exportId: id, persons: release.persons.length, exported: bundle.manifest.population.exported, elapsedMs: Date.now() - started }, 'research export verified');
  }

  private async finish(actor: Actor, id: string, status: 'REFUSED' | 'FAILED_VERIFICATION', refusal: ExportRow['refusal'], verification: unknown): Promise<void> {
    await this.db.tx(actor, async (tx) => {
      await this.repo.markEnded(tx, id, status, refusal, verification);
      await this.audit.record(tx, {
        action: 'EXPORT',
        objectType: 'ResearchExport',
        objectIds: [id],
        outcome: status === 'REFUSED' ? 'denied' : 'error',
        errorCode: refusal?.code,
      });
    });
  }

  private policy(project: ProjectRow): ExportPolicy {
    const r = this.config.research;
    return {
      allowedColumns: project.exportColumns,
      finestLevels: project.finestLevels,
      k: Math.max(r.k, DEFAULT_EXPORT_LIMITS.k),
      l: Math.max(r.l, DEFAULT_EXPORT_LIMITS.l),
      suppressionLimit: Math.min(r.maxSuppression, DEFAULT_EXPORT_LIMITS.suppressionLimit),
      maxAverageRisk: DEFAULT_EXPORT_LIMITS.maxAverageRisk,
    };
  }

  private configSha256(): string {
    const r = this.config.research;
    return sha256(canonicalize({ k: r.k, l: r.l, maxSuppression: r.maxSuppression, tau: r.tau, g: r.groupRuleG, minMeanCellSize: r.minMeanCellSize })!);
  }

  /** An export of a project the caller is a member of (404 otherwise); the project must still be active. */
  private async requireVisible(tx: Tx, actor: Actor, id: string): Promise<ExportRow> {
    const e = await this.repo.get(tx, id);
    if (!e) throw new DomainError('NOT_FOUND', 'Export not found');
    try {
      await this.projects.requireActive(tx, actor, e.projectId, 'export');
    } catch (err) {
      if (err instanceof DomainError && err.code === 'NOT_FOUND') throw new DomainError('NOT_FOUND', 'Export not found');
      throw err;
    }
    return e;
  }

  private assertServable(e: ExportRow): void {
    if (e.status === 'EXPIRED' || (e.status === 'VERIFIED' && e.expiresAt && e.expiresAt.getTime() <= Date.now())) throw new ResearchError('EXPORT_EXPIRED', 'The download window of this export has closed');
    if (e.status !== 'VERIFIED') throw new ResearchError('EXPORT_NOT_READY', `The export is ${e.status.toLowerCase()}`);
  }

  private async servable(tx: Tx, e: ExportRow, name: 'codebook.json'): Promise<Buffer> {
    this.assertServable(e);
    const bytes = await this.repo.file(tx, e.id, name);
    if (!bytes) throw new ResearchError('EXPORT_EXPIRED', 'The file is no longer kept');
    return bytes;
  }
}

function toResponse(e: ExportRow): ExportResponse {
  return {
    id: e.id,
    projectId: e.projectId,
    releaseId: e.releaseId,
    status: e.status.toLowerCase(),
    request: e.request,
    manifest: e.status === 'VERIFIED' || e.status === 'EXPIRED' ? e.manifest : null,
    refusal: e.refusal,
    createdAt: e.createdAt.toISOString(),
    finishedAt: e.finishedAt?.toISOString() ?? null,
    expiresAt: e.expiresAt?.toISOString() ?? null,
  };
}
