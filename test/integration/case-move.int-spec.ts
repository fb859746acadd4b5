import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CasesRepository } from '../../src/cases/cases.repository.js';
import { Db } from '../../src/database/db.service.js';
import { createCase } from '../factories/referrals.js';
import { buildWorld, login, type World } from '../factories/world.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/** The deferred state move (CaseWorkflow.move): written with the request's last statement, never a wrong history. */
describe('deferred case state move', () => {
  let t: TestApp;
  let w: World;
  let coord: string;
  const db = () => t.app.get(Db);
  const repo = () => t.app.get(CasesRepository);
  const move = (caseId: string, from: 'RECEIVED' | 'TRIAGE') => ({
    caseId,
    from,
    to: 'TRIAGE' as const,
    at: new Date(),
    byUserId: null,
    byRole: 'system',
    reasonCode: null,
    comment: null,
    breakGlassGrantId: null,
    set: { nextVisitAt: null },
  });
  const stateOf = async (caseId: string) =>
    db().tx(null, async (tx) => ({
      state: (await tx.one<{ state: string; version: number }>(`SELECT state, version FROM cases WHERE id = $1`, [caseId]))!,
      history: (await tx.query<{ to_state: string }>(`SELECT to_state FROM case_transitions WHERE case_id = $1 ORDER BY at, to_state`, [caseId])).map((r) => r.to_state),
    }));

  beforeAll(async () => {
    t = await createTestApp();
    w = await buildWorld(t, []);
    coord = await login(w, 'coord.utrecht');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('moves the locked case and appends its history row when the transaction ends', async () => {
    const { caseId } = await createCase(w, coord);
    const before = await stateOf(caseId);
    await db().tx(null, async (tx) => {
      await tx.one(`SELECT id FROM cases WHERE id = $1 FOR UPDATE`, [caseId]);
      repo().moveStateLocked(tx, move(caseId, 'RECEIVED'));
      // A read in the same transaction sees the move: deferred writes go ahead of the next statement.
      expect((await tx.one<{ state: string }>(`SELECT state FROM cases WHERE id = $1`, [caseId]))!.state).toBe('TRIAGE');
    });
    const after = await stateOf(caseId);
    expect(after.state).toEqual({ state: 'TRIAGE', version: before.state.version + 1 });
    expect(after.history).toEqual(['RECEIVED', 'TRIAGE']);
  });

  it('fails the whole transaction, writing nothing, when the case is not in the state the move starts from', async () => {
    const { caseId } = await createCase(w, coord);
    const before = await stateOf(caseId);
    await expect(db().tx(null, async (tx) => repo().moveStateLocked(tx, move(caseId, 'TRIAGE')))).rejects.toMatchObject({ code: '23502' });
    expect(await stateOf(caseId)).toEqual(before);
  });
});
