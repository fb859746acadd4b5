import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { AuditService } from '../../audit/audit.service.js';
import type { Actor } from '../../common/actor.js';
import { decodeCursor, toPage, type PageQuery } from '../../common/pagination.js';
import { Db } from '../../database/db.service.js';
import type { TableRegisterPage } from '../dto/export.response.js';
import { ResearchTablesRepository, type StoredTable } from './research-tables.repository.js';

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

/**
 * The output register for the privacy officer (research-data.md §3.3): every table served, and a re-computation of
 * the hash chain over the register rows, so an edit made directly in the database shows.
 */
@Injectable()
export class ResearchRegistersService {
  constructor(
    private readonly db: Db,
    private readonly repo: ResearchTablesRepository,
    private readonly audit: AuditService,
  ) {}

  async tables(actor: Actor, q: PageQuery): Promise<TableRegisterPage> {
    const limit = q.limit ?? 50;
    const after = decodeCursor(q.cursor, ['int']) as [string] | null;
    return this.db.tx(actor, async (tx) => {
      const rows = await this.repo.list(tx, after?.[0] ?? null, limit);
      const page = toPage(rows, limit, (r) => [r.seq], (r) => ({
        id: r.id,
        seq: Number(r.seq),
        seriesId: r.seriesId,
        releaseId: r.releaseId,
        projectId: r.projectId,
        catalogueName: r.catalogueName,
        requestSha256: r.requestSha256,
        request: r.request,
        chainSha256: r.chainSha256,
        createdAt: r.createdAt.toISOString(),
      }));
      const chainVerified = await this.verifyChains(tx, await this.repo.all(tx));
      await this.audit.record(tx, { action: 'AUDIT_READ', objectType: 'StatisticsTable', objectIds: page.items.map((i) => i.id) });
      return { ...page, chainVerified };
    });
  }

  /** Recomputes every series' chain from the register rows themselves. */
  private async verifyChains(tx: Parameters<ResearchTablesRepository['registerOf']>[0], tables: StoredTable[]): Promise<boolean> {
    const last = new Map<string, string>();
    for (const t of tables) {
      const rows = await this.repo.registerOf(tx, t.id);
      const registerSha256 = sha256(canonicalize(rows)!);
      const prev = last.get(t.seriesId) ?? '0'.repeat(64);
      if (registerSha256 !== t.registerSha256 || t.prevChainSha256 !== prev || sha256(`${prev}${registerSha256}`) !== t.chainSha256) return false;
      last.set(t.seriesId, t.chainSha256);
    }
    return true;
  }
}
