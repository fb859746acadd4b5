import type { Policy } from '../authorization/ability.factory.js';
import { Action } from '../authorization/actions.js';
import { hasRole } from '../common/actor.js';
import { coordinatorScopes, isVisitor, readFields, VISITOR_READ } from '../cases/case-scope.js';

/** Visits: coordinators plan, reschedule and cancel in their districts; visitors read the visits of their cases. */
export const visitsPolicy: Policy = ({ can }, ctx) => {
  const { actor } = ctx;
  if (actor.type !== 'user') return;
  if (hasRole(actor, 'coordinator')) {
    for (const scope of coordinatorScopes(actor)) {
      can(Action.Read, 'Visit', readFields(ctx, 'Visit'), scope);
      can([Action.Plan, Action.Update], 'Visit', scope);
    }
  }
  if (isVisitor(actor)) can(Action.Read, 'Visit', readFields(ctx, 'Visit'), VISITOR_READ);
};
