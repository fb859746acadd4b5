import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Get, Module } from '@nestjs/common';
import request from 'supertest';
import { bearer, buildWorld, login, type World } from '../factories/world.js';
import { registeredRoutes, toOpenApiPath } from '../support/routes.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/** A route somebody forgot to decorate: the guard must refuse it even for an authenticated admin. */
@Controller('planted')
class PlantedController {
  @Get()
  open(): { leaked: true } {
    return { leaked: true };
  }
}
@Module({ controllers: [PlantedController] })
class PlantedModule {}

const PUBLIC_ROUTES = ['POST /api/v1/auth/login', 'GET /health/live', 'GET /health/ready'];
const PURPOSES = ['INTAKE', 'TRIAGE', 'VISIT_PLANNING', 'VISIT', 'FOLLOW_UP', 'CASE_MANAGEMENT', 'RESEARCH', 'ACCOUNTABILITY', 'ADMINISTRATION'];

describe('route inventory (AZ-03)', () => {
  let t: TestApp;
  let w: World;
  let doc: { paths: Record<string, Record<string, { summary?: string; security?: unknown[]; responses: Record<string, unknown> }>> };

  beforeAll(async () => {
    t = await createTestApp({}, [PlantedModule]);
    w = await buildWorld(t);
    doc = (await request(t.server).get('/docs/openapi.json').expect(200)).body;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('every route is public or declares a permission and a registered processing activity', () => {
    const routes = registeredRoutes(t.app).filter((r) => r.controller !== 'PlantedController');
    expect(routes.length).toBeGreaterThan(10);
    const undeclared = routes.filter((r) => !r.isPublic && (!r.can || !r.purpose)).map((r) => `${r.method} ${r.path}`);
    expect(undeclared).toEqual([]);
    for (const r of routes.filter((x) => !x.isPublic)) {
      const purposes = typeof r.purpose === 'string' ? [r.purpose] : Object.values(r.purpose as Record<string, string>);
      for (const p of purposes) expect(PURPOSES).toContain(p);
    }
    expect(routes.filter((r) => r.isPublic).map((r) => `${r.method} ${r.path}`).sort()).toEqual([...PUBLIC_ROUTES].sort());
  });

  it('the OpenAPI document lists exactly the registered routes, each with a summary, security and errors', () => {
    const routes = registeredRoutes(t.app).filter((r) => r.controller !== 'PlantedController');
    const fromRoutes = routes.map((r) => `${r.method} ${toOpenApiPath(r.path)}`).sort();
    const fromDoc = Object.entries(doc.paths)
      .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
      .filter((k) => !k.includes('/planted'))
      .sort();
    expect(fromDoc).toEqual(fromRoutes);
    for (const r of routes) {
      const op = doc.paths[toOpenApiPath(r.path)][r.method.toLowerCase()];
      expect({ route: `${r.method} ${r.path}`, summary: Boolean(op.summary) }).toEqual({ route: `${r.method} ${r.path}`, summary: true });
      const secured = (op.security ?? []).some((s) => Object.keys(s as object).length > 0);
      expect({ route: `${r.method} ${r.path}`, secured }).toEqual({ route: `${r.method} ${r.path}`, secured: !r.isPublic });
      expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['400', '500', '503']));
      if (!r.isPublic) expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['401', '403']));
    }
  });

  it('refuses an undecorated route (403) even for an admin, and undocumented methods never succeed', async () => {
    const admin = await login(w, 'admin');
    const res = await request(t.server).get('/api/v1/planted').set(bearer(admin)).expect(403);
    expect(res.body.leaked).toBeUndefined();
    expect(res.body.code).toBe('FORBIDDEN');
    for (const method of ['put', 'delete', 'patch'] as const) {
      const r = await request(t.server)[method]('/api/v1/auth/me').set(bearer(admin));
      expect(r.status).toBe(404);
    }
    const trace = await request(t.server).trace('/api/v1/auth/me').set(bearer(admin));
    expect(trace.status).toBeGreaterThanOrEqual(400);
  });
});
