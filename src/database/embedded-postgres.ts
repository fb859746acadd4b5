import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';

export interface EmbeddedPostgres {
  url: string;
  stop(): Promise<void>;
  /** The whole data directory as a tarball, for the test template. */
  dump(): Promise<Blob>;
}

/** Extensions must be passed every time a data directory is opened, or their first use fails. */
export async function pgliteExtensions() {
  const { pg_trgm } = await import('@electric-sql/pglite/contrib/pg_trgm');
  return { pg_trgm };
}

/**
 * PGlite served over the PostgreSQL wire protocol, so the app uses the same `pg` driver and SQL as in
 * production. Loaded with dynamic imports: a server deployment never loads the WASM bundle.
 */
export async function startEmbeddedPostgres(dataDir: string, template?: string): Promise<EmbeddedPostgres> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
  const inMemory = dataDir.startsWith('memory://');
  let releaseLock = () => {};
  if (!inMemory) {
    mkdirSync(dataDir, { recursive: true });
    releaseLock = lockDataDir(dataDir);
  }
  try {
    const extensions = await pgliteExtensions();
    const db =
      inMemory && template
        ? await PGlite.create(dataDir, { extensions, loadDataDir: new Blob([readFileSync(template)]) })
        : await PGlite.create(dataDir, { extensions });
    // Room for pool reconnects and a psql session; the app's own pool stays at exactly one connection.
    const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 4 });
    await server.start();
    const url = `postgres://postgres:postgres@${server.getServerConn()}/postgres?sslmode=disable`;
    return {
      url,
      async dump() {
        return (await db.dumpDataDir('none')) as Blob;
      },
      async stop() {
        await server.stop();
        await db.close();
        releaseLock();
      },
    };
  } catch (e) {
    releaseLock();
    throw e;
  }
}

/** PGlite has no cross-process lock: two processes on one directory would lose writes. */
function lockDataDir(dataDir: string): () => void {
  const lockFile = `${dataDir.replace(/\/+$/, '')}.lock`;
  try {
    writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
  } catch {
    const pid = Number(readFileSync(lockFile, 'utf8')) || 0;
    let alive = false;
    try {
      if (pid && pid !== process.pid) {
        process.kill(pid, 0);
        alive = true;
      }
    } catch {
      // the process that wrote the lock is gone: the lock is stale
    }
    if (alive) throw new Error(`Embedded database ${dataDir} is already used by process ${pid}`);
    writeFileSync(lockFile, String(process.pid));
  }
  return () => {
    try {
      unlinkSync(lockFile);
    } catch {
      // already removed
    }
  };
}
