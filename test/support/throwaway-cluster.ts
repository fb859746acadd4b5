import { execFile, execFileSync, spawnSync } from 'node:child_process';
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

  get logFile(): string {
    return join(this.dir, 'server.log');
  }

  /** The postmaster's pid from postmaster.pid, when that process is still alive. */
  postmasterPid(): number | null {
    const pidFile = join(this.dataDir, 'postmaster.pid');
    if (!existsSync(pidFile)) return null;
    const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
    return pid > 0 && alive(pid) ? pid : null;
  }

  /** Processes whose parent is the postmaster: backends, checkpointer, walwriter and the rest. */
  childPids(postmaster: number): number[] {
    const out: number[] = [];
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        // Field 4 of /proc/<pid>/stat is the parent pid; the command name (field 2) may hold spaces, so split after it.
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        if (ppid === postmaster) out.push(Number(entry));
      } catch {
        // the process exited while we looked
      }
    }
    return out;
  }

  /**
   * SIGKILL of the postmaster and every child it has, by pid, then waits until all of them are gone, so
   * a restart finds no process still attached to the old shared memory. Asynchronous, so HTTP clients in
   * the same process keep running while the server dies. Returns the number of processes killed.
   */
  async kill9All(): Promise<number> {
    const pm = this.postmasterPid();
    if (!pm) return 0;
    const pids = [pm, ...this.childPids(pm)];
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    const deadline = Date.now() + 10_000;
    while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    return pids.length;
  }

  /** `start` without blocking the event loop (crash recovery can take a while). */
  startAsync(settings: Record<string, string> = {}): Promise<void> {
    const extra = Object.entries(settings).map(([k, v]) => `-c ${k}=${v}`);
    const opts = [`-p ${this.port}`, `-k ${this.dir}`, '-c listen_addresses=127.0.0.1', '-c fsync=on', '-c synchronous_commit=on', '-c log_error_verbosity=terse', ...extra].join(' ');
    return this.runAsync('pg_ctl', ['-D', this.dataDir, '-l', this.logFile, '-o', opts, '-w', '-t', '60', 'start']);
  }

  /** `pg_ctl stop -m immediate` without blocking the event loop: every process quits at once, no checkpoint. */
  stopImmediateAsync(): Promise<void> {
    return this.runAsync('pg_ctl', ['-D', this.dataDir, '-m', 'immediate', '-w', 'stop']);
  }

  private runAsync(tool: string, args: string[]): Promise<void> {
    const cmd = [...this.asPostgres(), join(this.bin, tool), ...args];
    return new Promise((resolve, reject) => {
      execFile(cmd[0], cmd.slice(1), { timeout: 90_000 }, (err, _stdout, stderr) => (err ? reject(new Error(`${tool} failed: ${String(stderr).trim() || err.message}`)) : resolve()));
    });
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

/** Running and not a zombie (a killed backend stays a zombie until its new parent reaps it). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}
