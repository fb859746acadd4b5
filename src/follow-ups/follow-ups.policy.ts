import type { Policy } from '../authorization/ability.factory.js';
import { Action } from '../authorization/actions.js';
import { hasRole } from '../common/actor.js';
import { coordinatorScopes, readFields, VISITOR_READ, VISITOR_WRITE, writeFields } from '../cases/case-scope.js';

/** Follow-up contacts: coordinators plan and record them, youth workers record them, police officers read. */
export const followUpsPolicy: Policy = ({ can }, ctx) => {
  const { actor } = ctx;
  if (actor.type !== 'user') return;
  if (hasRole(actor, 'coordinator')) {
    for (const scope of coordinatorScopes(actor)) {
      can(Action.Read, 'FollowUp', readFields(ctx, 'FollowUp'), scope);
      can([Action.Create, Action.Update], 'FollowUp', writeFields(ctx, 'FollowUp'), scope);
    }
  }
  if (hasRole(actor, 'police_officer')) can(Action.Read, 'FollowUp', readFields(ctx, 'FollowUp'), VISITOR_READ);
  if (hasRole(actor, 'youth_worker')) {
    can(Action.Read, 'FollowUp', readFields(ctx, 'FollowUp'), VISITOR_READ);
    can(Action.Update, 'FollowUp', writeFields(ctx, 'FollowUp'), VISITOR_WRITE);
  }
};
