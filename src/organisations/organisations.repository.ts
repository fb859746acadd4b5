import { Injectable } from '@nestjs/common';
import type { FactMap } from '../authorization/sql-scope.js';
import { SqlParams } from '../database/sql-params.js';
import type { Tx } from '../database/tx.js';
import type { AreaLevel, OrganisationType } from './organisation-types.js';

export interface OrganisationRow {
  id: string;
  name: string;
  type: OrganisationType;
  parentId: string | null;
  canRefer: boolean;
  servedAreaIds: string[];
  covenantSignedAt: Date | null;
  covenantVersion: string | null;
  active: boolean;
  version: number;
}

export interface AreaRow {
  id: string;
  level: AreaLevel;
  code: string;
  name: string;
  parentId: string | null;
  active: boolean;
}

const COLUMNS = `o.id, o.name, o.type, o.parent_id AS "parentId", o.can_refer AS "canRefer", o.served_area_ids AS "servedAreaIds",
  o.covenant_signed_at AS "covenantSignedAt", o.covenant_version AS "covenantVersion", o.active, o.version`;

@Injectable()
export class OrganisationsRepository {
  facts(): FactMap {
    return { id: { sql: 'o.id', type: 'uuid' } };
  }

  async list(tx: Tx, scope: string, p: SqlParams, f: { type?: OrganisationType; after: [string, string] | null; limit: number }): Promise<OrganisationRow[]> {
    const where = [scope];
    if (f.type) where.push(`o.type = ${p.add(f.type)}`);
    if (f.after) where.push(`(o.name, o.id) > (${p.add(f.after[0])}, ${p.add(f.after[1])}::uuid)`);
    return tx.query(`SELECT ${COLUMNS} FROM organisations o WHERE ${where.join(' AND ')} ORDER BY o.name, o.id LIMIT ${p.add(f.limit + 1)}`, p.values);
  }

  async get(tx: Tx, id: string): Promise<OrganisationRow | null> {
    return tx.one(`SELECT ${COLUMNS} FROM organisations o WHERE o.id = $1`, [id]);
  }

  async create(tx: Tx, o: { name: string; type: OrganisationType; parentId: string | null; canRefer: boolean; servedAreaIds: string[]; covenantSignedAt: string | null; covenantVersion: string | null; createdBy: string | null }): Promise<string> {
    const row = await tx.one<{ id: string }>(
      `INSERT INTO organisations (name, type, parent_id, can_refer, served_area_ids, covenant_signed_at, covenant_version, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
      [o.name, o.type, o.parentId, o.canRefer, o.servedAreaIds, o.covenantSignedAt, o.covenantVersion, o.createdBy],
    );
    return row!.id;
  }

  async update(tx: Tx, id: string, version: number, patch: Record<string, unknown>): Promise<number | null> {
    const columns: Record<string, string> = { name: 'name', canRefer: 'can_refer', servedAreaIds: 'served_area_ids', covenantSignedAt: 'covenant_signed_at', covenantVersion: 'covenant_version', active: 'active' };
    const p = new SqlParams([id, version]);
    const sets = ['version = version + 1', 'updated_at = now()'];
    for (const [k, col] of Object.entries(columns)) if (patch[k] !== undefined) sets.push(`${col} = ${p.add(patch[k])}`);
    const row = await tx.one<{ version: number }>(`UPDATE organisations SET ${sets.join(', ')} WHERE id = $1 AND version = $2 RETURNING version`, p.values);
    return row?.version ?? null;
  }

  async areasExist(tx: Tx, ids: string[], level: AreaLevel): Promise<boolean> {
    if (ids.length === 0) return true;
    const row = await tx.one<{ n: number }>(`SELECT count(*)::int AS n FROM areas WHERE id = ANY($1::uuid[]) AND level = $2`, [ids, level]);
    return row!.n === ids.length;
  }

  async areas(tx: Tx): Promise<AreaRow[]> {
    return tx.query(`SELECT id, level, code, name, parent_id AS "parentId", active FROM areas ORDER BY level, code`);
  }
}
