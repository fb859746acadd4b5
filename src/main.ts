import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module.js';
import { configureApp, createFastifyAdapter } from './app.setup.js';
import { ConfigError, loadConfigFromProcess } from './config/app-config.js';
import { Db } from './database/db.service.js';

async function bootstrap(): Promise<void> {
  let config;
  try {
    config = loadConfigFromProcess();
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(78);
    }
    throw e;
  }
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), createFastifyAdapter(config), { bufferLogs: true });
  await configureApp(app, config);
  await app.listen({ port: config.port, host: config.host });
  const url = await app.getUrl();
  process.stdout.write(`Doorstep listening on ${url} (docs at ${url}/docs)\n`);

  // Graceful stop: readiness turns 503, Fastify finishes in-flight requests and answers 503 on kept-alive
  // connections, then the pool and the embedded database close. Exit 0 so supervisors see a clean stop.
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`${signal} received, shutting down\n`);
    app.get(Db).markShuttingDown();
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

bootstrap().catch((e: unknown) => {
  // Start-up refusals (configuration, production checks) name the problem; nothing else is printed.
  process.stderr.write(`Doorstep did not start: ${e instanceof Error ? e.message : 'unknown error'}\n`);
  process.exit(1);
});
