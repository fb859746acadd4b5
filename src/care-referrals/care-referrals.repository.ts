import { Injectable } from '@nestjs/common';
import { SqlParams } from '../database/sql-params.js';
import type { Tx } from '../database/tx.js';

export interface CareReferralRow {
  id: string;
  caseId: string;
  type: string;
  providerOrganisationId: string | null;
  proposedAt: Date;
  status: string;
  statusAt: Date;
  dataSharedFields: string[];
  notes: string | null;
  version: number;
}

const COLUMNS = `id, case_id AS "caseId", type, provider_organisation_id AS "providerOrganisationId", proposed_at AS "proposedAt", status,
  status_at AS "statusAt", data_shared_fields AS "dataSharedFields", notes, version`;

@Injectable()
export class CareReferralsRepository {
  async get(tx: Tx, id: string): Promise<CareReferralRow | null> {
    return tx.one(`SELECT ${COLUMNS} FROM care_referrals WHERE id = $1`, [id]);
  }

  async insert(tx: Tx, c: { caseId: string; type: string; providerOrganisationId: string | null; status: string; at: Date; notes: string | null; createdBy: string | null }): Promise<string> {
    return (await tx.one<{ id: string }>(
      `INSERT INTO care_referrals (case_id, type, provider_organisation_id, proposed_at, status, status_at, notes, created_by) VALUES ($1, $2, $3, $4, $5, $4, $6, $7) RETURNING id`,
      [c.caseId, c.type, c.providerOrganisationId, c.at, c.status, c.notes, c.createdBy],
    ))!.id;
  }

  async update(tx: Tx, id: string, version: number, patch: Record<string, unknown>): Promise<number | null> {
    const columns: Record<string, string> = { status: 'status', statusAt: 'status_at', providerOrganisationId: 'provider_organisation_id', dataSharedFields: 'data_shared_fields', notes: 'notes' };
    const p = new SqlParams([id, version]);
    const sets = ['version = version + 1', 'updated_at = now()'];
    for (const [k, col] of Object.entries(columns)) if (patch[k] !== undefined) sets.push(`${col} = ${p.add(patch[k])}`);
    const row = await tx.one<{ version: number }>(`UPDATE care_referrals SET ${sets.join(', ')} WHERE id = $1 AND version = $2 RETURNING version`, p.values);
    return row?.version ?? null;
  }

  async provider(tx: Tx, id: string): Promise<{ type: string; active: boolean; covenantSigned: boolean } | null> {
    return tx.one(`SELECT type, active, covenant_signed_at IS NOT NULL AS "covenantSigned" FROM organisations WHERE id = $1`, [id]);
  }

  async careConsent(tx: Tx, caseId: string): Promise<{ given: boolean; scope: string[] } | null> {
    return tx.one(`SELECT consent_care_share_given AS given, consent_care_share_scope AS scope FROM conversations WHERE case_id = $1 ORDER BY held_at DESC LIMIT 1`, [caseId]);
  }
}
