import type { Policy } from '../authorization/ability.factory.js';
import { Action } from '../authorization/actions.js';
import { hasRole } from '../common/actor.js';

/** Only the privacy officer reads the audit trail and per-person access reports (and that reading is audited too). */
export const accountabilityPolicy: Policy = ({ can }, { actor }) => {
  if (actor.type === 'user' && hasRole(actor, 'privacy_officer')) {
    can(Action.Read, 'AuditEvent');
    can(Action.Read, 'AccessLog');
  }
};
