import { systemActor, type Actor } from '../common/actor.js';
import type { AppConfig } from '../config/app-config.js';
import { Db } from '../database/db.service.js';
import { ResearchKeyStore } from '../research/keys/research-key-store.js';
import { ResearchReleasesService } from '../research/releases/research-releases.service.js';
import { ResearchJobs } from '../research/research-jobs.js';
import { EXPORTABLE_COLUMNS } from '../research/exports/export-request.js';
import { researchCohortWindow } from './demo-research-cohort.js';

export const DEMO_PROJECT_TITLE = 'Doorstep pilot evaluation (demo)';

const asUser = (userId: string): Actor => ({ ...systemActor('RESEARCH', 'demo research seed'), userId });

/**
 * The demo research project of domain.md §7: APPROVED (ART_89_SAFEGUARDS, no special-category variables) with
 * `researcher` as member, and one release at the cohort's cutoff (the last quarter end before the seed), built from the demo data and published with
 * its catalogue. Idempotent: it runs when the project does not exist yet.
 */
export async function seedDemoResearch(
  deps: { db: Db; keys: ResearchKeyStore; releases: ResearchReleasesService; jobs: ResearchJobs; config: AppConfig },
  now = new Date(),
): Promise<void> {
  const { db, keys, releases, jobs } = deps;
  const ids = await db.tx(null, async (tx) => {
    if (await tx.one(`SELECT 1 FROM research_projects WHERE title = $1`, [DEMO_PROJECT_TITLE])) return null;
    const users = await tx.query<{ username: string; id: string }>(`SELECT username, id FROM users WHERE username IN ('coord.utrecht', 'privacy', 'researcher')`);
    const id = (u: string) => users.find((r) => r.username === u)?.id;
    if (!id('coord.utrecht') || !id('privacy') || !id('researcher')) return null;
    const project = await tx.one<{ id: string }>(
      `INSERT INTO research_projects (title, dac_reference, purpose, legal_route, ethics_reference, includes_sensitive, status, modes, finest_levels,
         export_columns, expires_at, key_id, approved_by, approved_at, created_by)
       VALUES ($1, 'DAC-DEMO-001', $2, 'ART_89_SAFEGUARDS', 'METC-DEMO-2026', false, 'APPROVED', '{export,sdc}', '{}', $3, now() + interval '12 months', $4, $5, now(), $6)
       RETURNING id`,
      [
        DEMO_PROJECT_TITLE,
        'Re-referral within 12 months after a doorstep conversation, by outcome, age band, district and referral source (demo).',
        EXPORTABLE_COLUMNS.filter((c) => !['attempts', 'first_attempt_delay'].includes(c)),
        keys.createSalt(),
        id('privacy'),
        id('coord.utrecht'),
      ],
    );
    await tx.exec(`INSERT INTO research_project_members (project_id, user_id, confidentiality_signed_on) VALUES ($1, $2, current_date)`, [project!.id, id('researcher')]);
    return { coordinator: id('coord.utrecht')!, privacy: id('privacy')! };
  });
  if (!ids) return;
  const { cutoff } = researchCohortWindow(now, deps.config.workflow.programmeTimeZone);
  const { releaseId } = await releases.requestBuild(asUser(ids.coordinator), cutoff).catch(() => ({ releaseId: null }));
  if (!releaseId) return;
  await jobs.idle();
  const built = await releases.get(asUser(ids.coordinator), releaseId);
  if (built.status === 'BUILT') await releases.publish(asUser(ids.privacy), releaseId, built.version);
}
