import type { Policy } from '../authorization/ability.factory.js';
import { Action } from '../authorization/actions.js';
import { hasRole } from '../common/actor.js';
import { coordinatorScopes, isVisitor, readFields, VISITOR_READ } from '../cases/case-scope.js';

/** What a referrer ever sees of a referral: that it arrived and whether it was taken on. */
export const RECEIPT_FIELDS = ['id', 'receivedAt', 'status'];

/**
 * Referrals: referrers (users and API keys) submit for their own organisation and see receipts of
 * their organisation's referrals only; coordinators submit and decide within their districts;
 * visitors read the referrals of their cases without police-origin details unless they are police.
 */
export const referralsPolicy: Policy = ({ can }, ctx) => {
  const { actor } = ctx;
  if (hasRole(actor, 'referrer') && actor.organisationId) {
    can(Action.Create, 'Referral');
    can(Action.Read, 'Referral', RECEIPT_FIELDS, { referrerOrgId: actor.organisationId });
  }
  if (actor.type !== 'user') return;
  if (hasRole(actor, 'coordinator')) {
    can(Action.Create, 'Referral');
    for (const scope of coordinatorScopes(actor)) {
      can(Action.Read, 'Referral', readFields(ctx, 'Referral'), scope);
      can(Action.Update, 'Referral', scope);
    }
  }
  if (isVisitor(actor)) can(Action.Read, 'Referral', readFields(ctx, 'Referral'), VISITOR_READ);
};
