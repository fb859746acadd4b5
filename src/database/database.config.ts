import { Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import pg from 'pg';
import type { DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '../../migrations/index.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { ENTITIES } from './entities.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres.js';
import { SnakeNamingStrategy } from './snake-naming.strategy.js';

// A calendar date (a date of birth) has no time zone: keep it as the 'YYYY-MM-DD' text PostgreSQL sends.
pg.types.setTypeParser(pg.types.builtins.DATE, (v: string) => v);

export const DB_CONNECTION = Symbol('DB_CONNECTION');

export interface DbConnection {
  url: string;
  poolSize: number;
  embedded?: EmbeddedPostgres;
}

export async function resolveDbConnection(config: AppConfig): Promise<DbConnection> {
  if (config.databaseUrl) return { url: config.databaseUrl, poolSize: config.dbPoolSize };
  const embedded = await startEmbeddedPostgres(config.pgliteDataDir, config.pgliteTemplate);
  // PGlite is a single session: a second pooled connection gives no speed and can interleave protocol messages.
  return { url: embedded.url, poolSize: 1, embedded };
}

export function typeOrmOptions(conn: DbConnection, config: Pick<AppConfig, 'dbAcquireTimeoutMs' | 'dbStatementTimeoutMs'>): DataSourceOptions {
  return {
    type: 'postgres',
    url: conn.url,
    poolSize: conn.poolSize,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsRun: false,
    migrationsTransactionMode: 'each',
    synchronize: false,
    installExtensions: false,
    uuidExtension: 'pgcrypto',
    namingStrategy: new SnakeNamingStrategy(),
    logging: false,
    extra: {
      // Waiting longer than this for a pooled connection answers 503 instead of queueing forever.
      connectionTimeoutMillis: config.dbAcquireTimeoutMs,
      statement_timeout: config.dbStatementTimeoutMs,
      idle_in_transaction_session_timeout: 15_000,
      application_name: 'doorstep',
    },
  };
}

@Injectable()
class EmbeddedDbShutdown implements OnApplicationShutdown {
  constructor(@Inject(DB_CONNECTION) private readonly conn: DbConnection) {}
  async onApplicationShutdown(): Promise<void> {
    await this.conn.embedded?.stop();
  }
}

@Module({
  providers: [{ provide: DB_CONNECTION, inject: [APP_CONFIG], useFactory: (config: AppConfig) => resolveDbConnection(config) }, EmbeddedDbShutdown],
  exports: [DB_CONNECTION],
})
export class DbConnectionModule {}
