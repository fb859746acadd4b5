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
  /** The newest checkpoint position a clean run of this process covered; later runs start there. */
  private verifiedUpTo = 0;

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

  /**
   * Verifies the chain; by default incrementally from the newest checkpoint an earlier clean run
   * covered (the scheduled run and `full` recompute everything).
   */
  async verify(opts: { full?: boolean } = {}): Promise<VerifyResult> {
    const keys = loadAuditKeys(this.config);
    const sink = new CheckpointSink(this.config.audit.checkpointSinkDir).read();
    // One REPEATABLE READ snapshot: concurrent writes never look like tampering mid-run.
    const result = await this.db.tx(
      null,
      async (tx) => {
        await tx.exec('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
        return verifyAuditChain({
          client: tx.client,
          installationId: this.config.audit.installationId,
          verifyKeys: keys.verify,
          sink,
          fromCheckpointPos: opts.full ? undefined : this.verifiedUpTo,
        });
      },
      { role: 'doorstep_verifier', auditFailures: false },
    );
    if (result.ok && result.lastCheckpoint) this.verifiedUpTo = result.lastCheckpoint.chainPos;
    if (!result.ok) this.verifiedUpTo = 0;
    return result;
  }

  private async scheduled(): Promise<void> {
    try {
      const result = await this.verify({ full: true });
      if (!result.ok) {
        this.logger.error({ security: true, firstBadSequence: result.firstBadSequence, findings: result.findings.map((f) => f.code) }, 'ALERT: audit trail verification failed');
      }
    } catch (e) {
      this.logger.warn({ errorClass: (e as Error)?.constructor?.name }, 'scheduled audit verification could not run');
    }
  }
}
