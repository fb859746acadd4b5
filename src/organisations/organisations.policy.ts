import type { Policy } from '../authorization/ability.factory.js';
import { Action } from '../authorization/actions.js';
import { hasRole } from '../common/actor.js';

/**
 * Organisations and areas are reference data: admins manage them; case roles and the privacy officer
 * read them; referrers and researchers see only their own organisation. Everyone reads the geography.
 */
export const organisationsPolicy: Policy = ({ can }, { actor }) => {
  if (actor.type === 'anonymous' || actor.type === 'system') return;
  can(Action.Read, 'District');
  if (hasRole(actor, 'admin')) {
    can(Action.Manage, 'Organisation');
    can(Action.Manage, 'District');
  }
  if (['privacy_officer', 'coordinator', 'police_officer', 'youth_worker'].some((r) => actor.roles.includes(r as never))) {
    can(Action.Read, 'Organisation');
  }
  if (actor.organisationId) can(Action.Read, 'Organisation', { id: actor.organisationId });
};
