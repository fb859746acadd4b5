import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { PasswordService } from '../auth/password.service.js';
import { newApiKey } from '../auth/token.js';
import { APP_CONFIG, type AppConfig, type Role } from '../config/app-config.js';
import { Db } from '../database/db.service.js';
import { MigrationState } from '../database/migration-state.service.js';
import type { Tx } from '../database/tx.js';
import { ResearchKeyStore } from '../research/keys/research-key-store.js';
import { ResearchReleasesService } from '../research/releases/research-releases.service.js';
import { ResearchJobs } from '../research/research-jobs.js';
import { seedDemoCases } from './demo-cases.js';
import { seedResearchCohort } from './demo-research-cohort.js';
import { seedDemoResearch } from './demo-research.js';
import { seedGeography, type Geography } from './geography.js';

interface DemoOrg {
  key: string;
  name: string;
  type: string;
  parent?: string;
  canRefer?: boolean;
  serves?: string[];
}

const ORGS: DemoOrg[] = [
  { key: 'prog', name: 'Programmabureau Doorstep Midden-Nederland (demo)', type: 'PROGRAMME_OFFICE' },
  { key: 'police', name: 'Politie Midden-Nederland (demo)', type: 'POLICE' },
  { key: 'police-intake', name: 'Politie Midden-Nederland, intake geldezels (demo)', type: 'POLICE', parent: 'police', canRefer: true },
  { key: 'yw-utrecht', name: 'Jongerenwerk Utrecht Stad (demo)', type: 'YOUTH_WORK', serves: ['UTRECHT_STAD'] },
  { key: 'yw-eemland', name: 'Jongerenwerk Eemland (demo)', type: 'YOUTH_WORK', serves: ['EEMLAND'] },
  { key: 'bank-a', name: 'Demobank Noord', type: 'BANK', canRefer: true },
  { key: 'bank-b', name: 'Demobank Zuid', type: 'BANK', canRefer: true },
  { key: 'debt', name: 'Schuldhulp Midden (demo)', type: 'DEBT_SERVICE' },
  { key: 'uni', name: 'Onderzoeksgroep Jeugd en Cybercrime, universiteit (demo)', type: 'RESEARCH' },
];

const USERS: Array<{ username: string; displayName: string; role: Role; org: string; districts: string[] }> = [
  { username: 'admin', displayName: 'Demo beheerder', role: 'admin', org: 'prog', districts: [] },
  { username: 'privacy', displayName: 'Demo privacyfunctionaris', role: 'privacy_officer', org: 'prog', districts: [] },
  { username: 'coord.utrecht', displayName: 'Demo coördinator Utrecht', role: 'coordinator', org: 'prog', districts: ['UTRECHT_STAD'] },
  { username: 'coord.eemland', displayName: 'Demo coördinator Eemland', role: 'coordinator', org: 'prog', districts: ['EEMLAND'] },
  { username: 'police.utrecht', displayName: 'Demo wijkagent Utrecht', role: 'police_officer', org: 'police', districts: ['UTRECHT_STAD'] },
  { username: 'youth.utrecht', displayName: 'Demo jongerenwerker Utrecht', role: 'youth_worker', org: 'yw-utrecht', districts: ['UTRECHT_STAD'] },
  { username: 'police.eemland', displayName: 'Demo wijkagent Eemland', role: 'police_officer', org: 'police', districts: ['EEMLAND'] },
  { username: 'youth.eemland', displayName: 'Demo jongerenwerker Eemland', role: 'youth_worker', org: 'yw-eemland', districts: ['EEMLAND'] },
  { username: 'bank.intake', displayName: 'Demo intake Demobank Noord', role: 'referrer', org: 'bank-a', districts: [] },
  { username: 'police.intake', displayName: 'Demo intake politie', role: 'referrer', org: 'police-intake', districts: [] },
  { username: 'researcher', displayName: 'Demo onderzoeker', role: 'researcher', org: 'uni', districts: [] },
];

export interface DemoWorld {
  geography: Geography;
  orgIds: Record<string, string>;
  userIds: Record<string, string>;
}

/** Extra demo content (research projects and releases) registered by later modules; runs after the cases. */
export type DemoContentSeeder = (tx: Tx, world: DemoWorld, config: AppConfig) => Promise<void>;
export const DEMO_CONTENT_SEEDERS: DemoContentSeeder[] = [];

/**
 * Seeds the demo world once (embedded database by default, or SEED_DEMO=true on a server). Idempotent:
 * an existing `admin` user means it ran before. Never in production (the config refuses SEED_DEMO there).
 */
@Injectable()
export class DemoSeedService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('DemoSeed');
  private research: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Db,
    private readonly passwords: PasswordService,
    private readonly migrations: MigrationState,
    private readonly keys: ResearchKeyStore,
    private readonly releases: ResearchReleasesService,
    private readonly jobs: ResearchJobs,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.seedDemo || !this.migrations.current) return;
    if (this.config.demoPasswordIsDefault) {
      this.logger.warn(`Demo mode: every demo user has the password "${this.config.demoPassword}" (set DEMO_PASSWORD to change it); MFA is not enforced`);
    }
    const exists = await this.db.tx(null, (tx) => tx.one(`SELECT 1 FROM users WHERE username = 'admin'`));
    if (!exists) await this.seedWorld();
    // After the cases: the release is built from them, in the background, so start-up does not wait for it.
    this.research = seedDemoResearch({ db: this.db, keys: this.keys, releases: this.releases, jobs: this.jobs, config: this.config }).catch((e: unknown) =>
      this.logger.warn({ errorClass: (e as Error)?.constructor?.name }, 'demo research project could not be seeded'),
    );
  }

  /** A stop during start-up waits for the demo release, so no transaction is cut off when the database closes. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.research;
  }

  private async seedWorld(): Promise<void> {
    const hash = await this.passwords.hash(this.config.demoPassword);
    const apiKey = newApiKey();
    await this.db.tx(null, async (tx) => {
      const world = await seedIdentity(tx, hash);
      await tx.exec(`INSERT INTO api_keys (key_id, secret_sha256, organisation_id, name, expires_at) VALUES ($1, $2, $3, 'Demobank Zuid portal (demo)', now() + interval '365 days')`, [
        apiKey.keyId,
        apiKey.secretDigest,
        world.orgIds['bank-b'],
      ]);
      await seedDemoCases(tx, world, this.config);
      await seedResearchCohort(tx, world, this.config);
      for (const seeder of DEMO_CONTENT_SEEDERS) await seeder(tx, world, this.config);
    });
    this.logger.warn(`Demo data seeded. Demo API key for Demobank Zuid (shown once): ${apiKey.token}`);
  }
}

/** Geography, organisations and the demo users; shared by the demo seed and the test fixtures. */
export async function seedIdentity(tx: Tx, passwordHash: string): Promise<DemoWorld> {
  const geography = await seedGeography(tx);
  const orgIds: Record<string, string> = {};
  for (const o of ORGS) {
    const served = (o.serves ?? []).map((d) => geography.districtIds[d]);
    orgIds[o.key] = (await tx.one<{ id: string }>(
      `INSERT INTO organisations (name, type, parent_id, can_refer, served_area_ids, covenant_signed_at, covenant_version)
       VALUES ($1, $2, $3, $4, $5, now(), 'demo-1') RETURNING id`,
      [o.name, o.type, o.parent ? orgIds[o.parent] : null, o.canRefer ?? false, served],
    ))!.id;
  }
  const userIds: Record<string, string> = {};
  for (const u of USERS) {
    userIds[u.username] = (await tx.one<{ id: string }>(
      `INSERT INTO users (username, display_name, organisation_id, roles, district_ids, password_hash) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
      [u.username, u.displayName, orgIds[u.org], [u.role], u.districts.map((d) => geography.districtIds[d]), passwordHash],
    ))!.id;
  }
  return { geography, orgIds, userIds };
}
