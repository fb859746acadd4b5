// Child processes of a run: servers under test (pinned to core 0, preload probe, IPC), the load worker (core 1), the
// sealer (unpinned). Every process is ended by its own pid.
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BENCH_DIR, REPO_DIR } from './paths.mjs';

export const HAS_TASKSET = spawnSync('taskset', ['-V']).status === 0;

function pinned(core, args) {
  return HAS_TASKSET && core !== null ? ['taskset', ['-c', String(core), ...args]] : [args[0], args.slice(1)];
}

let nextId = 1;
/** A child with an IPC channel; `call(msg)` sends and waits for the reply with the same id. */
function withIpc(child) {
  const waiting = new Map();
  child.on('message', (m) => {
    const w = waiting.get(m?.id);
    if (w) {
      waiting.delete(m.id);
      w(m);
    }
  });
  child.on('exit', () => {
    for (const w of waiting.values()) w({ ok: false, error: 'process exited' });
    waiting.clear();
  });
  return (msg, timeoutMs = 600_000) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      const t = setTimeout(() => {
        waiting.delete(id);
        reject(new Error(`no answer to ${msg.cmd} within ${timeoutMs} ms`));
      }, timeoutMs);
      waiting.set(id, (m) => {
        clearTimeout(t);
        resolve(m);
      });
      child.send({ ...msg, id });
    });
}

export async function waitHttp(url, timeoutMs = 60_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      const r = await fetch(url);
      if (r.status < 500) return;
    } catch {
      // not up yet
    }
    if (Date.now() > end) throw new Error(`${url} did not answer within ${timeoutMs} ms`);
    await sleep(100);
  }
}

/**
 * Starts a server under test: `node --require preload <entry>` pinned to core 0, stdout/stderr to a file.
 * Returns { pid, url, probe(cmd), stop() }.
 */
export async function startServer({ entry, env, port, outFile, core = 0, label, nodeArgs = [] }) {
  const { openSync } = await import('node:fs');
  const out = openSync(outFile, 'a');
  const [cmd, args] = pinned(core, [process.execPath, ...nodeArgs, '--require', join(BENCH_DIR, 'probes', 'preload.cjs'), entry]);
  const child = spawn(cmd, args, { cwd: REPO_DIR, env: { ...process.env, ...env }, stdio: ['ignore', out, out, 'ipc'] });
  const call = withIpc(child);
  let exited = null;
  child.on('exit', (code, signal) => (exited = { code, signal }));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitHttp(`${url}/health/live`, 90_000);
  } catch (e) {
    child.kill('SIGKILL');
    throw new Error(`${label} did not start (${exited ? JSON.stringify(exited) : 'no answer'}); see ${outFile}: ${e.message}`);
  }
  return {
    pid: child.pid,
    url,
    label,
    async probe(cmd, extra = {}) {
      const m = await call({ bench: true, cmd, ...extra }, 30_000);
      return m;
    },
    async stop() {
      if (exited) return exited;
      child.kill('SIGTERM');
      for (let i = 0; i < 100 && !exited; i++) await sleep(100);
      if (!exited) child.kill('SIGKILL');
      for (let i = 0; i < 20 && !exited; i++) await sleep(100);
      return exited;
    },
  };
}

/** The load worker on core 1. */
export function startWorker() {
  const [cmd, args] = pinned(1, [process.execPath, join(BENCH_DIR, 'load', 'worker.mjs')]);
  const child = spawn(cmd, args, { cwd: REPO_DIR, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const call = withIpc(child);
  return {
    pid: child.pid,
    async run(job) {
      const m = await call(job, (job.duration ?? 60) * 1000 + 120_000);
      if (!m.ok) throw new Error(`load worker: ${m.error}`);
      return m.result;
    },
    stop() {
      child.disconnect?.();
      child.kill('SIGTERM');
    },
  };
}

/** A plain child (sealer, calibration server), unpinned unless `core` is given. */
export function startPlain({ args, env, outFile, core = null }) {
  return import('node:fs').then(({ openSync }) => {
    const out = openSync(outFile, 'a');
    const [cmd, a] = pinned(core, args);
    const child = spawn(cmd, a, { cwd: REPO_DIR, env: { ...process.env, ...env }, stdio: ['ignore', out, out] });
    let exited = null;
    child.on('exit', (code, signal) => (exited = { code, signal }));
    return {
      pid: child.pid,
      get exited() {
        return exited;
      },
      async stop() {
        if (exited) return exited;
        child.kill('SIGTERM');
        for (let i = 0; i < 100 && !exited; i++) await sleep(100);
        if (!exited) child.kill('SIGKILL');
        return exited;
      },
    };
  });
}

/** Runs a command to completion; resolves { code, stdout, stderr }. */
export function runCommand(cmd, args, { env = {}, core = null, timeoutMs = 600_000 } = {}) {
  const [c, a] = pinned(core, [cmd, ...args]);
  return new Promise((resolve) => {
    const p = spawn(c, a, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    const t = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('close', (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr });
    });
  });
}
