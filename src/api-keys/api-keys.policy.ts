import type { Policy } from '../authorization/ability.factory.js';
import { Action } from '../authorization/actions.js';
import { hasRole } from '../common/actor.js';

/** Only admins issue, list and revoke referrer API keys. */
export const apiKeysPolicy: Policy = ({ can }, { actor }) => {
  if (actor.type === 'user' && hasRole(actor, 'admin')) can(Action.Manage, 'ApiKey');
};
