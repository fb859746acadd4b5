import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool, PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import type { Actor } from '../common/actor.js';
import { DomainError } from '../common/errors.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { RETRYABLE_SQLSTATES, isUnavailable, sqlState } from './pg-errors.js';
import { Tx } from './tx.js';

export const APP_ROLE = 'doorstep_app';

/** Called after a failed transaction rolled back, to audit the refusal in a transaction of its own. */
export type FailureAuditor = (db: Db, actor: Actor, error: DomainError) => Promise<void>;

/**
 * The transaction helper every service uses. All application SQL runs inside `tx()`, as the
 * unprivileged application role, so grants and the audit triggers apply on the embedded database too.
 */
@Injectable()
export class Db implements OnApplicationShutdown {
  private readonly logger = new Logger('Db');
  private beginSql = 'BEGIN';
  /** Roles other than the app role this session may switch to (the audit sealer's, the verifier's). */
  private readonly usableRoles = new Set<string>();
  private failureAuditor: FailureAuditor | null = null;
  private shuttingDown = false;

  constructor(
    @InjectDataSource() readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  get pool(): Pool {
    return (this.dataSource.driver as unknown as { master: Pool }).master;
  }

  /** Decide once at start-up whether transactions must switch to the application role. */
  async init(): Promise<void> {
    this.pool.on('error', (err) => {
      // A backend died while idle in the pool; the pool drops it and reconnects on demand.
      this.logger.warn({ sqlState: sqlState(err) ?? (err as { code?: string }).code }, 'idle database connection lost');
    });
    const rows = await this.dataSource.query(
      `SELECT current_user AS "user", r.rolsuper AS "super", pg_has_role(current_user, $1, 'USAGE') AS "canUse"
         FROM pg_roles r WHERE r.rolname = current_user`,
      [APP_ROLE],
    );
    const row = rows[0] as { user: string; super: boolean; canUse: boolean };
    if (this.config.production) await this.productionChecks();
    const others = await this.dataSource.query(
      `SELECT r.rolname AS name FROM pg_roles r WHERE r.rolname IN ('doorstep_sealer', 'doorstep_verifier') AND pg_has_role(current_user, r.rolname, 'MEMBER')`,
    );
    for (const o of others as Array<{ name: string }>) this.usableRoles.add(o.name);
    if (row.user !== APP_ROLE) {
      if (this.config.production && row.super) {
        throw new Error('Refusing to start: the application connects as a superuser; connect as doorstep_app (see README)');
      }
      if (row.canUse) this.beginSql = `BEGIN; SET LOCAL ROLE ${APP_ROLE}`;
    }
  }

  /**
   * Production refuses to start unless the server keeps acknowledged commits (fsync, synchronous_commit,
   * full_page_writes) and the application role cannot bypass its own controls: not a superuser, no
   * BYPASSRLS, owner of no table, and the audit triggers in place and firing in every replication mode.
   */
  private async productionChecks(): Promise<void> {
    const q = async <T>(sql: string) => (await this.dataSource.query(sql)) as T[];
    const problems: string[] = [];
    for (const setting of ['fsync', 'synchronous_commit', 'full_page_writes']) {
      const [r] = await q<{ v: string }>(`SELECT current_setting('${setting}') AS v`);
      if (r.v === 'off') problems.push(`${setting} is off`);
    }
    const [role] = await q<{ super: boolean; bypass: boolean }>(`SELECT rolsuper AS super, rolbypassrls AS bypass FROM pg_roles WHERE rolname = current_user`);
    if (role.super) problems.push('the application connects as a superuser');
    if (role.bypass) problems.push('the application role has BYPASSRLS');
    const [owned] = await q<{ n: number }>(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public' AND tableowner = current_user`);
    if (owned.n > 0) problems.push(`the application role owns ${owned.n} table(s); run migrations as the owner role`);
    const [triggers] = await q<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE c.relname IN ('audit_events', 'audit_chain', 'audit_checkpoints') AND t.tgenabled = 'A' AND NOT t.tgisinternal`,
    );
    if (triggers.n < 6) problems.push('the audit append-only triggers are missing or not ENABLE ALWAYS');
    if (problems.length > 0) throw new Error(`Refusing to start in production: ${problems.join('; ')}`);
  }

  setFailureAuditor(auditor: FailureAuditor): void {
    this.failureAuditor = auditor;
  }

  /**
   * Run `work` in one transaction. It resolves only after COMMIT, so a 2xx is never sent for work that
   * was not durable. Serialization failures and deadlocks rerun the whole function (up to 3 times);
   * an unreachable database becomes 503. A DomainError is audited after the rollback.
   */
  async tx<T>(actor: Actor | null, work: (tx: Tx) => Promise<T>, opts: { auditFailures?: boolean; role?: 'doorstep_sealer' | 'doorstep_verifier' } = {}): Promise<T> {
    const begin = opts.role ? (this.usableRoles.has(opts.role) ? `BEGIN; SET LOCAL ROLE ${opts.role}` : 'BEGIN') : this.beginSql;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once(actor, work, begin);
      } catch (err) {
        const state = sqlState(err);
        if (state && RETRYABLE_SQLSTATES.has(state) && attempt < 3) {
          await new Promise((r) => setTimeout(r, 10 + Math.random() * 40 * attempt));
          continue;
        }
        if (err instanceof DomainError) {
          if (actor && opts.auditFailures !== false && this.failureAuditor && err.status < 500) {
            await this.failureAuditor(this, actor, err).catch((auditErr) => {
              // The refusal still goes out: no personal data is at stake in it.
              this.logger.error({ sqlState: sqlState(auditErr), requestId: actor.request.requestId }, 'could not audit a refused request');
            });
          }
          throw err;
        }
        if (isUnavailable(err)) {
          throw new DomainError('UNAVAILABLE', 'The database is temporarily unavailable', { retryAfterSeconds: 2 });
        }
        throw err;
      }
    }
  }

  private async once<T>(actor: Actor | null, work: (tx: Tx) => Promise<T>, begin: string): Promise<T> {
    let broken = false;
    const onError = (err: Error) => {
      broken = true;
      this.logger.warn({ sqlState: sqlState(err) ?? (err as { code?: string }).code, requestId: actor?.request.requestId }, 'database connection lost during a transaction');
    };
    const client = await this.checkout(onError);
    try {
      await client.query(begin);
      const tx = new Tx(client, actor, Boolean(this.config.databaseUrl));
      let result: T;
      try {
        result = await work(tx);
        await tx.flush();
        const uncovered = tx.uncoveredSubjects();
        if (uncovered.length > 0) {
          // Fail closed: personal data may not leave without an audit event naming its subject.
          this.logger.error({ security: true, requestId: actor?.request.requestId, uncovered: uncovered.length }, 'commit guard: personal data touched without an audit event');
          throw new DomainError('INTERNAL', 'Audit coverage check failed');
        }
        await client.query('COMMIT');
      } catch (err) {
        try {
          await client.query('ROLLBACK');
        } catch {
          broken = true;
        }
        throw err;
      }
      for (const fn of tx.afterCommit) fn();
      return result;
    } catch (err) {
      if (isUnavailable(err)) broken = true;
      throw err;
    } finally {
      client.removeListener('error', onError);
      client.release(broken ? true : undefined);
    }
  }

  /**
   * A pooled client with `onError` listening. pg-pool listens for errors only on idle clients; a backend
   * that dies while a transaction holds its client (a server crash, pg_terminate_backend) emits 'error'
   * on the client, and unheard that ends the process. The listener goes on inside pg-pool's callback:
   * after `await pool.connect()` it would come a microtask late, and a FATAL parsed from the same socket
   * read as the ReadyForQuery that completed a new connection would already have been emitted.
   */
  private checkout(onError: (err: Error) => void): Promise<PoolClient> {
    return new Promise((resolve, reject) => {
      this.pool.connect((err, client) => {
        if (err || !client) return reject(err ?? new Error('no client'));
        client.on('error', onError);
        resolve(client);
      });
    });
  }

  /** `SELECT 1` with a deadline, for readiness. */
  async ping(timeoutMs = 1000): Promise<boolean> {
    if (this.shuttingDown) return false;
    let timer: NodeJS.Timeout | undefined;
    try {
      const ok = await Promise.race([
        this.pool.query('SELECT 1').then(() => true),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(false), timeoutMs);
        }),
      ]);
      return ok;
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  markShuttingDown(): void {
    this.shuttingDown = true;
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  onApplicationShutdown(): void {
    this.shuttingDown = true;
  }
}
