import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppModule } from '../../src/app.module.js';
import { configureApp, createFastifyAdapter } from '../../src/app.setup.js';
import { loadConfigFromProcess, type AppConfig } from '../../src/config/app-config.js';

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  server: ReturnType<NestFastifyApplication['getHttpServer']>;
  logFile: string;
  close(): Promise<void>;
}

/**
 * The whole app on this file's own database (a clone of the migrated template, or an in-memory PGlite
 * loaded from it), with the same adapter and pipeline as main.ts.
 */
export async function createTestApp(overrides: Record<string, string> = {}, extraModules: Array<new () => unknown> = []): Promise<TestApp> {
  const dir = mkdtempSync(join(tmpdir(), 'doorstep-test-'));
  const logFile = join(dir, 'app.log');
  const config = loadConfigFromProcess({
    NODE_ENV: 'test',
    SEED_DEMO: 'false',
    SECRETS_DIR: join(dir, 'secrets'),
    AUDIT_CHECKPOINT_SINK: join(dir, 'checkpoints'),
    LOG_FILE: logFile,
    LOG_LEVEL: 'debug',
    AUDIT_SEAL_INTERVAL_MS: '200',
    ...overrides,
  });
  const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(config), ...extraModules] }).compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(createFastifyAdapter(config), { bufferLogs: true });
  try {
    await configureApp(app, config);
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  } catch (e) {
    await app.close();
    throw e;
  }
  return { app, config, server: app.getHttpServer(), logFile, close: () => app.close() };
}
