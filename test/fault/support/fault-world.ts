import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'otplib';
import pg from 'pg';
import { buildWorld } from '../../factories/world.js';
import { productionEnv } from '../../support/production-env.js';
import { createTestApp } from '../../support/test-app.js';
import { ThrowawayCluster } from '../../support/throwaway-cluster.js';
import { AppProcess } from './app-process.js';
import { http } from './http.js';

export const PASSWORD = 'correct horse battery staple 42';

/**
 * The fault tier's world: a throwaway PostgreSQL cluster with the production role layout (db/roles.sql),
 * a database migrated by the superuser (so doorstep_app owns nothing), the demo organisations and users
 * (TOTP enrolled for the privacy officer), and the environment the API child process runs with:
 * production mode, as doorstep_app, durability settings on.
 */
export class FaultWorld {
  private constructor(
    readonly cluster: ThrowawayCluster,
    readonly env: Record<string, string>,
    readonly ownerUrl: string,
    readonly logDir: string,
    readonly privacyTotpSecret: string,
  ) {}

  static async create(): Promise<FaultWorld | null> {
    const cluster = await ThrowawayCluster.create();
    if (!cluster) return null;
    try {
      cluster.start();
      cluster.psql(readFileSync(join(process.cwd(), 'db/roles.sql'), 'utf8'));
      cluster.psql('CREATE DATABASE doorstep');
      const ownerUrl = cluster.urlFor('postgres', 'doorstep');
      // Logs outlive the cluster directory, so a failed run can be read afterwards.
      const logDir = mkdtempSync(join(tmpdir(), 'doorstep-fault-logs-'));
      const env: Record<string, string> = {
        ...productionEnv(cluster.urlFor('doorstep_app', 'doorstep')),
        SECRETS_DIR: join(cluster.dir, 'secrets'),
        AUDIT_CHECKPOINT_SINK: join(cluster.dir, 'checkpoints'),
        RESEARCH_EXPORT_DIR: join(cluster.dir, 'exports'),
        RESEARCH_SALT_DIR: join(cluster.dir, 'salts'),
        // Request logs of thousands of writes a second would cost the two cores more than the app does.
        LOG_LEVEL: 'warn',
        DOCS_ENABLED: 'false',
        // More checkpoints per run, so crashes also land between a checkpoint's commit and its sink append.
        AUDIT_CHECKPOINT_EVERY: '200',
        AUDIT_VERIFY_INTERVAL_MINUTES: '0',
      };
      // Migrate and seed in process as the superuser (the app role may not run DDL), with the same keys.
      const { NODE_ENV: _production, ...seedEnv } = env;
      const t = await createTestApp({ ...seedEnv, DATABASE_URL: ownerUrl, AUDIT_SEALER_ENABLED: 'false', LOG_LEVEL: 'warn' });
      let secret: string;
      try {
        const w = await buildWorld(t, ['privacy']);
        secret = w.totpSecrets.privacy;
      } finally {
        await t.close();
      }
      return new FaultWorld(cluster, env, ownerUrl, logDir, secret);
    } catch (e) {
      cluster.destroy();
      throw e;
    }
  }

  startApp(extra: Record<string, string> = {}, name = 'app'): Promise<AppProcess> {
    return AppProcess.start({ ...this.env, ...extra }, this.logDir, name);
  }

  /** A superuser connection to the app's database, for arranging faults and checking invariants. */
  async owner(): Promise<pg.Client> {
    const c = new pg.Client({ connectionString: this.ownerUrl, application_name: 'fault-harness' });
    c.on('error', () => undefined);
    await c.connect();
    return c;
  }

  async ownerQuery<T extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
    const c = await this.owner();
    try {
      return (await c.query<T>(sql, params)).rows;
    } finally {
      await c.end();
    }
  }

  /** The privacy officer's session (password and TOTP; MFA is enforced in production mode). */
  async privacyLogin(base: string): Promise<string> {
    for (let i = 0; i < 3; i++) {
      const totp = await generate({ secret: this.privacyTotpSecret, epoch: Math.floor(Date.now() / 1000) });
      const r = await http(base, 'POST', '/api/v1/auth/login', { body: { username: 'privacy', password: PASSWORD, totp } });
      if (r.status === 200) return (r.body as { token: string }).token;
      // A code is accepted once: a second login in the same 30 s step waits for the next one.
      await new Promise((res) => setTimeout(res, 31_000 - (Date.now() % 30_000)));
    }
    throw new Error('privacy officer could not log in');
  }

  /** Waits until the sealer has chained every committed event (so the verifier sees a settled chain). */
  async waitSealed(timeoutMs = 60_000): Promise<number> {
    const started = Date.now();
    for (;;) {
      const [r] = await this.ownerQuery<{ n: number }>(`SELECT count(*)::int AS n FROM audit_events e WHERE NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.event_id = e.event_id)`);
      if (r.n === 0) return Date.now() - started;
      if (Date.now() - started > timeoutMs) throw new Error(`${r.n} audit events still unsealed after ${timeoutMs} ms`);
      await new Promise((res) => setTimeout(res, 250));
    }
  }

  /** The verifier CLI (`npm run audit:verify -- --json`) against the database and the sink. */
  verifyCli(): Promise<{ exitCode: number; result: { ok: boolean; checkedEvents: number; findings: Array<{ code: string; detail: string }> } | null; stderr: string }> {
    return new Promise((resolve) => {
      execFile(process.execPath, ['dist/src/audit/verify-cli.js', '--json'], { env: { PATH: process.env.PATH ?? '', ...this.env }, timeout: 120_000 }, (err, stdout, stderr) => {
        const exitCode = err ? ((err as { code?: number }).code ?? 2) : 0;
        let result = null;
        try {
          result = JSON.parse(stdout.trim().split('\n').pop() ?? '');
        } catch {
          result = null;
        }
        resolve({ exitCode: typeof exitCode === 'number' ? exitCode : 2, result, stderr });
      });
    });
  }

  destroy(): void {
    if (existsSync(this.cluster.logFile)) copyFileSync(this.cluster.logFile, join(this.logDir, 'postgresql.log'));
    this.cluster.destroy();
  }
}
