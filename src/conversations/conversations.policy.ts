import type { Policy } from '../authorization/ability.factory.js';
import { Action } from '../authorization/actions.js';
import { hasRole } from '../common/actor.js';
import { coordinatorScopes, isVisitor, readFields, VISITOR_READ, VISITOR_WRITE, writeFields } from '../cases/case-scope.js';

/**
 * Conversations: visitors on the case record them while it is open, each with the fields of their role —
 * agreements and youth-work notes are the youth worker's alone; police officers neither see nor write them.
 * A coordinator may record on a visitor's behalf, without youth-work-only fields.
 */
export const conversationsPolicy: Policy = ({ can }, ctx) => {
  const { actor } = ctx;
  if (actor.type !== 'user') return;
  if (hasRole(actor, 'coordinator')) {
    for (const scope of coordinatorScopes(actor)) {
      can(Action.Read, 'Conversation', readFields(ctx, 'Conversation'), scope);
      can(Action.Create, 'Conversation', writeFields(ctx, 'Conversation'), scope);
    }
  }
  if (isVisitor(actor)) {
    can(Action.Read, 'Conversation', readFields(ctx, 'Conversation'), VISITOR_READ);
    can(Action.Create, 'Conversation', writeFields(ctx, 'Conversation'), VISITOR_WRITE);
  }
};
