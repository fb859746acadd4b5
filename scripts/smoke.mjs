// Smoke run of the README's start command on the embedded default: start, wait for /health/ready,
// fetch /docs/openapi.json, stop with SIGTERM and expect a clean exit.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'doorstep-smoke-'));
const port = 3900 + Math.floor(Math.random() * 500);
const env = { ...process.env, PORT: String(port), PGLITE_DATA_DIR: join(dir, 'pg'), LOG_LEVEL: 'warn' };
delete env.DATABASE_URL;
const child = spawn(process.execPath, ['dist/src/main.js'], { env, stdio: ['ignore', 'inherit', 'inherit'] });
const base = `http://127.0.0.1:${port}`;
let ok = false;
try {
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (Date.now() > deadline) throw new Error('not ready within 120 s');
    if (child.exitCode !== null) throw new Error(`app exited early with ${child.exitCode}`);
    try {
      const r = await fetch(`${base}/health/ready`);
      if (r.status === 200) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const doc = await (await fetch(`${base}/docs/openapi.json`)).json();
  if (!String(doc.openapi).startsWith('3.')) throw new Error('no OpenAPI 3 document');
  const login = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'coord.utrecht', password: 'doorstep-demo' }) });
  console.log(`[smoke] ready; OpenAPI ${doc.openapi} with ${Object.keys(doc.paths).length} paths; demo login -> ${login.status}`);
  ok = true;
} catch (e) {
  console.error('[smoke] failed:', e.message);
} finally {
  child.kill('SIGTERM');
  const code = await new Promise((resolve) => {
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      resolve('killed');
    }, 15_000);
    child.on('exit', (c) => {
      clearTimeout(t);
      resolve(c);
    });
    if (child.exitCode !== null) resolve(child.exitCode);
  });
  console.log(`[smoke] app exited with ${code}`);
  if (code !== 0) ok = false;
  rmSync(dir, { recursive: true, force: true });
}
process.exit(ok ? 0 : 1);
