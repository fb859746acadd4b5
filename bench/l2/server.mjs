// L2: the Nest app as main.ts builds it (configureApp, the global access guard, CASL route rules, the validation pipe,
// the problem+json filter, the ETag interceptor, nestjs-pino request logging, pool 10), with the data access of the four
// scenarios replaced by the canonical statements (bench/lib/canonical.mjs), so that L3/L2 isolates repositories and ORM
// and L2/L1 the framework. The replacements are made on the DI singletons after the app is built:
//   AuthService.authenticate     → canonical token statement (the guard, its refusal audit and layer 2 stay the app's)
//   CasesService.list / .get     → page+audit; facts, load+audit (scope and field filtering of the canonical code)
//   ReferralsService.create      → lock, lookup, intake CTE
//   VisitsService.recordAttempt  → lock, lookup, facts FOR UPDATE, attempt CTE
// Their statements would not fit behind the repository interfaces: the services insert the audit events themselves,
// one call each, while the canonical form folds them into the data statement.
import 'reflect-metadata';
import { createCanonical } from '../lib/canonical.mjs';
import { dist } from '../lib/paths.mjs';

const { NestFactory } = await import('@nestjs/core');
const { AppModule } = await import(dist('src/app.module.js'));
const { configureApp, createFastifyAdapter } = await import(dist('src/app.setup.js'));
const { loadConfigFromProcess } = await import(dist('src/config/app-config.js'));
const { DomainError } = await import(dist('src/common/errors.js'));
const { Db } = await import(dist('src/database/db.service.js'));
const { AuthService } = await import(dist('src/auth/auth.service.js'));
const { AuditService } = await import(dist('src/audit/audit.service.js'));
const { CasesService } = await import(dist('src/cases/cases.service.js'));
const { ReferralsService } = await import(dist('src/referrals/referrals.service.js'));
const { VisitsService } = await import(dist('src/visits/visits.service.js'));

const config = loadConfigFromProcess();
const app = await NestFactory.create(AppModule.forRoot(config), createFastifyAdapter(config), { bufferLogs: true });
await configureApp(app, config);

const w = config.workflow;
const canon = createCanonical({
  makeError: (code, message, options) => new DomainError(code, message, options),
  settings: {
    sessionIdleMinutes: config.session.idleMinutes, sessionTouchSeconds: config.session.lastSeenRefreshSeconds, firstAttemptTargetDays: w.firstAttemptTargetDays,
    visitorAfterCloseDays: w.visitorAfterCloseDays, coordinatorReadsYouthworkOnly: w.coordinatorReadsYouthworkOnly, legalBasisCodes: w.legalBasisCodes,
    duplicateSimilarity: w.duplicateSimilarity, eligibleAgeMin: w.eligibleAgeMin, eligibleAgeMax: w.eligibleAgeMax, timeSlots: w.timeSlots,
    programmeTimeZone: w.programmeTimeZone, maxAttempts: w.maxAttempts, stepUpMinutes: config.mfa.stepUpMinutes,
  },
  audit: true,
  appVersion: config.appVersion,
  intakeMatchKey: config.intakeMatchKey,
  idempotencyTtlHours: config.idempotencyTtlHours,
});

const get = (cls) => app.get(cls, { strict: false });
const pool = get(Db).pool;
const auditService = get(AuditService);

/** A pooled client, refusals audited like Db.tx's failure auditor, serialization failures retried. */
async function run(actor, work) {
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect();
    let broken = false;
    try {
      return await work(client);
    } catch (e) {
      if ((e?.code === '40001' || e?.code === '40P01') && attempt < 3) continue;
      if (e instanceof DomainError) {
        if (e.status < 500) await auditService.recordRefusal(actor, e).catch(() => undefined);
      } else if (!e?.code) broken = true;
      throw e;
    } finally {
      client.release(broken || undefined);
    }
  }
}

get(AuthService).authenticate = (token, meta) => canon.authenticate((q) => pool.query(q), token, meta);
const cases = get(CasesService);
cases.list = (actor, q) => run(actor, (c) => canon.list(c, actor, q));
cases.get = (actor, id) => run(actor, (c) => canon.get(c, actor, id.toLowerCase()));
get(ReferralsService).create = (actor, dto, key) => run(actor, (c) => canon.create(c, actor, JSON.parse(JSON.stringify(dto)), key));
get(VisitsService).recordAttempt = (actor, visitId, dto, key) => run(actor, (c) => canon.attempt(c, actor, visitId.toLowerCase(), JSON.parse(JSON.stringify(dto)), key));

await app.listen({ port: config.port, host: config.host });
process.stdout.write(`L2 listening on ${await app.getUrl()}\n`);
const stop = () =>
  app.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
