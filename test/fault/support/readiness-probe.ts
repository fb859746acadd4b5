import { Agent } from 'node:http';
import { http, sleep } from './http.js';

export interface ProbeSample {
  sentAt: number;
  doneAt: number;
  status: number;
}

/** Polls /health/ready on its own connections every `everyMs` and keeps every answer with its times. */
export class ReadinessProbe {
  readonly samples: ProbeSample[] = [];
  private stopped = false;
  private loop: Promise<void> | null = null;
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 2 });

  constructor(
    private base: string,
    private readonly everyMs = 100,
  ) {}

  start(): this {
    this.stopped = false;
    this.loop = (async () => {
      while (!this.stopped) {
        const sentAt = Date.now();
        let status = 0;
        try {
          status = (await http(this.base, 'GET', '/health/ready', { agent: this.agent, timeoutMs: 3000 })).status;
        } catch {
          status = 0;
        }
        this.samples.push({ sentAt, doneAt: Date.now(), status });
        await sleep(this.everyMs);
      }
    })();
    return this;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    this.agent.destroy();
  }

  /** First answer with this status that was asked for at or after `t`. */
  firstAfter(t: number, status: number): ProbeSample | null {
    return this.samples.find((s) => s.sentAt >= t && s.status === status) ?? null;
  }

  between(from: number, to: number): ProbeSample[] {
    return this.samples.filter((s) => s.sentAt >= from && s.doneAt <= to);
  }

  async waitFor(status: number, after: number, timeoutMs: number): Promise<ProbeSample | null> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const s = this.firstAfter(after, status);
      if (s) return s;
      await sleep(25);
    }
    return null;
  }
}
