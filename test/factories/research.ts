import { createHash, randomUUID } from 'node:crypto';
import canonicalize from 'canonicalize';
import { Db } from '../../src/database/db.service.js';
import { EXPORTABLE_COLUMNS } from '../../src/research/exports/export-request.js';
import { ResearchKeyStore } from '../../src/research/keys/research-key-store.js';
import { registrySha256 } from '../../src/research/registry/dimension-registry.js';
import { researchRegistryDefinition } from '../../src/research/registry/research-registry.js';
import { ResearchReleasesRepository } from '../../src/research/releases/research-releases.repository.js';
import { releaseCode, RESEARCH_REGISTRY_VERSION } from '../../src/research/releases/research-releases.service.js';
import type { ReleasePerson } from '../../src/research/releases/release-person.js';
import { syntheticRegister } from '../../src/research/testing/synthetic-register.js';
import { ownerQuery, type World } from './world.js';

export interface ProjectOptions {
  title?: string;
  members?: string[];
  status?: 'DRAFT' | 'APPROVED' | 'SUSPENDED' | 'ENDED';
  createdBy?: string;
  modes?: string[];
  exportColumns?: string[];
  finestLevels?: Record<string, number>;
  expiresInDays?: number;
}

/** A research project arranged directly in the database (approved ones get a salt in the app's key store). */
export async function insertProject(w: World, o: ProjectOptions = {}): Promise<string> {
  const status = o.status ?? 'APPROVED';
  const approved = status === 'APPROVED' || status === 'SUSPENDED';
  const keyId = approved ? w.t.app.get(ResearchKeyStore).createSalt() : null;
  const [row] = await ownerQuery<{ id: string }>(
    w,
    `INSERT INTO research_projects (title, dac_reference, purpose, legal_route, status, modes, finest_levels, export_columns, starts_at, expires_at, key_id,
       approved_by, approved_at, created_by)
     VALUES ($1, 'DAC-TEST', 'Test project', 'ART_89_SAFEGUARDS', $2, $3, $4, $5, now() - interval '30 days', now() + make_interval(days => $6), $7, $8, $9, $10)
     RETURNING id`,
    [
      o.title ?? `Project ${randomUUID().slice(0, 8)}`,
      status,
      o.modes ?? ['export', 'sdc'],
      JSON.stringify(o.finestLevels ?? {}),
      o.exportColumns ?? [...EXPORTABLE_COLUMNS],
      o.expiresInDays ?? 180,
      keyId,
      approved ? w.userIds.privacy : null,
      approved ? new Date() : null,
      w.userIds[o.createdBy ?? 'coord.utrecht'],
    ],
  );
  for (const m of o.members ?? ['researcher']) {
    await ownerQuery(w, `INSERT INTO research_project_members (project_id, user_id, confidentiality_signed_on) VALUES ($1, $2, current_date)`, [row.id, w.userIds[m]]);
  }
  return row.id;
}

export interface SyntheticRelease {
  id: string;
  code: string;
  cutoff: string;
  months: string[];
  persons: ReleasePerson[];
}

/**
 * A release of the seeded synthetic register (research-data.md §8) on the demo geography, inserted as built or
 * published rows: the API tests of tables and exports need hundreds of persons, which the case API would take
 * minutes to create. Building a release from live cases is tested separately.
 */
export async function insertSyntheticRelease(w: World, o: { persons?: number; seed?: number; cutoff?: string; status?: 'BUILT' | 'PUBLISHED'; seriesId?: string } = {}): Promise<SyntheticRelease> {
  const cutoff = o.cutoff ?? '2025-06-30';
  const reg = syntheticRegister({ seed: o.seed ?? 1, persons: o.persons ?? 1500, cutoff });
  const geography = await w.t.app.get(Db).tx(null, (tx) => w.t.app.get(ResearchReleasesRepository).geography(tx));
  const definition = researchRegistryDefinition({ registryVersion: RESEARCH_REGISTRY_VERSION, geography, months: reg.months });
  const id = randomUUID();
  const code = releaseCode(cutoff);
  const status = o.status ?? 'PUBLISHED';
  await ownerQuery(
    w,
    `INSERT INTO research_releases (id, code, cutoff, series_id, status, from_month, months, registry, registry_version, registry_sha256, geography_sha256,
       source_sha256, software_version, git_commit, counts, built_by, built_at, published_by, published_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'test', 'test', $13, $14, now(), $15, $16)`,
    [
      id,
      code,
      cutoff,
      o.seriesId ?? id,
      status,
      reg.months[0],
      reg.months,
      JSON.stringify(definition),
      RESEARCH_REGISTRY_VERSION,
      registrySha256(definition),
      createHash('sha256').update(canonicalize(geography)!).digest('hex'),
      createHash('sha256').update(JSON.stringify(reg.persons)).digest('hex'),
      JSON.stringify({ included: reg.persons.length, pendingWindow: 0, lateRegistrations: 0 }),
      w.userIds['coord.utrecht'],
      status === 'PUBLISHED' ? w.userIds.privacy : null,
      status === 'PUBLISHED' ? new Date() : null,
    ],
  );
  await w.t.app.get(Db).tx(null, (tx) => w.t.app.get(ResearchReleasesRepository).insertPersons(tx, id, reg.persons));
  return { id, code, cutoff, months: reg.months, persons: reg.persons };
}
