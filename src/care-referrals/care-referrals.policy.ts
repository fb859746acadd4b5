import type { Policy } from '../authorization/ability.factory.js';
import { Action } from '../authorization/actions.js';
import { hasRole } from '../common/actor.js';
import { coordinatorScopes, readFields, VISITOR_READ, VISITOR_WRITE, writeFields } from '../cases/case-scope.js';

/**
 * Care referrals: coordinators manage them; youth workers propose and record the young person's answer
 * (up to ACCEPTED_BY_SUBJECT or DECLINED; the service enforces the status limit); police officers read.
 */
export const careReferralsPolicy: Policy = ({ can }, ctx) => {
  const { actor } = ctx;
  if (actor.type !== 'user') return;
  if (hasRole(actor, 'coordinator')) {
    for (const scope of coordinatorScopes(actor)) {
      can(Action.Read, 'CareReferral', readFields(ctx, 'CareReferral'), scope);
      can([Action.Create, Action.Update], 'CareReferral', writeFields(ctx, 'CareReferral'), scope);
    }
  }
  if (hasRole(actor, 'police_officer')) can(Action.Read, 'CareReferral', readFields(ctx, 'CareReferral'), VISITOR_READ);
  if (hasRole(actor, 'youth_worker')) {
    can(Action.Read, 'CareReferral', readFields(ctx, 'CareReferral'), VISITOR_READ);
    can([Action.Create, Action.Update], 'CareReferral', writeFields(ctx, 'CareReferral'), VISITOR_WRITE);
  }
};
