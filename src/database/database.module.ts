import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { DB_CONNECTION, DbConnectionModule, typeOrmOptions, type DbConnection } from './database.config.js';
import { Db } from './db.service.js';
import { MigrationState } from './migration-state.service.js';

@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      imports: [DbConnectionModule],
      inject: [DB_CONNECTION, APP_CONFIG],
      useFactory: (conn: DbConnection, config: AppConfig) => typeOrmOptions(conn, config),
    }),
  ],
  providers: [Db, MigrationState],
  exports: [Db, MigrationState],
})
export class DatabaseModule {}
