/**
 * IN-01 / IN-02: schema-aware fuzzing of every operation in the served OpenAPI document.
 *
 * Env: FUZZ_RUNS (requests per operation, default 200), FUZZ_SEED (default random, always printed),
 * FUZZ_REPLAY=<test/fuzz/.failures/....json> (replays one saved failure), FUZZ_SURVEY=1 (collect every
 * distinct violation instead of stopping and shrinking at the first), FUZZ_ONLY=<substring of
 * "METHOD /path"> (fuzz a subset), FUZZ_SHRINK_BUDGET (predicate runs allowed for shrinking, default 60),
 * FUZZ_OP_TIME_LIMIT_S (wall-clock cap per operation, default FUZZ_RUNS × 0.1 s; 0 = none),
 * FUZZ_DEBUG_REJECTIONS=1 (print why schema-plausible bodies were refused, to tune the generators).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { buildWorld, login, type World } from '../factories/world.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { HttpClient } from './lib/http.js';
import { operationsOf, type OpenApiDoc, type Operation } from './lib/openapi.js';
import { FuzzRunner, type FailureFile, type OperationResult } from './lib/runner.js';
import { Fixtures, Harvest, MFA_USERS, Sessions } from './lib/world.js';

const REPLAY: FailureFile | undefined = process.env.FUZZ_REPLAY ? (JSON.parse(readFileSync(process.env.FUZZ_REPLAY, 'utf8')) as FailureFile) : undefined;
const RUNS = Math.max(1, Number(process.env.FUZZ_RUNS || 200));
const SEED = REPLAY ? REPLAY.baseSeed : process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) | 0 : (Math.random() * 0x7fffffff) | 0;
const SURVEY = process.env.FUZZ_SURVEY === '1';
const ONLY = process.env.FUZZ_ONLY;
const SHRINK_BUDGET = Number(process.env.FUZZ_SHRINK_BUDGET || 60);
// A slow operation (e.g. one that verifies the whole audit chain per call) must not eat the whole budget.
const OP_TIME_LIMIT_MS = process.env.FUZZ_OP_TIME_LIMIT_S !== undefined && process.env.FUZZ_OP_TIME_LIMIT_S !== '' ? Number(process.env.FUZZ_OP_TIME_LIMIT_S) * 1000 : RUNS * 100;
const FAILURES_DIR = fileURLToPath(new URL('./.failures', import.meta.url));

const say = (s: string) => process.stdout.write(`[fuzz] ${s}\n`);

describe('API fuzz over the OpenAPI document (IN-01, IN-02)', () => {
  let t: TestApp;
  let w: World;
  let http: HttpClient;
  let ops: Operation[];
  let runner: FuzzRunner;

  beforeAll(async () => {
    const t0 = Date.now();
    say(`seed=${SEED} runs=${RUNS}${REPLAY ? ` replay=${process.env.FUZZ_REPLAY}` : ''}${SURVEY ? ' survey' : ''}${ONLY ? ` only=${ONLY}` : ''}`);
    t = await createTestApp({ LOG_LEVEL: 'info', LOGIN_IP_MAX_FAILURES: '100000', LOGIN_LOCK_AFTER: '10000', BREAK_GLASS_MAX_PER_DAY: '100' });
    await t.app.listen(0, '127.0.0.1');
    http = new HttpClient((t.server.address() as AddressInfo).port);
    w = await buildWorld(t, MFA_USERS);
    const sessions = new Sessions(w, http);
    const admin = await login(w, 'admin');
    const key = await http.send({
      method: 'POST',
      url: '/api/v1/admin/api-keys',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ organisationId: w.orgIds['bank-b'], name: 'fuzz referrer system' }),
    });
    if (key.status !== 201) throw new Error(`fuzz harness: API key: ${key.status} ${key.text}`);
    sessions.apiKey = (key.json as { key: string }).key;
    sessions.apiKeyId = (key.json as { id: string }).id;

    const fixtures = new Fixtures(w, sessions);
    await fixtures.topUp();
    const tFixtures = Date.now();
    const docRes = await http.send({ method: 'GET', url: '/docs/openapi.json', headers: {} });
    if (docRes.status !== 200) throw new Error(`fuzz harness: /docs/openapi.json answered ${docRes.status}`);
    const doc = docRes.json as OpenApiDoc;
    const all = operationsOf(doc);
    ops = REPLAY ? all.filter((o) => o.key === REPLAY.operation) : ONLY ? all.filter((o) => o.key.includes(ONLY)) : all;
    runner = new FuzzRunner(w, http, sessions, fixtures, new Harvest(), doc, all, ops, { runs: RUNS, baseSeed: SEED, survey: SURVEY, shrinkBudget: SHRINK_BUDGET, opTimeLimitMs: OP_TIME_LIMIT_MS, failuresDir: FAILURES_DIR, replay: REPLAY });
    await runner.prepare();
    await runner.armPoisoningCheck();
    say(`setup ${((Date.now() - t0) / 1000).toFixed(1)} s (app, world and fixtures ${((tFixtures - t0) / 1000).toFixed(1)} s; admission probes and id crawl ${((Date.now() - tFixtures) / 1000).toFixed(1)} s)`);
    say(`${ops.length} operations; route-level admission: ${ops.map((o) => `${o.key} → ${runner.authorized[o.key].join(',') || 'nobody'}`).join('; ')}`);
  }, 10 * 60_000);

  afterAll(async () => {
    http?.close();
    await t?.close();
  });

  it('keeps every response invariant for every documented operation', async () => {
    expect(ops.length).toBeGreaterThan(REPLAY || ONLY ? 0 : 10);
    const started = Date.now();
    const results: OperationResult[] = [];
    for (const op of ops) {
      const r = await runner.runOperation(op);
      results.push(r);
      const statuses = Object.entries(r.statuses)
        .map(([s, n]) => `${s}×${n}`)
        .join(' ');
      const cut = r.interrupted ? ` (stopped by the ${OP_TIME_LIMIT_MS / 1000} s per-operation limit)` : '';
      say(`${r.violations.length ? 'FAIL' : 'ok  '} ${op.key} — ${r.runs} runs in ${(r.ms / 1000).toFixed(1)} s${cut} [${statuses}]${r.file ? ` → ${r.file}` : ''}`);
    }
    say(`${runner.totals.requests} requests in ${((Date.now() - started) / 1000).toFixed(1)} s (seed ${SEED})`);
    const failed = results.filter((r) => r.violations.length);
    if (failed.length) {
      const lines = failed.map((r) => `\n■ ${r.op}  (saved: ${r.file})\n${r.violations.map((v) => `    - ${v.slice(0, 1_500)}`).join('\n')}`);
      throw new Error(`${failed.length} of ${results.length} operations broke an invariant (seed ${SEED}, FUZZ_RUNS=${RUNS}); replay one with FUZZ_REPLAY=<file>:${lines.join('')}`);
    }
  }, 2 * 60 * 60_000);

  it('persisted no unknown field (canary) and no NUL anywhere in the database', async () => {
    const hits = await runner.scanDatabase();
    expect(hits.map((h) => h.message)).toEqual([]);
  }, 5 * 60_000);
});
