import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfigFromProcess } from '../config/app-config.js';
import { resolveDbConnection, typeOrmOptions } from './database.config.js';

/**
 * Data source for the TypeORM CLI (`npm run migration:*`): the same entities, migrations and embedded
 * default as the app. Top-level await is fine in ESM.
 */
const config = loadConfigFromProcess();
const conn = await resolveDbConnection(config);
export default new DataSource({ ...typeOrmOptions(conn, config), migrationsRun: false });
