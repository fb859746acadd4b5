import { Injectable } from '@nestjs/common';
import type { Tx } from '../database/tx.js';

export interface ApiKeyRow {
  id: string;
  keyId: string;
  organisationId: string;
  name: string;
  createdAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}

const COLUMNS = `id, key_id AS "keyId", organisation_id AS "organisationId", name, created_at AS "createdAt",
  expires_at AS "expiresAt", revoked_at AS "revokedAt", last_used_at AS "lastUsedAt"`;

@Injectable()
export class ApiKeysRepository {
  async create(tx: Tx, k: { keyId: string; secretSha256: Buffer; organisationId: string; name: string; expiresAt: Date; createdBy: string | null }): Promise<ApiKeyRow> {
    return (await tx.one<ApiKeyRow>(
      `INSERT INTO api_keys (key_id, secret_sha256, organisation_id, name, expires_at, created_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
      [k.keyId, k.secretSha256, k.organisationId, k.name, k.expiresAt, k.createdBy],
    ))!;
  }

  async list(tx: Tx, after: [string, string] | null, limit: number): Promise<ApiKeyRow[]> {
    return after
      ? tx.query(`SELECT ${COLUMNS} FROM api_keys WHERE (created_at, id) < ($1::timestamptz, $2::uuid) ORDER BY created_at DESC, id DESC LIMIT $3`, [after[0], after[1], limit + 1])
      : tx.query(`SELECT ${COLUMNS} FROM api_keys ORDER BY created_at DESC, id DESC LIMIT $1`, [limit + 1]);
  }

  async revoke(tx: Tx, id: string, at: Date): Promise<boolean> {
    return (await tx.exec(`UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1`, [id, at])) === 1;
  }

  async referringOrganisation(tx: Tx, id: string): Promise<{ canRefer: boolean; active: boolean } | null> {
    return tx.one(`SELECT can_refer AS "canRefer", active FROM organisations WHERE id = $1`, [id]);
  }
}
