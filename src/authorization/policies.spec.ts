import { describe, expect, it } from '@jest/globals';
import { getMetadataArgsStorage } from 'typeorm';
import { CareReferral } from '../care-referrals/care-referral.entity.js';
import { Case } from '../cases/case.entity.js';
import { caseFacts } from '../cases/case-scope.js';
import type { Actor } from '../common/actor.js';
import { loadConfig, ROLES, type Role } from '../config/app-config.js';
import { Conversation } from '../conversations/conversation.entity.js';
import { SqlParams } from '../database/sql-params.js';
import { FollowUpContact } from '../follow-ups/follow-up-contact.entity.js';
import { Referral } from '../referrals/referral.entity.js';
import { Subject } from '../subjects/subject.entity.js';
import { VisitAttempt } from '../visits/visit-attempt.entity.js';
import { Visit } from '../visits/visit.entity.js';
import { buildAbility } from './ability.factory.js';
import { Action, SUBJECT_TYPES, type SubjectType } from './actions.js';
import { FIELD_REGISTRY } from './field-classes.js';
import { toSqlArms, toSqlScope, type FactMap, type ScopeArm } from './sql-scope.js';

const settings = loadConfig({ NODE_ENV: 'test', SECRETS_DIR: '/tmp/doorstep-unit-secrets' }).workflow;
const ID = '3b241101-e2bb-4255-8caf-4136c566a962';

function actor(role: Role, type: Actor['type'] = 'user'): Actor {
  return {
    type,
    userId: type === 'user' ? ID : null,
    apiKeyId: type === 'api_key' ? ID : null,
    roles: [role],
    organisationId: ID,
    districtIds: [ID],
    sessionId: null,
    authMethod: 'password',
    mfaVerifiedAt: null,
    rightsVersion: 1,
    restricted: false,
    request: { requestId: 'r', method: 'GET', route: 'GET /', purpose: null, ip: null, userAgentSha256: null, startedAt: new Date(), traceId: '0'.repeat(32), spanId: '0'.repeat(16) },
  };
}

function factsFor(type: SubjectType, p: SqlParams, a: Actor): FactMap {
  const c = caseFacts(p, a, 30);
  return {
    ...c,
    referrerOrgId: { sql: 'r.referrer_org_id', type: 'uuid' },
    id: { sql: 'x.id', type: 'uuid' },
    isVisitor: 'TRUE',
    sharesDistrict: 'TRUE',
    // Research project facts (src/research) need no actor parameter; stand-ins are enough here.
    member: 'TRUE',
    draftedByActor: 'TRUE',
    status: 'x.status',
    ...(type === 'User' || type === 'Organisation' ? {} : {}),
  };
}

/** SQL with each placeholder replaced by its value, so conditions bound to different parameter lists compare. */
function inline(sql: string, values: unknown[]): string {
  return sql.replace(/\$(\d+)/g, (_m, n: string) => JSON.stringify(values[Number(n) - 1]));
}

/** The arms of `toSqlArms` written back as one condition, the way `toSqlScope` renders the same rules. */
function armsAsScope(arms: ScopeArm[], values: unknown[]): string {
  const wheres = arms.map((arm) => {
    if (!arm.perValue) return inline(arm.where, values);
    const [, list, type] = /^unnest\((\$\d+)::(\w+)\[\]\) AS scope_key\(value\)$/.exec(arm.perValue) ?? [];
    expect(list).toBeDefined();
    return inline(arm.where.replaceAll('= scope_key.value', () => `= ANY(${list}::${type}[])`), values);
  });
  if (wheres.length === 0) return 'FALSE';
  return wheres.length === 1 ? wheres[0] : `(${wheres.join(' OR ')})`;
}

describe('policies', () => {
  it('build for every role and translate every rule to SQL without unknown facts or operators', () => {
    for (const role of ROLES) {
      for (const kind of ['user', 'api_key'] as const) {
        if (kind === 'api_key' && role !== 'referrer') continue;
        const a = actor(role, kind);
        const ability = buildAbility(a, settings);
        for (const type of SUBJECT_TYPES) {
          for (const action of Object.values(Action)) {
            const p = new SqlParams();
            const sql = toSqlScope(ability, action, type, (q) => factsFor(type, q, a), p);
            expect(typeof sql).toBe('string');
            // Every placeholder the clause uses has a value, and no value is left unused.
            const used = new Set([...sql.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])));
            expect(used.size).toBe(p.values.length);
            // The arms of a list are the same rules: one per rule, with the same parameter discipline.
            const q = new SqlParams();
            const arms = toSqlArms(ability, action, type, (x) => factsFor(type, x, a), q);
            const armSql = arms.map((arm) => `${arm.perValue ?? ''} ${arm.where}`).join(' ');
            expect(new Set([...armSql.matchAll(/\$(\d+)/g)].map((m) => Number(m[1]))).size).toBe(q.values.length);
            expect(arms.length === 0).toBe(sql === 'FALSE');
            // The union of the arms is the scope itself: undoing the per-value paging (each value of the list
            // in turn is `= ANY(list)`) and inlining the values gives the very same condition text.
            expect(armsAsScope(arms, q.values)).toBe(inline(sql, p.values));
          }
        }
      }
    }
  });

  it('give admins, researchers and referrers no rule on any case record', () => {
    for (const role of ['admin', 'researcher', 'referrer'] as Role[]) {
      const ability = buildAbility(actor(role), settings);
      for (const type of ['Case', 'Subject', 'Visit', 'VisitAttempt', 'Conversation', 'CareReferral', 'FollowUp'] as SubjectType[]) {
        expect({ role, type, any: ability.can(Action.Read, type) }).toEqual({ role, type, any: false });
      }
    }
  });

  it('keep youth-work-only fields from police officers and coordinators, police-origin fields from youth workers', () => {
    const field = (role: Role, type: SubjectType, f: string) =>
      buildAbility(actor(role), settings)
        .rulesFor(Action.Read, type)
        .some((r) => !r.inverted && (r.fields === undefined || (r.fields as string[]).includes(f)));
    expect(field('police_officer', 'Conversation', 'agreements')).toBe(false);
    expect(field('coordinator', 'Conversation', 'youthWorkNotes')).toBe(false);
    expect(field('youth_worker', 'Conversation', 'agreements')).toBe(true);
    expect(field('youth_worker', 'Case', 'referrals.externalReference')).toBe(false);
    expect(field('police_officer', 'Case', 'referrals.externalReference')).toBe(true);
    expect(field('youth_worker', 'Case', 'holdReason')).toBe(false);
  });
});

/** Columns that never leave the server (keys, internal bookkeeping) or are shown under another name. */
const INTERNAL: Record<string, string[]> = {
  Subject: ['matchKey', 'nameNorm', 'createdAt', 'updatedAt', 'createdBy', 'municipalityId', 'municipality', 'street', 'houseNumber', 'postcode', 'municipalityCode'],
  Referral: ['createdAt', 'updatedAt', 'createdBy', 'submittedByUserId', 'apiKeyId', 'referrerOrgId', 'consentGiven', 'consentDate', 'case', 'subject', 'referrerOrg'],
  Case: ['createdBy', 'subjectId', 'subject', 'district', 'policeClearanceConfirmedAt', 'policeClearanceOrgId', 'policeClearanceReference'],
  Visit: ['createdAt', 'updatedAt', 'createdBy', 'case'],
  VisitAttempt: ['createdAt', 'updatedAt', 'createdBy', 'visit', 'case'],
  Conversation: ['createdAt', 'updatedAt', 'createdBy', 'attempt', 'case', 'consentFollowUpGiven', 'consentFollowUpGivenBy', 'consentCareShareGiven', 'consentCareShareScope', 'youthworkErasedAt'],
  CareReferral: ['createdAt', 'updatedAt', 'createdBy', 'case'],
  FollowUp: ['createdAt', 'updatedAt', 'createdBy', 'case'],
};

describe('field classes', () => {
  it('classify every column of every case record (or name it as internal)', () => {
    const entities: Array<[SubjectType, Function]> = [
      ['Subject', Subject],
      ['Referral', Referral],
      ['Case', Case],
      ['Visit', Visit],
      ['VisitAttempt', VisitAttempt],
      ['Conversation', Conversation],
      ['CareReferral', CareReferral],
      ['FollowUp', FollowUpContact],
    ];
    const storage = getMetadataArgsStorage();
    const unclassified: string[] = [];
    for (const [type, entity] of entities) {
      const props = [...storage.columns, ...storage.relations]
        .filter((c) => c.target === entity || (typeof c.target === 'function' && entity.prototype instanceof c.target))
        .map((c) => c.propertyName);
      for (const prop of new Set(props)) {
        if (FIELD_REGISTRY[type]?.[prop] === undefined && !INTERNAL[type].includes(prop)) unclassified.push(`${type}.${prop}`);
      }
    }
    expect(unclassified).toEqual([]);
  });
});
