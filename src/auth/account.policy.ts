import type { Policy } from '../authorization/ability.factory.js';
import { Action } from '../authorization/actions.js';

/** Every authenticated user may see and manage their own account (session, MFA); an API key only read it. */
export const accountPolicy: Policy = ({ can }, { actor }) => {
  can(Action.Read, 'Account');
  if (actor.type === 'user') can(Action.Update, 'Account');
};
