import { Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';

/**
 * Background work of the research module (release builds, exports): one job at a time in this process, so the
 * CPU-heavy searches never compete with each other, and requests return 202 at once. Job state lives in the
 * database; after a restart, the services re-queue whatever was left queued or running.
 */
@Injectable()
export class ResearchJobs implements BeforeApplicationShutdown {
  private readonly logger = new Logger('ResearchJobs');
  private tail: Promise<void> = Promise.resolve();
  private pending = 0;
  private closed = false;

  enqueue(name: string, id: string, job: () => Promise<void>): void {
    if (this.closed) return;
    this.pending++;
    this.tail = this.tail
      .then(async () => {
        if (this.closed) return;
        await job();
      })
      .catch((e: unknown) => this.logger.error({ job: name, id, errorClass: (e as Error)?.constructor?.name }, 'research job failed'))
      .finally(() => {
        this.pending--;
      });
  }

  /** Resolves when every job queued so far has finished (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.pending > 0) await this.tail;
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.closed = true;
    await this.tail.catch(() => undefined);
  }
}
