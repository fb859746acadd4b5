import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { OPERATIONS, type Expect, type Ids } from '../authz/matrix.js';
import { MatrixWorld, NEGATIVE, PRINCIPALS, type Principal } from '../authz/matrix-world.js';
import { buildWorld } from '../factories/world.js';
import { registeredRoutes } from '../support/routes.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

function expected(e: Expect | undefined, rel: string): number | undefined {
  if (e === undefined) return undefined;
  return typeof e === 'number' ? e : e[rel];
}

/**
 * AZ-01: the authorization matrix, through supertest on the whole app. Every cell is specified
 * (a missing one fails), every status is exact, and a refused write leaves its rows unchanged.
 */
describe('authorization matrix (AZ-01)', () => {
  let t: TestApp;
  let mw: MatrixWorld;

  beforeAll(async () => {
    t = await createTestApp({ LOGIN_IP_MAX_FAILURES: '10000' });
    const w = await buildWorld(t, ['admin', 'privacy', 'researcher', 'coord.utrecht']);
    mw = new MatrixWorld(w);
    await mw.init();
  }, 120_000);

  afterAll(async () => {
    await t?.close();
  });

  it('specifies every cell: each operation × principal × relation', () => {
    const missing: string[] = [];
    for (const op of OPERATIONS) {
      for (const p of PRINCIPALS) {
        if (NEGATIVE.includes(p)) continue;
        for (const rel of op.rels) if (expected(op.expect[p], rel) === undefined) missing.push(`${op.route} × ${p} × ${rel}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('covers every registered route that is not public', () => {
    const routes = registeredRoutes(t.app)
      .filter((r) => !r.isPublic)
      .map((r) => `${r.method} ${r.path}`)
      .sort();
    expect(OPERATIONS.map((o) => o.route).sort()).toEqual(routes);
  });

  it('answers every cell with exactly the expected status', async () => {
    const failures: string[] = [];
    let cells = 0;
    for (const op of OPERATIONS) {
      const [method] = op.route.split(' ');
      for (const rel of op.rels) {
        let shared: Ids | null = null;
        for (const p of PRINCIPALS) {
          const want = NEGATIVE.includes(p) ? 401 : expected(op.expect[p], rel)!;
          const allowed = want < 300;
          let ids: Ids;
          if (op.fixture && op.rows && allowed) ids = await op.fixture(mw, rel);
          else ids = shared ??= op.fixture ? await op.fixture(mw, rel) : {};
          const denyHash = !allowed && op.rows ? await mw.rowHash(...op.rows(ids)) : null;
          if (op.before && !NEGATIVE.includes(p)) await op.before(mw, p);
          const spec = await op.request(ids, p, mw);
          const token = spec.token !== undefined ? spec.token : mw.tokens[p];
          let req = request(t.server)[method.toLowerCase() as 'get'](spec.path);
          if (token) req = req.set('Authorization', `Bearer ${token}`);
          for (const [k, v] of Object.entries(spec.headers ?? {})) req = req.set(k, v);
          const res = spec.body !== undefined ? await req.send(spec.body as object) : await req;
          cells++;
          if (res.status !== want) failures.push(`${op.route} × ${p} × ${rel}: expected ${want}, got ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
          if (res.status >= 400 && !String(res.headers['content-type']).includes('application/problem+json')) failures.push(`${op.route} × ${p} × ${rel}: refusal is not problem+json`);
          if (denyHash !== null && (await mw.rowHash(...op.rows!(ids))) !== denyHash) failures.push(`${op.route} × ${p} × ${rel}: a refused write changed rows`);
        }
      }
    }
    expect(failures).toEqual([]);
    expect(cells).toBeGreaterThan(400);
  }, 900_000);
});

export type { Principal };
