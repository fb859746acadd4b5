import type { Policy } from '../authorization/ability.factory.js';
import { Action } from '../authorization/actions.js';
import { hasRole } from '../common/actor.js';
import { coordinatorScopes, isVisitor, VISITOR_READ, VISITOR_WRITE } from '../cases/case-scope.js';

/** Attempts are recorded by the visitors on the visit while the case is open, or by a coordinator on their behalf. */
export const visitAttemptsPolicy: Policy = ({ can }, ctx) => {
  const { actor } = ctx;
  if (actor.type !== 'user') return;
  if (hasRole(actor, 'coordinator')) {
    for (const scope of coordinatorScopes(actor)) can([Action.Read, Action.Create], 'VisitAttempt', scope);
  }
  if (isVisitor(actor)) {
    can(Action.Read, 'VisitAttempt', VISITOR_READ);
    can(Action.Create, 'VisitAttempt', VISITOR_WRITE);
  }
};
