import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Debian's versioned server binaries, or PG_BIN. */
export function findPgBin(): string | null {
  const candidates = [process.env.PG_BIN, ...(existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql').sort().reverse().map((v) => `/usr/lib/postgresql/${v}/bin`) : [])];
  for (const c of candidates) if (c && existsSync(join(c, 'initdb')) && existsSync(join(c, 'pg_ctl'))) return c;
  return null;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/**
 * A PostgreSQL cluster of the test's own, in a temporary directory on a free port, so a test can stop,
 * kill and restart it without touching the shared server. initdb and pg_ctl refuse to run as root, so
 * as root they run as the postgres OS user.
 */
export class ThrowawayCluster {
  readonly dir: string;
  readonly dataDir: string;
  private constructor(
    readonly bin: string,
    readonly port: number,
  ) {
    this.dir = mkdtempSync(join(tmpdir(), 'doorstep-pg-'));
    this.dataDir = join(this.dir, 'data');
  }

  static async create(): Promise<ThrowawayCluster | null> {
    const bin = findPgBin();
    if (!bin) return null;
    const c = new ThrowawayCluster(bin, await freePort());
    chmodSync(c.dir, 0o777);
    c.run('initdb', ['-D', c.dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
    return c;
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  urlFor(user: string, database = 'postgres'): string {
    return `postgres://${user}@127.0.0.1:${this.port}/${database}`;
  }

  /** Runs SQL as the cluster's superuser through psql (roles.sql, CREATE DATABASE). */
  psql(sql: string, database = 'postgres'): string {
    return execFileSync(join(this.bin, 'psql'), ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-p', String(this.port), '-U', 'postgres', '-d', database, '-c', sql], { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
  }

  stop(): void {
    this.run('pg_ctl', ['-D', this.dataDir, '-m', 'fast', '-w', 'stop']);
  }

  private asPostgres(): string[] {
    return process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--'] : [];
  }

  private run(tool: string, args: string[]): string {
    const prefix = this.asPostgres();
    const cmd = [...prefix, join(this.bin, tool), ...args];
    return execFileSync(cmd[0], cmd.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 }).toString();
  }

  start(settings: Record<string, string> = {}): void {
    const extra = Object.entries(settings)
      .map(([k, v]) => `-c ${k}=${v}`)
      .join(' ');
    const opts = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=on -c synchronous_commit=on -c log_error_verbosity=terse ${extra}`;
    this.run('pg_ctl', ['-D', this.dataDir, '-l', join(this.dir, 'server.log'), '-o', opts, '-w', '-t', '30', 'start']);
  }

  /** Fast stop without a checkpoint: connections are cut like in a crash. */
  stopImmediate(): void {
    this.run('pg_ctl', ['-D', this.dataDir, '-m', 'immediate', '-w', 'stop']);
  }

  /** SIGKILL of the postmaster, by the pid in postmaster.pid (never by name). */
  kill9(): void {
    const pidFile = join(this.dataDir, 'postmaster.pid');
    if (!existsSync(pidFile)) return;
    const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
    if (pid > 0) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    // Orphaned backends exit when they notice the postmaster is gone; give them a moment.
    spawnSync('sleep', ['0.5']);
  }

  destroy(): void {
    try {
      this.run('pg_ctl', ['-D', this.dataDir, '-m', 'immediate', 'stop']);
    } catch {
      // not running
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
