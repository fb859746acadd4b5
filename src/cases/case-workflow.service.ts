import { Injectable } from '@nestjs/common';
import type { Actor } from '../common/actor.js';
import { primaryCaseRole } from '../common/actor-roles.js';
import type { CaseState } from '../common/domain-enums.js';
import type { Tx } from '../database/tx.js';
import { allowedTargets, decide, type GuardContext, type Trigger } from './case-state-machine.js';
import { CaseError } from './cases.errors.js';
import { CasesRepository } from './cases.repository.js';

const PERMISSIVE: GuardContext = {
  now: new Date(0),
  legalBasisActive: true,
  policeClearanceNeeded: false,
  policeClearanceRecorded: true,
  possibleDuplicate: false,
  addressVerifiedAt: new Date(0),
  lastAddressProblemAt: null,
  hasConversation: true,
  consentFollowUpGiven: true,
  consentGivenByValid: true,
  pendingFollowUps: 0,
  holdUntil: new Date(0),
};

/**
 * State moves made by other modules (planning a visit, recording an attempt). The move must be a row of
 * the state machine for that trigger; the caller has checked the guards that need its own data.
 * The case row must already be locked by the caller (CaseAccess.require with forUpdate).
 */
@Injectable()
export class CaseWorkflow {
  constructor(private readonly repo: CasesRepository) {}

  assertAllowed(from: CaseState, to: CaseState, trigger: Trigger, reasonCode?: string): void {
    const d = decide(from, to, trigger, { reasonCode }, PERMISSIVE);
    if (d.kind === 'invalid') {
      throw new CaseError('INVALID_TRANSITION', `A case in ${from} cannot move to ${to} this way`, { details: { currentState: from, allowedTargets: allowedTargets(from, trigger) } });
    }
    if (d.kind === 'reason') {
      throw new CaseError('VALIDATION_FAILED', `This move needs reasonCode ${d.allowedReasons.join(' or ')}`, {
        errors: [{ field: 'reasonCode', code: 'INVALID_REASON', message: `reasonCode must be one of ${d.allowedReasons.join(', ')}` }],
      });
    }
  }

  /**
   * The caller holds the case row's lock and read `from` under it (see the class comment), so the move cannot lose a
   * race: its writes are deferred to the request's last statement (CasesRepository.moveStateLocked).
   */
  move(
    tx: Tx,
    actor: Actor,
    m: { caseId: string; from: CaseState; to: CaseState; trigger: Trigger; at: Date; reasonCode?: string | null; comment?: string | null; breakGlassGrantId?: string | null; set?: Record<string, unknown> },
  ): void {
    this.assertAllowed(m.from, m.to, m.trigger, m.reasonCode ?? undefined);
    this.repo.moveStateLocked(tx, {
      caseId: m.caseId,
      from: m.from,
      to: m.to,
      at: m.at,
      byUserId: actor.userId,
      byRole: primaryCaseRole(actor),
      reasonCode: m.reasonCode ?? null,
      comment: m.comment ?? null,
      breakGlassGrantId: m.breakGlassGrantId ?? null,
      set: m.set,
    });
  }
}
