import type { Policy } from '../authorization/ability.factory.js';
import { Action } from '../authorization/actions.js';
import { hasRole } from '../common/actor.js';

/** What a coordinator needs to pick a visiting pair; never login or security details. */
export const VISITOR_FIELDS = ['id', 'displayName', 'organisationId', 'roles', 'districtIds', 'active'];

/**
 * Users (domain.md §4.1): admins manage accounts but never their own roles; the privacy officer reads
 * accounts; a coordinator reads the visitors of their own districts; everybody reads themselves.
 */
export const usersPolicy: Policy = ({ can, cannot }, { actor }) => {
  if (actor.type !== 'user' || !actor.userId) return;
  can(Action.Read, 'User', { id: actor.userId });
  if (hasRole(actor, 'admin')) {
    can(Action.Manage, 'User');
    cannot(Action.Update, 'User', ['roles'], { id: actor.userId }).because('Admins cannot change their own roles');
  }
  if (hasRole(actor, 'privacy_officer')) can(Action.Read, 'User');
  if (hasRole(actor, 'coordinator')) can(Action.Read, 'User', VISITOR_FIELDS, { isVisitor: true, sharesDistrict: true });
};
