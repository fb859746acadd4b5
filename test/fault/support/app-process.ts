import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../support/throwaway-cluster.js';
import { http, sleep } from './http.js';

/**
 * The built API (`node dist/src/main.js`) as a child process, the way it runs in production, so a
 * PostgreSQL crash, a SIGTERM or a SIGKILL hits a real process with its own pool and event loop.
 * Killed only through its own spawn handle.
 */
export class AppProcess {
  readonly base: string;
  readonly startedAt = Date.now();
  private exitCode: number | null | undefined;
  private exitSignal: NodeJS.Signals | null = null;
  private readonly exited: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    readonly logFile: string,
  ) {
    this.base = `http://127.0.0.1:${port}`;
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitCode = code;
        this.exitSignal = signal;
        resolve();
      });
    });
  }

  static async start(env: Record<string, string>, logDir: string, name = 'app'): Promise<AppProcess> {
    const port = await freePort();
    const logFile = join(logDir, `${name}-${port}.log`);
    const fd = openSync(logFile, 'a');
    const child = spawn(process.execPath, ['dist/src/main.js'], {
      cwd: process.cwd(),
      env: { PATH: process.env.PATH ?? '', ...env, PORT: String(port), HOST: '127.0.0.1' },
      stdio: ['ignore', fd, fd],
    });
    closeSync(fd);
    const app = new AppProcess(child, port, logFile);
    await app.waitReady(120_000);
    return app;
  }

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  /** Resolves with the status of GET /health/ready, or 0 when nothing answered. */
  async readiness(timeoutMs = 3000): Promise<number> {
    try {
      return (await http(this.base, 'GET', '/health/ready', { timeoutMs })).status;
    } catch {
      return 0;
    }
  }

  async waitReady(timeoutMs: number): Promise<number> {
    const started = Date.now();
    while (Date.now() - started < timeoutMs) {
      if (!this.running) throw new Error(`app exited during start (code ${this.exitCode}, signal ${this.exitSignal}); log: ${this.logFile}`);
      if ((await this.readiness(1000)) === 200) return Date.now() - started;
      await sleep(100);
    }
    throw new Error(`app not ready within ${timeoutMs} ms; log: ${this.logFile}`);
  }

  signal(sig: NodeJS.Signals): void {
    if (this.running) this.child.kill(sig);
  }

  /** Waits for the exit; SIGKILL after the deadline. */
  async waitExit(timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number; forced: boolean }> {
    const started = Date.now();
    let forced = false;
    const timer = setTimeout(() => {
      forced = true;
      this.signal('SIGKILL');
    }, timeoutMs);
    await this.exited;
    clearTimeout(timer);
    return { code: this.exitCode ?? null, signal: this.exitSignal, ms: Date.now() - started, forced };
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.signal('SIGTERM');
    await this.waitExit(15_000);
  }
}
