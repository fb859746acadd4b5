import type { Policy } from '../authorization/ability.factory.js';
import { Action } from '../authorization/actions.js';
import { hasRole } from '../common/actor.js';
import { coordinatorScopes, isVisitor, readFields, VISITOR_READ, writeFields } from '../cases/case-scope.js';

/**
 * The young person: reached through their cases. Coordinators rectify and merge within their
 * districts; visitors read; nobody else has a rule (referrers create subjects only through a referral).
 */
export const subjectsPolicy: Policy = ({ can }, ctx) => {
  const { actor } = ctx;
  if (actor.type !== 'user') return;
  if (hasRole(actor, 'coordinator')) {
    for (const scope of coordinatorScopes(actor)) {
      can(Action.Read, 'Subject', readFields(ctx, 'Subject'), scope);
      can([Action.Update, Action.Merge], 'Subject', writeFields(ctx, 'Subject'), scope);
    }
  }
  if (isVisitor(actor)) can(Action.Read, 'Subject', readFields(ctx, 'Subject'), VISITOR_READ);
};
