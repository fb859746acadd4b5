import type { Policy } from '../authorization/ability.factory.js';
import { Action } from '../authorization/actions.js';
import { hasRole } from '../common/actor.js';
import { coordinatorScopes, isVisitor, readFields, VISITOR_READ, writeFields } from './case-scope.js';

/**
 * Cases (domain.md §4): coordinators steer the cases of their districts (and, for an hour after a
 * break-glass grant, one other case); assigned visitors read their cases with the fields their role
 * may see. Admins, referrers and researchers have no rule here: they never receive case content.
 */
export const casesPolicy: Policy = ({ can }, ctx) => {
  const { actor } = ctx;
  if (actor.type !== 'user') return;
  if (hasRole(actor, 'coordinator')) {
    for (const scope of coordinatorScopes(actor)) {
      can(Action.Read, 'Case', readFields(ctx, 'Case'), scope);
      can([Action.Update, Action.Transition, Action.Plan], 'Case', writeFields(ctx, 'Case'), scope);
    }
  }
  if (isVisitor(actor)) can(Action.Read, 'Case', readFields(ctx, 'Case'), VISITOR_READ);
};
