import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { performance } from 'node:perf_hooks';
import { PasswordService } from '../../src/auth/password.service.js';
import { Db } from '../../src/database/db.service.js';
import { seedDemoCases } from '../../src/demo/demo-cases.js';
import { demoResearchGeography, RESEARCH_COHORT_PERSONS, researchCohortWindow, seedResearchCohortAt } from '../../src/demo/demo-research-cohort.js';
import { seedIdentity, type DemoWorld } from '../../src/demo/demo-seed.service.js';
import { buildResearchRegistry } from '../../src/research/registry/research-registry.js';
import { followUpCompleteMonths } from '../../src/research/releases/calendar.js';
import { deriveRelease, type DerivedRelease } from '../../src/research/releases/release-derivation.js';
import { assertReleaseRows } from '../../src/research/releases/release-person.js';
import { ReleaseSourceRepository } from '../../src/research/releases/release-source.repository.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/** The demo research cohort on top of the normal demo world, checked through the real release source and derivation. */
describe('demo research cohort', () => {
  let t: TestApp;
  let world: DemoWorld;
  let cohort: string[];
  let release: DerivedRelease;
  const seedTime = new Date();
  const db = () => t.app.get(Db);
  const q = async <T>(sql: string, params: unknown[] = []) => (await db().pool.query(sql, params)).rows as T[];
  const one = async (sql: string, params: unknown[] = []) => (await q<{ n: number }>(sql, params))[0]!.n;

  beforeAll(async () => {
    t = await createTestApp();
    // The demo world exactly as DemoSeedService builds it: identity, then the demo cases, then the content seeders.
    const hash = await t.app.get(PasswordService).hash('demo-password-for-tests');
    world = await db().tx(null, async (tx) => {
      const w = await seedIdentity(tx, hash);
      await seedDemoCases(tx, w, t.config);
      return w;
    });
    const before = new Set((await q<{ id: string }>(`SELECT id FROM subjects`)).map((r) => r.id));
    const started = performance.now();
    const written = await db().tx(null, (tx) => seedResearchCohortAt(tx, world, t.config, seedTime));
    const ms = performance.now() - started;
    process.stdout.write(`\n[research cohort] ${written} persons seeded in ${Math.round(ms)} ms (${process.env.TEST_DB_ADMIN_URL ? 'PostgreSQL server' : 'PGlite'})\n`);
    cohort = (await q<{ id: string }>(`SELECT id FROM subjects`)).map((r) => r.id).filter((id) => !before.has(id));

    const window = researchCohortWindow(seedTime, t.config.workflow.programmeTimeZone);
    const facts = await db().tx(null, async (tx) => {
      await tx.exec('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
      return new ReleaseSourceRepository(t.config).load(tx, { fromMonth: window.fromMonth, cutoff: window.cutoff });
    });
    release = deriveRelease(facts, { cutoff: window.cutoff, fromMonth: window.fromMonth, processWindowDays: 120, frozen: null });
  }, 180_000);

  afterAll(async () => {
    await t?.close();
  });

  it('seeds once: a second run finds the cohort and writes nothing', async () => {
    expect(cohort).toHaveLength(RESEARCH_COHORT_PERSONS);
    const counts = async () => one(`SELECT (SELECT count(*) FROM subjects) + (SELECT count(*) FROM cases) + (SELECT count(*) FROM visit_attempts)::int AS n`);
    const before = await counts();
    expect(await db().tx(null, (tx) => seedResearchCohortAt(tx, world, t.config, seedTime))).toBe(0);
    expect(await counts()).toBe(before);
  });

  it('is closed history: every case CLOSED with a matching group, nothing after the seed time, transitions chained', async () => {
    const ids = [cohort];
    expect(await one(`SELECT count(*)::int AS n FROM cases WHERE subject_id = ANY($1) AND (state <> 'CLOSED' OR closure_reason IS NULL OR closed_at IS NULL)`, ids)).toBe(0);
    expect(await one(`SELECT count(*)::int AS n FROM cases WHERE subject_id = ANY($1) AND closure_group <> CASE
        WHEN closure_reason LIKE 'NOT_ELIGIBLE%' THEN 'NOT_ELIGIBLE' WHEN closure_reason IN ('WITHDRAWN', 'MERGED_DUPLICATE') THEN 'WITHDRAWN'
        WHEN closure_reason IN ('UNREACHABLE', 'REFUSED') THEN 'NOT_REACHED' WHEN closure_reason IN ('TRANSFERRED', 'HOLD_EXPIRED', 'ESCALATED_TO_JUSTICE', 'SUBJECT_DECEASED') THEN 'ENDED_OTHER'
        ELSE 'REACHED' END`, ids)).toBe(0);
    const latest = await q<{ at: Date }>(
      `SELECT max(at) AS at FROM (
         SELECT t.at FROM case_transitions t JOIN cases c ON c.id = t.case_id WHERE c.subject_id = ANY($1)
         UNION ALL SELECT r.received_at FROM referrals r WHERE r.subject_id = ANY($1)
         UNION ALL SELECT f.occurred_at FROM follow_up_contacts f JOIN cases c ON c.id = f.case_id WHERE c.subject_id = ANY($1)
         UNION ALL SELECT cr.status_at FROM care_referrals cr JOIN cases c ON c.id = cr.case_id WHERE c.subject_id = ANY($1)) x`,
      ids,
    );
    expect(latest[0]!.at.getTime()).toBeLessThan(seedTime.getTime());
    // Each move starts where the previous one ended, and the last one closes the case at its closed_at.
    expect(await one(`SELECT count(*)::int AS n FROM (
        SELECT t.from_state, lag(t.to_state) OVER (PARTITION BY t.case_id ORDER BY t.at) AS prev FROM case_transitions t JOIN cases c ON c.id = t.case_id WHERE c.subject_id = ANY($1)) x
      WHERE x.from_state IS DISTINCT FROM x.prev`, ids)).toBe(0);
    expect(await one(`SELECT count(*)::int AS n FROM cases c WHERE c.subject_id = ANY($1) AND (SELECT t.at FROM case_transitions t WHERE t.case_id = c.id ORDER BY t.at DESC LIMIT 1) <> c.closed_at`, ids)).toBe(0);
    // One open case at a time: a later case opens after the previous one closed, and a signal joins only an open case.
    expect(await one(`SELECT count(*)::int AS n FROM cases c JOIN cases p ON p.id = c.previous_case_id WHERE c.subject_id = ANY($1) AND (c.created_at <= p.closed_at OR p.subject_id <> c.subject_id)`, ids)).toBe(0);
    expect(await one(`SELECT count(*)::int AS n FROM referrals r JOIN cases c ON c.id = r.case_id WHERE c.subject_id = ANY($1) AND (r.received_at < c.created_at OR r.received_at > c.closed_at)`, ids)).toBe(0);
    expect(await one(`SELECT count(*)::int AS n FROM subjects s WHERE s.id = ANY($1) AND (s.created_at > (SELECT min(r.received_at) FROM referrals r WHERE r.subject_id = s.id)
        OR s.address_verified_at > (SELECT min(a.occurred_at) FROM visit_attempts a JOIN cases c ON c.id = a.case_id WHERE c.subject_id = s.id))`, ids)).toBe(0);
  });

  it('follows the workflow rules: counted attempts, G7 slots, G9 parents, G12 care consent, follow-up consent', async () => {
    const ids = [cohort];
    expect(await one(`SELECT count(*)::int AS n FROM cases c WHERE c.subject_id = ANY($1)
        AND c.counted_attempts <> (SELECT count(*) FROM visit_attempts a WHERE a.case_id = c.id AND a.counts_toward_max)`, ids)).toBe(0);
    expect(await one(`SELECT count(*)::int AS n FROM cases WHERE subject_id = ANY($1) AND counted_attempts > $2`, [cohort, t.config.workflow.maxAttempts])).toBe(0);
    expect(await one(`SELECT count(*)::int AS n FROM (SELECT a.case_id FROM visit_attempts a JOIN cases c ON c.id = a.case_id WHERE c.subject_id = ANY($1) AND a.counts_toward_max
        GROUP BY a.case_id, a.weekday, a.time_slot HAVING count(*) > 1) x`, ids)).toBe(0);
    expect(await one(`SELECT count(*)::int AS n FROM visit_attempts a JOIN cases c ON c.id = a.case_id WHERE c.subject_id = ANY($1) AND a.result = 'CONVERSATION_HELD'
        AND NOT EXISTS (SELECT 1 FROM conversations cv WHERE cv.attempt_id = a.id)`, ids)).toBe(0);
    expect(await one(`SELECT count(*)::int AS n FROM conversations cv JOIN cases c ON c.id = cv.case_id JOIN subjects s ON s.id = c.subject_id
        WHERE s.id = ANY($1) AND age(cv.held_at::date, s.date_of_birth) < interval '18 years' AND cv.parent_present IS NOT TRUE AND cv.parent_absent_reason IS NULL`, ids)).toBe(0);
    expect(await one(`SELECT count(*)::int AS n FROM care_referrals cr JOIN cases c ON c.id = cr.case_id WHERE c.subject_id = ANY($1) AND cr.status IN ('SENT', 'STARTED', 'COMPLETED')
        AND NOT EXISTS (SELECT 1 FROM conversations cv WHERE cv.case_id = cr.case_id AND cv.consent_care_share_given)`, ids)).toBe(0);
    expect(await one(`SELECT count(*)::int AS n FROM follow_up_contacts f JOIN cases c ON c.id = f.case_id WHERE c.subject_id = ANY($1)
        AND NOT EXISTS (SELECT 1 FROM conversations cv WHERE cv.case_id = f.case_id AND cv.consent_follow_up_given)`, ids)).toBe(0);
    expect(await one(`SELECT count(*)::int AS n FROM subjects WHERE id = ANY($1) AND phone IS NOT NULL`, ids)).toBe(0);
  });

  it('gives a release at the last full quarter end about 600 persons over six quarters, spread and skewed like the programme', () => {
    const window = researchCohortWindow(seedTime, t.config.workflow.programmeTimeZone);
    expect(window.months).toHaveLength(18);
    const persons = release.persons;
    const inCohort = new Set(cohort);
    expect(persons.filter((p) => inCohort.has(p.personKey))).toHaveLength(RESEARCH_COHORT_PERSONS);
    // The demo cases closed two years ago may add one person from the normal demo world.
    expect(persons.length).toBeGreaterThanOrEqual(RESEARCH_COHORT_PERSONS);
    expect(persons.length).toBeLessThanOrEqual(RESEARCH_COHORT_PERSONS + 3);
    expect(release.counts).toMatchObject({ included: persons.length, lateRegistrations: 0, copiedFromFrozen: 0 });

    const share = (pred: (p: (typeof persons)[number]) => boolean) => persons.filter(pred).length / persons.length;
    const reached = share((p) => p.outcome === 'CONVERSATION_CARE' || p.outcome === 'CONVERSATION_NO_CARE');
    expect(reached).toBeGreaterThan(0.48);
    expect(reached).toBeLessThan(0.62);
    const care = persons.filter((p) => p.outcome === 'CONVERSATION_CARE').length / persons.filter((p) => p.outcome.startsWith('CONVERSATION')).length;
    expect(care).toBeGreaterThan(0.22);
    expect(care).toBeLessThan(0.4);
    for (const [outcome, lo, hi] of [['REFUSED', 0.14, 0.26], ['UNREACHABLE', 0.14, 0.26], ['OTHER', 0.02, 0.09]] as const) {
      expect(share((p) => p.outcome === outcome)).toBeGreaterThan(lo);
      expect(share((p) => p.outcome === outcome)).toBeLessThan(hi);
    }
    const codes = (column: keyof (typeof persons)[number]) => new Set(persons.map((p) => String(p[column])));
    expect(codes('outcome')).toEqual(new Set(['CONVERSATION_CARE', 'CONVERSATION_NO_CARE', 'REFUSED', 'UNREACHABLE', 'OTHER']));
    expect(codes('careStarted')).toEqual(new Set(['YES', 'NO', 'NA']));
    expect(codes('parentPresent')).toEqual(new Set(['YES', 'NO', 'NA']));
    expect(codes('followupReached')).toEqual(new Set(['YES', 'NO', 'NA']));
    expect(codes('attempts')).toEqual(new Set(['1', '2', '3+']));
    expect(codes('firstAttemptDelay')).toEqual(new Set(['0-7', '8-14', '15-30', '31+']));
    expect(codes('priorReferrals')).toEqual(new Set(['0', '1', '2+']));
    expect(codes('referralSource')).toEqual(new Set(['BANK', 'POLICE', 'HALT', 'SCHOOL', 'SELF']));
    expect(codes('geo')).toEqual(new Set(demoResearchGeography().municipalities.map((m) => m.code)));
    expect(codes('period')).toEqual(new Set(window.months));
    expect(share((p) => p.referralSource === 'BANK' || p.referralSource === 'POLICE')).toBeGreaterThan(0.85);
    expect(share((p) => p.age >= 17 && p.age <= 21)).toBeGreaterThan(0.45);
    expect(Math.min(...persons.filter((p) => inCohort.has(p.personKey)).map((p) => p.age))).toBe(14);
    expect(Math.max(...persons.filter((p) => inCohort.has(p.personKey)).map((p) => p.age))).toBe(27);
    const geo = [...codes('geo')].map((m) => persons.filter((p) => p.geo === m).length).sort((a, b) => b - a);
    expect(geo[0]!).toBeGreaterThan(4 * geo[geo.length - 1]!);
  });

  it('censors exactly the quarters whose 12 months run past the cutoff, and has re-referrals among the complete ones', () => {
    const window = researchCohortWindow(seedTime, t.config.workflow.programmeTimeZone);
    const complete = new Set(followUpCompleteMonths(window.months, window.cutoff, 12));
    expect(complete.size).toBe(12);
    for (const p of release.persons) {
      expect({ period: p.period, censored: p.rereferral === 'CENSORED' }).toEqual({ period: p.period, censored: !complete.has(p.period) });
      expect(p.rereferral6m).not.toBe('CENSORED');
    }
    const completePersons = release.persons.filter((p) => complete.has(p.period));
    const yes = completePersons.filter((p) => ['0-3m', '3-6m', '6-12m'].includes(p.rereferral));
    expect(new Set(yes.map((p) => p.rereferral))).toEqual(new Set(['0-3m', '3-6m', '6-12m']));
    expect(yes.length / completePersons.length).toBeGreaterThan(0.09);
    expect(yes.length / completePersons.length).toBeLessThan(0.22);
    expect(release.persons.some((p) => p.rereferral6m === 'YES')).toBe(true);
  });

  it('passes the registry: code lists and structural zeros', () => {
    const registry = buildResearchRegistry({ registryVersion: 'demo.1', geography: demoResearchGeography(), months: release.months });
    expect(() => assertReleaseRows(registry, release.persons)).not.toThrow();
  });
});
