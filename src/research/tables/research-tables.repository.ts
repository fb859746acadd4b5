import { Injectable } from '@nestjs/common';
import type { Tx } from '../../database/tx.js';
import type { Box } from './boxes.js';
import type { RegisterCell } from './secondary-suppression.js';
import type { RegisterRow } from './table-response.js';

export interface StoredTable {
  id: string;
  seq: string;
  seriesId: string;
  releaseId: string;
  projectId: string | null;
  catalogueName: string | null;
  requestSha256: string;
  request: Record<string, unknown>;
  response: Record<string, unknown>;
  registerSha256: string;
  prevChainSha256: string;
  chainSha256: string;
  requestedBy: string;
  createdAt: Date;
}

export interface NewTable {
  seriesId: string;
  releaseId: string;
  projectId: string | null;
  catalogueName: string | null;
  requestSha256: string;
  request: unknown;
  response: unknown;
  lpSolves: number;
  verification: unknown;
  registerSha256: string;
  requestedBy: string;
}

const COLUMNS = `t.id, t.seq::text AS seq, t.series_id AS "seriesId", t.release_id AS "releaseId", t.project_id AS "projectId",
  t.catalogue_name AS "catalogueName", t.request_sha256 AS "requestSha256", t.request, t.response, t.register_sha256 AS "registerSha256",
  t.prev_chain_sha256 AS "prevChainSha256", t.chain_sha256 AS "chainSha256", t.requested_by AS "requestedBy", t.created_at AS "createdAt"`;

@Injectable()
export class ResearchTablesRepository {
  async byRequest(tx: Tx, releaseId: string, requestSha256: string): Promise<StoredTable | null> {
    return tx.one<StoredTable>(`SELECT ${COLUMNS} FROM research_tables t WHERE t.release_id = $1 AND t.request_sha256 = $2`, [releaseId, requestSha256]);
  }

  async get(tx: Tx, id: string): Promise<StoredTable | null> {
    return tx.one<StoredTable>(`SELECT ${COLUMNS} FROM research_tables t WHERE t.id = $1`, [id]);
  }

  /** Every value served from the series: the constraints of the next audit. */
  async register(tx: Tx, seriesId: string): Promise<{ cells: RegisterCell[]; tables: number }> {
    const rows = await tx.query<{ box: Box; value: number | null; status: RegisterCell['status'] }>(
      `SELECT c.box, c.value, c.status FROM research_register_cells c JOIN research_tables t ON t.id = c.table_id
        WHERE c.series_id = $1 ORDER BY t.seq, c.ordinal`,
      [seriesId],
    );
    return { cells: rows, tables: await this.count(tx, seriesId) };
  }

  async count(tx: Tx, seriesId: string): Promise<number> {
    return (await tx.one<{ n: number }>(`SELECT count(*)::int AS n FROM research_tables WHERE series_id = $1`, [seriesId]))!.n;
  }

  /** Serialises appends to one series' register: each table is audited against everything before it. */
  async lockSeries(tx: Tx, seriesId: string): Promise<void> {
    await tx.exec(`SELECT pg_advisory_xact_lock(hashtextextended('research-series:' || $1, 0))`, [seriesId]);
  }

  async lastChain(tx: Tx, seriesId: string): Promise<string | null> {
    return (await tx.one<{ h: string }>(`SELECT chain_sha256 AS h FROM research_tables WHERE series_id = $1 ORDER BY seq DESC LIMIT 1`, [seriesId]))?.h ?? null;
  }

  async insert(tx: Tx, t: NewTable, prevChain: string, chain: string, rows: readonly RegisterRow[]): Promise<string> {
    const row = await tx.one<{ id: string }>(
      `INSERT INTO research_tables (series_id, release_id, project_id, catalogue_name, request_sha256, request, response, lp_solves, verification,
         register_sha256, prev_chain_sha256, chain_sha256, requested_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id`,
      [
        t.seriesId,
        t.releaseId,
        t.projectId,
        t.catalogueName,
        t.requestSha256,
        JSON.stringify(t.request),
        JSON.stringify(t.response),
        t.lpSolves,
        JSON.stringify(t.verification),
        t.registerSha256,
        prevChain,
        chain,
        t.requestedBy,
      ],
    );
    const id = row!.id;
    for (let i = 0; i < rows.length; i += 2000) {
      const chunk = rows.slice(i, i + 2000);
      await tx.exec(
        `INSERT INTO research_register_cells (table_id, ordinal, series_id, box_id, box, cell_key, kind, value, status)
         SELECT $1, o, $2, b, bx, k, kd, v, s FROM unnest($3::int[], $4::text[], $5::jsonb[], $6::jsonb[], $7::text[], $8::int[], $9::text[]) AS u(o, b, bx, k, kd, v, s)`,
        [
          id,
          t.seriesId,
          chunk.map((_, j) => i + j),
          chunk.map((r) => r.boxId),
          chunk.map((r) => JSON.stringify(r.box)),
          chunk.map((r) => JSON.stringify(r.cellKey)),
          chunk.map((r) => r.kind),
          chunk.map((r) => r.value),
          chunk.map((r) => r.status),
        ],
      );
    }
    return id;
  }

  /** Levels of the dimensions and filters of tables a project was served on a release (the mixing rule). */
  async projectTableLevels(tx: Tx, projectId: string, releaseId: string): Promise<Array<{ name: string; level: number }>> {
    return tx.query(
      `WITH served AS (SELECT t.request FROM research_table_deliveries d JOIN research_tables t ON t.id = d.table_id WHERE d.project_id = $1 AND t.release_id = $2)
       SELECT x->>'name' AS name, (x->>'level')::int AS level FROM served, jsonb_array_elements(served.request->'dimensions') x
       UNION ALL
       SELECT f->>'dimension', (f->>'level')::int FROM served, jsonb_array_elements(COALESCE(served.request->'filters', '[]'::jsonb)) f`,
      [projectId, releaseId],
    );
  }

  async delivered(tx: Tx, tableId: string, projectId: string): Promise<boolean> {
    return (await tx.one(`SELECT 1 FROM research_table_deliveries WHERE project_id = $1 AND table_id = $2`, [projectId, tableId])) !== null;
  }

  /** Generalisation nodes of the project's exports of a release: tables may not be finer afterwards. */
  async exportNodes(tx: Tx, projectId: string, releaseId: string): Promise<Array<Record<string, number>>> {
    const rows = await tx.query<{ node: Record<string, number> }>(
      `SELECT node FROM research_exports WHERE project_id = $1 AND release_id = $2 AND status IN ('VERIFIED', 'EXPIRED') AND node IS NOT NULL`,
      [projectId, releaseId],
    );
    return rows.map((r) => r.node);
  }

  async recordDelivery(tx: Tx, tableId: string, projectId: string): Promise<void> {
    await tx.exec(`INSERT INTO research_table_deliveries (table_id, project_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [tableId, projectId]);
  }

  async list(tx: Tx, after: string | null, limit: number): Promise<StoredTable[]> {
    return tx.query<StoredTable>(`SELECT ${COLUMNS} FROM research_tables t WHERE ($1::bigint IS NULL OR t.seq < $1::bigint) ORDER BY t.seq DESC LIMIT $2`, [after, limit + 1]);
  }

  /** Every table in register order (chain verification). */
  async all(tx: Tx): Promise<StoredTable[]> {
    return tx.query<StoredTable>(`SELECT ${COLUMNS} FROM research_tables t ORDER BY t.seq`);
  }

  /** Register rows of one table in order, to re-hash the chain. */
  async registerOf(tx: Tx, tableId: string): Promise<Array<Record<string, unknown>>> {
    return tx.query(`SELECT box_id AS "boxId", box, cell_key AS "cellKey", kind, value, status FROM research_register_cells WHERE table_id = $1 ORDER BY ordinal`, [tableId]);
  }
}
