import type { Policy } from '../authorization/ability.factory.js';
import { Action } from '../authorization/actions.js';

/** Labels are public reference data for every signed-in principal. */
export const labelsPolicy: Policy = ({ can }, { actor }) => {
  if (actor.type === 'user' || actor.type === 'api_key') can(Action.Read, 'Label');
};
