import { Injectable } from '@nestjs/common';
import type { Tx } from '../../database/tx.js';
import type { GeographyInput, RegistryDefinition } from '../registry/registry.types.js';
import type { ReleasePerson } from './release-person.js';

export interface ReleaseRow {
  id: string;
  code: string;
  cutoff: string;
  seriesId: string;
  status: string;
  fromMonth: string | null;
  months: string[];
  registry: RegistryDefinition | null;
  registryVersion: string | null;
  registrySha256: string | null;
  geographySha256: string | null;
  sourceSha256: string | null;
  softwareVersion: string | null;
  gitCommit: string | null;
  counts: Record<string, number>;
  catalogue: Array<{ name: string; tableId: string | null; refusal: string | null }>;
  failureCode: string | null;
  builtBy: string;
  builtAt: Date | null;
  publishedAt: Date | null;
  createdAt: Date;
  version: number;
}

const COLUMNS = `r.id, r.code, to_char(r.cutoff, 'YYYY-MM-DD') AS cutoff, r.series_id AS "seriesId", r.status, r.from_month AS "fromMonth",
  r.months, r.registry, r.registry_version AS "registryVersion", r.registry_sha256 AS "registrySha256", r.geography_sha256 AS "geographySha256",
  r.source_sha256 AS "sourceSha256", r.software_version AS "softwareVersion", r.git_commit AS "gitCommit", r.counts, r.catalogue,
  r.failure_code AS "failureCode", r.built_by AS "builtBy", r.built_at AS "builtAt", r.published_at AS "publishedAt", r.created_at AS "createdAt", r.version`;

const PERSON_COLUMNS = `person_key AS "personKey", age, sex, geo, period, referral_source AS "referralSource", attempts,
  first_attempt_delay AS "firstAttemptDelay", outcome, rereferral, rereferral_6m AS "rereferral6m", care_started AS "careStarted",
  followup_reached AS "followupReached", parent_present AS "parentPresent", prior_referrals AS "priorReferrals"`;

export interface BuiltRelease {
  seriesId: string;
  fromMonth: string;
  months: string[];
  registry: RegistryDefinition;
  registrySha256: string;
  geographySha256: string;
  sourceSha256: string;
  softwareVersion: string;
  gitCommit: string;
  counts: Record<string, number>;
}

@Injectable()
export class ResearchReleasesRepository {
  async insertBuilding(tx: Tx, code: string, cutoff: string, builtBy: string): Promise<string> {
    const row = await tx.one<{ id: string }>(
      `INSERT INTO research_releases (id, code, cutoff, series_id, built_by) SELECT g, $1, $2, g, $3 FROM gen_random_uuid() g
       ON CONFLICT (code) DO NOTHING RETURNING id`,
      [code, cutoff, builtBy],
    );
    return row?.id ?? '';
  }

  async get(tx: Tx, id: string, forUpdate = false): Promise<ReleaseRow | null> {
    return tx.one<ReleaseRow>(`SELECT ${COLUMNS} FROM research_releases r WHERE r.id = $1${forUpdate ? ' FOR UPDATE' : ''}`, [id]);
  }

  async list(tx: Tx, statuses: string[] | null, after: [string, string] | null, limit: number): Promise<ReleaseRow[]> {
    const params: unknown[] = [];
    const where: string[] = ['TRUE'];
    if (statuses) {
      params.push(statuses);
      where.push(`r.status = ANY($${params.length}::text[])`);
    }
    if (after) {
      params.push(after[0], after[1]);
      where.push(`(r.cutoff, r.id) < ($${params.length - 1}::date, $${params.length}::uuid)`);
    }
    params.push(limit + 1);
    return tx.query<ReleaseRow>(`SELECT ${COLUMNS} FROM research_releases r WHERE ${where.join(' AND ')} ORDER BY r.cutoff DESC, r.id DESC LIMIT $${params.length}`, params);
  }

  /** The newest built release on the same geography: a new release continues its series. */
  async seriesFor(tx: Tx, geographySha256: string, excludeId: string): Promise<{ seriesId: string; fromMonth: string } | null> {
    return tx.one(
      `SELECT series_id AS "seriesId", from_month AS "fromMonth" FROM research_releases
        WHERE geography_sha256 = $1 AND status IN ('BUILT', 'PUBLISHED', 'RETIRED') AND id <> $2
        ORDER BY cutoff DESC LIMIT 1`,
      [geographySha256, excludeId],
    );
  }

  /** The latest published release of a series before a cutoff: its quarters are frozen. */
  async previousPublished(tx: Tx, seriesId: string, cutoff: string): Promise<ReleaseRow | null> {
    return tx.one<ReleaseRow>(
      `SELECT ${COLUMNS} FROM research_releases r WHERE r.series_id = $1 AND r.status IN ('PUBLISHED', 'RETIRED') AND r.cutoff < $2 ORDER BY r.cutoff DESC LIMIT 1`,
      [seriesId, cutoff],
    );
  }

  /** The newest built or published release of a series: every served cell is a sum over its rows. */
  async newestInSeries(tx: Tx, seriesId: string): Promise<ReleaseRow | null> {
    return tx.one<ReleaseRow>(
      `SELECT ${COLUMNS} FROM research_releases r WHERE r.series_id = $1 AND r.status IN ('PUBLISHED', 'RETIRED') ORDER BY r.cutoff DESC LIMIT 1`,
      [seriesId],
    );
  }

  async latestPublished(tx: Tx): Promise<ReleaseRow | null> {
    return tx.one<ReleaseRow>(`SELECT ${COLUMNS} FROM research_releases r WHERE r.status = 'PUBLISHED' ORDER BY r.cutoff DESC, r.id DESC LIMIT 1`);
  }

  /** Month of the earliest visit attempt on or before the cutoff: where a new series' window starts. */
  async firstAttemptMonth(tx: Tx, cutoff: string, timeZone: string): Promise<string | null> {
    const row = await tx.one<{ m: string | null }>(
      `SELECT to_char(min(occurred_at AT TIME ZONE $2), 'YYYY-MM') AS m FROM visit_attempts WHERE (occurred_at AT TIME ZONE $2)::date <= $1::date`,
      [cutoff, timeZone],
    );
    return row?.m ?? null;
  }

  async geography(tx: Tx): Promise<GeographyInput> {
    const rows = await tx.query<{ level: string; code: string; name: string; parentCode: string | null }>(
      `SELECT a.level, a.code, a.name, p.code AS "parentCode" FROM areas a LEFT JOIN areas p ON p.id = a.parent_id WHERE a.active ORDER BY a.level, a.code`,
    );
    const children = (level: string, parent: string) => rows.filter((r) => r.level === level && r.parentCode === parent).map((r) => r.code);
    return {
      regions: rows.filter((r) => r.level === 'REGION').map((r) => ({ code: r.code, label: r.name, districts: children('DISTRICT', r.code) })),
      districts: rows.filter((r) => r.level === 'DISTRICT').map((r) => ({ code: r.code, label: r.name, municipalities: children('MUNICIPALITY', r.code) })),
      municipalities: rows.filter((r) => r.level === 'MUNICIPALITY').map((r) => ({ code: r.code, label: r.name })),
    };
  }

  async insertPersons(tx: Tx, releaseId: string, persons: readonly ReleasePerson[]): Promise<void> {
    for (let i = 0; i < persons.length; i += 5000) {
      const chunk = persons.slice(i, i + 5000);
      const col = <K extends keyof ReleasePerson>(k: K) => chunk.map((p) => p[k]);
      await tx.exec(
        `INSERT INTO research_release_persons (release_id, person_key, age, sex, geo, period, referral_source, attempts, first_attempt_delay,
           outcome, rereferral, rereferral_6m, care_started, followup_reached, parent_present, prior_referrals)
         SELECT $1, * FROM unnest($2::uuid[], $3::smallint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
           $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::text[])`,
        [
          releaseId,
          col('personKey'),
          col('age'),
          col('sex'),
          col('geo'),
          col('period'),
          col('referralSource'),
          col('attempts'),
          col('firstAttemptDelay'),
          col('outcome'),
          col('rereferral'),
          col('rereferral6m'),
          col('careStarted'),
          col('followupReached'),
          col('parentPresent'),
          col('priorReferrals'),
        ],
      );
    }
  }

  async persons(tx: Tx, releaseId: string): Promise<ReleasePerson[]> {
    return tx.query<ReleasePerson & { age: number }>(`SELECT ${PERSON_COLUMNS} FROM research_release_persons WHERE release_id = $1 ORDER BY person_key`, [releaseId]);
  }

  async markBuilt(tx: Tx, id: string, b: BuiltRelease): Promise<void> {
    await tx.exec(
      `UPDATE research_releases SET status = 'BUILT', series_id = $2, from_month = $3, months = $4, registry = $5, registry_version = $6,
              registry_sha256 = $7, geography_sha256 = $8, source_sha256 = $9, software_version = $10, git_commit = $11, counts = $12,
              built_at = now(), version = version + 1
        WHERE id = $1 AND status = 'BUILDING'`,
      [id, b.seriesId, b.fromMonth, b.months, JSON.stringify(b.registry), b.registry.registryVersion, b.registrySha256, b.geographySha256, b.sourceSha256, b.softwareVersion, b.gitCommit, JSON.stringify(b.counts)],
    );
  }

  async markFailed(tx: Tx, id: string, code: string): Promise<void> {
    await tx.exec(`UPDATE research_releases SET status = 'FAILED', failure_code = $2, version = version + 1 WHERE id = $1 AND status = 'BUILDING'`, [id, code]);
  }

  async publish(tx: Tx, id: string, version: number, by: string): Promise<boolean> {
    return (
      (await tx.exec(`UPDATE research_releases SET status = 'PUBLISHED', published_by = $3, published_at = now(), version = version + 1 WHERE id = $1 AND version = $2 AND status = 'BUILT'`, [
        id,
        version,
        by,
      ])) === 1
    );
  }

  async setCatalogue(tx: Tx, id: string, catalogue: ReleaseRow['catalogue']): Promise<void> {
    await tx.exec(`UPDATE research_releases SET catalogue = $2 WHERE id = $1`, [id, JSON.stringify(catalogue)]);
  }

  async building(tx: Tx): Promise<Array<{ id: string; builtBy: string }>> {
    return tx.query(`SELECT id, built_by AS "builtBy" FROM research_releases WHERE status = 'BUILDING' ORDER BY created_at`);
  }
}
