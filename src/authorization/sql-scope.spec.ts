import { describe, expect, it } from '@jest/globals';
import { AbilityBuilder, createMongoAbility } from '@casl/ability';
import { caseFacts } from '../cases/case-scope.js';
import type { Actor } from '../common/actor.js';
import type { Role } from '../config/app-config.js';
import { SqlParams } from '../database/sql-params.js';
import { buildAbility, type AppAbility, type SubjectRecord } from './ability.factory.js';
import { Action } from './actions.js';
import { toSqlArms, toSqlScope } from './sql-scope.js';

const settings = { coordinatorReadsYouthworkOnly: false, visitorAfterCloseDays: 30 } as Parameters<typeof buildAbility>[1];
const DISTRICTS = ['11111111-1111-4111-8111-111111111111', '22222222-2222-4222-8222-222222222222'];

function actor(role: Role, userId: string): Actor {
  return {
    type: 'user',
    userId,
    apiKeyId: null,
    roles: [role],
    organisationId: null,
    districtIds: DISTRICTS,
    sessionId: null,
    authMethod: 'password',
    mfaVerifiedAt: null,
    rightsVersion: 1,
    restricted: false,
    request: { requestId: 'r', method: 'GET', route: 'GET /', purpose: null, ip: null, userAgentSha256: null, startedAt: new Date(), traceId: '0'.repeat(32), spanId: '0'.repeat(16) },
  } as Actor;
}

const ME = '3b241101-e2bb-4255-8caf-4136c566a962';
const OTHER = '9f6a0d3e-5c1b-4a7e-8d2f-6b3c9e1a4f70';

function caseArms(a: Actor) {
  const p = new SqlParams();
  const arms = toSqlArms(buildAbility(a, settings), Action.Read, 'Case', (q) => caseFacts(q, a, 30), p);
  return { arms, values: p.values };
}

describe('toSqlArms', () => {
  it("gives a coordinator one arm per district rule, paged per district, and a grant arm PostgreSQL can plan as a semi-join", () => {
    const { arms, values } = caseArms(actor('coordinator', ME));
    expect(arms).toHaveLength(2);
    const district = arms.find((a) => a.perValue)!;
    const grant = arms.find((a) => !a.perValue)!;
    expect(district.perValue).toMatch(/^unnest\(\$\d+::uuid\[\]\) AS scope_key\(value\)$/);
    expect(district.where).toBe('(c.district_id) = scope_key.value');
    // A bare EXISTS, not `(EXISTS …) IS TRUE`, which would be a subplan per case.
    expect(grant.where).toMatch(/^\(EXISTS \(SELECT 1 FROM break_glass_grants g .*\)\)$/);
    expect(values).toEqual(expect.arrayContaining([DISTRICTS, ME]));
    expect(values).toHaveLength(2);
  });

  it('binds the actor as a parameter, so every actor of a role sends the same statement text', () => {
    const mine = caseArms(actor('police_officer', ME));
    const theirs = caseArms(actor('police_officer', OTHER));
    expect(mine.arms).toEqual(theirs.arms);
    expect(JSON.stringify(mine.arms)).not.toContain(ME);
    expect(mine.values).toEqual([ME]);
    expect(mine.arms[0].where).toMatch(/^\(\(EXISTS \(SELECT 1 FROM visit_visitors vv .*\)\) AND \(\(c\.closed_at IS NULL .*\)\) IS TRUE\)$/);
  });

  it('renders the same rules as one OR for toSqlScope, the district rule as `= ANY` instead of per-value paging', () => {
    const a = actor('coordinator', ME);
    const p = new SqlParams();
    const scope = toSqlScope(buildAbility(a, settings), Action.Read, 'Case', (q) => caseFacts(q, a, 30), p);
    expect(scope).toMatch(/^\(\(c\.district_id\) = ANY\(\$\d::uuid\[\]\) OR \(EXISTS .*\)\)$|^\(\(EXISTS .*\) OR \(c\.district_id\) = ANY\(\$\d::uuid\[\]\)\)$/);
  });

  it('bounds every arm by the cannot rules above it, and never pages a cannot rule per value', () => {
    const { can, cannot, build } = new AbilityBuilder<AppAbility>(createMongoAbility);
    can(Action.Read, 'Case', { districtId: { $in: DISTRICTS } });
    can(Action.Read, 'Case', { grantActive: true });
    cannot(Action.Read, 'Case', { districtId: { $in: [DISTRICTS[1]] }, caseOpen: false });
    const ability = build({ detectSubjectType: (s) => (s as SubjectRecord).__caslSubjectType__ ?? 'Case' });
    const p = new SqlParams();
    const a = actor('coordinator', ME);
    const arms = toSqlArms(ability, Action.Read, 'Case', (q) => caseFacts(q, a, 30), p);
    expect(arms).toHaveLength(2);
    for (const arm of arms) expect(arm.where).toContain('NOT (((c.district_id) = ANY(');
    expect(arms.filter((arm) => arm.perValue)).toHaveLength(1);
    const used = new Set(JSON.stringify(arms).match(/\$\d+/g));
    expect(used.size).toBe(p.values.length);
  });

  it('has no arm when no rule grants the action', () => {
    const a = actor('researcher', ME);
    const p = new SqlParams();
    expect(toSqlArms(buildAbility(a, settings), Action.Read, 'Case', (q) => caseFacts(q, a, 30), p)).toEqual([]);
    expect(p.values).toEqual([]);
  });
});
