import { Injectable } from '@nestjs/common';
import type { SubjectQuery } from '../../audit/audit-writer.js';
import type { Tx } from '../../database/tx.js';

export interface ExportRow {
  id: string;
  projectId: string;
  releaseId: string;
  requestedBy: string;
  status: string;
  request: { columns: string[]; k?: number; l?: number; suppressionLimit?: number; linkageScope: 'project' | 'export' };
  linkageScope: 'project' | 'export';
  exportKeyId: string | null;
  node: Record<string, number> | null;
  columns: Array<{ name: string; level: number }> | null;
  suppressedPersonKeys: string[] | null;
  manifest: Record<string, unknown> | null;
  manifestSha256: string | null;
  refusal: { code: string; message: string; details: Record<string, unknown> } | null;
  createdAt: Date;
  finishedAt: Date | null;
  expiresAt: Date | null;
}

const COLUMNS = `e.id, e.project_id AS "projectId", e.release_id AS "releaseId", e.requested_by AS "requestedBy", e.status, e.request,
  e.linkage_scope AS "linkageScope", e.export_key_id AS "exportKeyId", e.node, e.columns, e.suppressed_person_keys AS "suppressedPersonKeys",
  e.manifest, e.manifest_sha256 AS "manifestSha256", e.refusal, e.created_at AS "createdAt", e.finished_at AS "finishedAt", e.expires_at AS "expiresAt"`;

export type ExportFileName = 'data.csv' | 'codebook.json' | 'manifest.json';

@Injectable()
export class ResearchExportsRepository {
  async insert(tx: Tx, projectId: string, releaseId: string, requestedBy: string, request: ExportRow['request']): Promise<string> {
    const row = await tx.one<{ id: string }>(
      `INSERT INTO research_exports (project_id, release_id, requested_by, request, linkage_scope) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
      [projectId, releaseId, requestedBy, JSON.stringify(request), request.linkageScope],
    );
    return row!.id;
  }

  async get(tx: Tx, id: string, forUpdate = false): Promise<ExportRow | null> {
    return tx.one<ExportRow>(`SELECT ${COLUMNS} FROM research_exports e WHERE e.id = $1${forUpdate ? ' FOR UPDATE' : ''}`, [id]);
  }

  async markRunning(tx: Tx, id: string, exportKeyId: string | null): Promise<boolean> {
    return (
      (await tx.exec(
        `UPDATE research_exports SET status = 'RUNNING', started_at = now(), export_key_id = COALESCE(export_key_id, $2), version = version + 1 WHERE id = $1 AND status IN ('QUEUED', 'RUNNING')`,
        [id, exportKeyId],
      )) === 1
    );
  }

  async markVerified(
    tx: Tx,
    id: string,
    v: { node: Record<string, number>; columns: Array<{ name: string; level: number }>; suppressed: string[]; manifest: unknown; manifestSha256: string; verification: unknown; downloadDays: number },
  ): Promise<void> {
    await tx.exec(
      `UPDATE research_exports SET status = 'VERIFIED', node = $2, columns = $3, suppressed_person_keys = $4, manifest = $5, manifest_sha256 = $6,
              verification = $7, finished_at = now(), expires_at = now() + make_interval(days => $8), version = version + 1
        WHERE id = $1 AND status = 'RUNNING'`,
      [id, JSON.stringify(v.node), JSON.stringify(v.columns), v.suppressed, JSON.stringify(v.manifest), v.manifestSha256, JSON.stringify(v.verification), v.downloadDays],
    );
  }

  async markEnded(tx: Tx, id: string, status: 'REFUSED' | 'FAILED_VERIFICATION', refusal: ExportRow['refusal'], verification: unknown): Promise<void> {
    await tx.exec(
      `UPDATE research_exports SET status = $2, refusal = $3, verification = $4, finished_at = now(), version = version + 1 WHERE id = $1 AND status IN ('QUEUED', 'RUNNING')`,
      [id, status, refusal ? JSON.stringify(refusal) : null, verification ? JSON.stringify(verification) : null],
    );
  }

  async insertFile(tx: Tx, exportId: string, name: ExportFileName, bytes: Buffer, sha256: string): Promise<void> {
    await tx.exec(`INSERT INTO research_export_files (export_id, name, bytes, sha256) VALUES ($1, $2, $3, $4)`, [exportId, name, bytes, sha256]);
  }

  async file(tx: Tx, exportId: string, name: ExportFileName): Promise<Buffer | null> {
    return (await tx.one<{ bytes: Buffer }>(`SELECT bytes FROM research_export_files WHERE export_id = $1 AND name = $2`, [exportId, name]))?.bytes ?? null;
  }

  /** Size and stored SHA-256 of a file, without reading it (octet_length of a stored value reads only its header). */
  async fileInfo(tx: Tx, exportId: string, name: ExportFileName): Promise<{ size: number; sha256: string } | null> {
    return tx.one<{ size: number; sha256: string }>(`SELECT octet_length(bytes) AS size, sha256 FROM research_export_files WHERE export_id = $1 AND name = $2`, [
      exportId,
      name,
    ]);
  }

  /**
   * `length` bytes of a file from `offset` (0-based). The column is stored uncompressed (migration
   * ExportFileStorage), so PostgreSQL fetches only the TOAST chunks of the slice instead of decompressing from the start.
   */
  async fileSlice(tx: Tx, exportId: string, name: ExportFileName, offset: number, length: number): Promise<Buffer | null> {
    const row = await tx.one<{ slice: Buffer }>(`SELECT substring(bytes FROM $3::int FOR $4::int) AS slice FROM research_export_files WHERE export_id = $1 AND name = $2`, [
      exportId,
      name,
      offset + 1,
      length,
    ]);
    return row?.slice ?? null;
  }

  /** The persons of a release that an export discloses (all but its suppressed ones), as the audit's subject query. */
  disclosedPersons(releaseId: string, suppressedPersonKeys: readonly string[]): SubjectQuery {
    return {
      sql: `SELECT p.person_key AS subject_id FROM research_release_persons p WHERE p.release_id = $1::uuid AND NOT (p.person_key = ANY ($2::uuid[]))`,
      params: [releaseId, suppressedPersonKeys],
    };
  }

  /** Earlier exports of the project that pseudonyms link to (project scope), oldest first. */
  async linked(tx: Tx, projectId: string, beforeId: string): Promise<ExportRow[]> {
    return tx.query<ExportRow>(
      `SELECT ${COLUMNS} FROM research_exports e
        WHERE e.project_id = $1 AND e.id <> $2 AND e.linkage_scope = 'project' AND e.status IN ('VERIFIED', 'EXPIRED')
        ORDER BY e.finished_at, e.id`,
      [projectId, beforeId],
    );
  }

  async open(tx: Tx): Promise<Array<{ id: string; requestedBy: string }>> {
    return tx.query(`SELECT id, requested_by AS "requestedBy" FROM research_exports WHERE status IN ('QUEUED', 'RUNNING') ORDER BY created_at`);
  }

  /** Verified exports past their download window: files deleted, status expired. */
  async expireDue(tx: Tx): Promise<string[]> {
    const rows = await tx.query<{ id: string }>(`UPDATE research_exports SET status = 'EXPIRED', version = version + 1 WHERE status = 'VERIFIED' AND expires_at <= now() RETURNING id`);
    const ids = rows.map((r) => r.id);
    if (ids.length > 0) await tx.exec(`DELETE FROM research_export_files WHERE export_id = ANY($1::uuid[])`, [ids]);
    return ids;
  }

  async register(tx: Tx, after: [string, string] | null, limit: number): Promise<ExportRow[]> {
    return tx.query<ExportRow>(
      `SELECT ${COLUMNS} FROM research_exports e WHERE ($1::timestamptz IS NULL OR (e.created_at, e.id) < ($1::timestamptz, $2::uuid))
        ORDER BY e.created_at DESC, e.id DESC LIMIT $3`,
      [after?.[0] ?? null, after?.[1] ?? null, limit + 1],
    );
  }
}
