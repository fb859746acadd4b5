import type { Actor } from '../common/actor.js';
import { hasRole } from '../common/actor.js';
import { fieldsOfClasses, readableClasses, writableClasses } from '../authorization/field-classes.js';
import type { SubjectType } from '../authorization/actions.js';
import type { PolicyContext } from '../authorization/ability.factory.js';
import type { FactMap } from '../authorization/sql-scope.js';
import type { SqlParams } from '../database/sql-params.js';

/**
 * Who reaches a case (domain.md §4.2), as CASL conditions over named access facts:
 * a coordinator through the case's district or an active break-glass grant; a visitor through a
 * planned or done visit, until `visitorAfterCloseDays` after closure. Child records (visits, care
 * referrals, follow-ups) expose the facts of their case.
 */
export function coordinatorScopes(actor: Actor): Array<Record<string, unknown>> {
  return [{ districtId: { $in: actor.districtIds } }, { grantActive: true }];
}

export const VISITOR_READ = { assignedToActor: true, visitorWindowOpen: true } as const;
export const VISITOR_WRITE = { assignedToActor: true, caseOpen: true } as const;

export const isVisitor = (actor: Actor) => hasRole(actor, 'police_officer') || hasRole(actor, 'youth_worker');

/** The fields of a subject type the actor's case role may read or write, by field class. */
export function readFields(ctx: PolicyContext, type: SubjectType): string[] {
  const classes = new Set(ctx.actor.roles.flatMap((r) => readableClasses(r, { coordinatorReadsYouthworkOnly: ctx.settings.coordinatorReadsYouthworkOnly })));
  return fieldsOfClasses(type, [...classes]);
}

export function writeFields(ctx: PolicyContext, type: SubjectType): string[] {
  const classes = new Set(ctx.actor.roles.flatMap((r) => writableClasses(r)));
  return fieldsOfClasses(type, [...classes]);
}

/**
 * SQL for the case access facts over alias `c` (access-and-audit.md §2.3). The actor's id is bound
 * once into `p` as a parameter, so every actor runs the same statement text. Pass `(q) => caseFacts(q, …)`
 * to `toSqlScope`/`toSqlArms`, so the id is bound only when a rule they keep uses it.
 */
export function caseFacts(p: SqlParams, actor: Actor, visitorAfterCloseDays: number): FactMap {
  const me = actor.userId ? `${p.add(actor.userId)}::uuid` : null;
  return {
    districtId: { sql: 'c.district_id', type: 'uuid', perValue: true },
    assignedToActor: me
      ? { sql: `EXISTS (SELECT 1 FROM visit_visitors vv JOIN visits v ON v.id = vv.visit_id WHERE v.case_id = c.id AND vv.user_id = ${me} AND v.status <> 'CANCELLED')`, notNull: true }
      : 'FALSE',
    visitorWindowOpen: `(c.closed_at IS NULL OR c.closed_at > now() - make_interval(days => ${Math.trunc(visitorAfterCloseDays)}))`,
    caseOpen: 'c.closed_at IS NULL',
    grantActive: me
      ? { sql: `EXISTS (SELECT 1 FROM break_glass_grants g WHERE g.case_id = c.id AND g.user_id = ${me} AND g.expires_at > now() AND g.revoked_at IS NULL)`, notNull: true }
      : 'FALSE',
  };
}
