import type { Policy } from '../authorization/ability.factory.js';
import { Action } from '../authorization/actions.js';
import { hasRole } from '../common/actor.js';

/** Coordinators may ask for emergency access; only the privacy officer reads and reviews grants. */
export const breakGlassPolicy: Policy = ({ can }, { actor }) => {
  if (actor.type !== 'user') return;
  if (hasRole(actor, 'coordinator')) can(Action.Create, 'BreakGlassGrant');
  if (hasRole(actor, 'privacy_officer')) {
    can(Action.Read, 'BreakGlassGrant');
    can(Action.Review, 'BreakGlassGrant');
  }
};
