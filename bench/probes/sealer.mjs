// The app's own audit sealer (AuditSealer of the built app) in a process of its own, unpinned, for every level
// (performance.md §3.1: the sealer runs during every benchmark level; L2 and L3 start with AUDIT_SEALER_ENABLED=false so
// that there is one sealer, the same for all levels). `--once` seals the backlog and exits (template build).
// Environment: the app's variables, as L3 gets them.
import 'reflect-metadata';
import { dist } from '../lib/paths.mjs';

const { NestFactory } = await import('@nestjs/core');
const { AppModule } = await import(dist('src/app.module.js'));
const { loadConfigFromProcess } = await import(dist('src/config/app-config.js'));
const { AuditSealer } = await import(dist('src/audit/audit-sealer.service.js'));

const config = loadConfigFromProcess({ AUDIT_SEALER_ENABLED: 'true' });
const app = await NestFactory.createApplicationContext(AppModule.forRoot(config), { bufferLogs: true });
const sealer = app.get(AuditSealer, { strict: false });
if (process.argv.includes('--once')) {
  const t0 = Date.now();
  let total = 0;
  for (;;) {
    const n = await sealer.sealNow();
    total += n;
    if (n === 0) {
      // the interval pass may have run concurrently: ask once more after it finished
      await new Promise((r) => setTimeout(r, 50));
      if ((await sealer.sealNow()) === 0) break;
    }
  }
  process.stdout.write(`${JSON.stringify({ sealed: total, ms: Date.now() - t0 })}\n`);
  await app.close();
  process.exit(0);
}
process.stdout.write('sealer running\n');
const stop = () => app.close().then(() => process.exit(0), () => process.exit(1));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
