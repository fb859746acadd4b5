import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { Db } from '../database/db.service.js';
import { loadAuditKeys } from './audit-keys.js';
import { verifyAuditChain, type VerifyResult } from './audit-verifier.js';
import { CheckpointSink } from './checkpoint-sink.js';

/**
 * Runs the verification engine inside the app: on demand (GET /audit/verify) and on a schedule,
 * where a failure is a security incident that is logged as an alert (BIO 8.15.05).
 */
@Injectable()
export class AuditVerification implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('AuditVerification');
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly db: Db,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    const minutes = this.config.audit.verifyIntervalMinutes;
    if (minutes <= 0) return;
    this.timer = setInterval(() => void this.scheduled(), minutes * 60_000);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async verify(): Promise<VerifyResult> {
    const keys = loadAuditKeys(this.config);
    const sink = new CheckpointSink(this.config.audit.checkpointSinkDir).read();
    // One REPEATABLE READ snapshot: concurrent writes never look like tampering mid-run.
    return this.db.tx(
      null,
      async (tx) => {
        await tx.exec('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
        return verifyAuditChain({ client: tx.client, installationId: this.config.audit.installationId, verifyKeys: keys.verify, sink });
      },
      { role: 'doorstep_verifier', auditFailures: false },
    );
  }

  private async scheduled(): Promise<void> {
    try {
      const result = await this.verify();
      if (!result.ok) {
        this.logger.error({ security: true, firstBadSequence: result.firstBadSequence, findings: result.findings.map((f) => f.code) }, 'ALERT: audit trail verification failed');
      }
    } catch (e) {
      this.logger.warn({ errorClass: (e as Error)?.constructor?.name }, 'scheduled audit verification could not run');
    }
  }
}
