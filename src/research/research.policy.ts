import type { Policy } from '../authorization/ability.factory.js';
import { Action } from '../authorization/actions.js';
import { hasRole } from '../common/actor.js';

/**
 * Research (domain.md §4.1, research-data.md §3.2–3.3). Researchers see only the projects they are named
 * members of, and through them published releases, tables and exports; never a live row. Coordinators propose
 * projects, build releases and read the effectiveness indicators; the privacy officer approves, suspends and
 * closes projects, publishes releases and reads the output registers. Whether a member may run a table or an
 * export now (approved, unexpired, mode and level allowed, step-up) is decided per request by the services,
 * because each refusal has its own code.
 */
export const researchPolicy: Policy = ({ can }, { actor }) => {
  if (actor.type !== 'user') return;
  const research = hasRole(actor, 'researcher');
  const coordinator = hasRole(actor, 'coordinator');
  const privacy = hasRole(actor, 'privacy_officer');
  if (research) {
    can(Action.Read, 'ResearchProject', { member: true });
    can(Action.Read, 'ResearchRelease', { member: true });
    can([Action.Create, Action.Read], 'StatisticsTable', { member: true });
    can([Action.Create, Action.Read], 'ResearchExport', { member: true });
  }
  if (research || coordinator || privacy) can(Action.Read, 'ResearchSigningKey');
  if (coordinator || privacy) {
    can([Action.Read, Action.Create], 'ResearchProject');
    can([Action.Read, Action.Create], 'ResearchRelease');
    can(Action.Read, 'Indicators');
  }
  if (coordinator) can(Action.Update, 'ResearchProject', { status: 'DRAFT', draftedByActor: true });
  if (privacy) {
    can([Action.Update, Action.Review], 'ResearchProject');
    can(Action.Review, 'ResearchRelease');
    can(Action.Read, 'ResearchRegister');
  }
};
