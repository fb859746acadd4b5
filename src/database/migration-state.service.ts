import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { Db } from './db.service.js';

const MIGRATION_LOCK = 72_680_011;

/** Applies pending migrations at start (under an advisory lock on a server) and prepares the Db helper. */
@Injectable()
export class MigrationState implements OnModuleInit {
  private readonly logger = new Logger('Migrations');
  current = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly db: Db,
  ) {}

  async onModuleInit(): Promise<void> {
    // Two instances starting together must not both migrate. PGlite has one connection and one process (lockfile).
    const locking = Boolean(this.config.databaseUrl);
    const runner = locking ? this.dataSource.createQueryRunner() : null;
    try {
      if (runner) {
        await runner.connect();
        await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
      }
      const applied = await this.dataSource.runMigrations({ transaction: 'each' });
      if (applied.length > 0) this.logger.log({ applied: applied.map((m) => m.name) }, 'migrations applied');
    } finally {
      if (runner) {
        await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
        await runner.release();
      }
    }
    this.current = !(await this.dataSource.showMigrations());
    await this.db.init();
  }
}
