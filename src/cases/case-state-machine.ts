import { CLOSURE_GROUPS, OPEN_STATES, type CaseState } from '../common/domain-enums.js';

/** What makes a move happen: the transitions endpoint, creating a visit, recording an attempt, or intake. */
export type Trigger = 'transition' | 'visit' | 'attempt' | 'intake';

export type GuardCode =
  | 'LEGAL_BASIS_MISSING'
  | 'POLICE_CLEARANCE_MISSING'
  | 'DUPLICATE_UNRESOLVED'
  | 'ADDRESS_UNVERIFIED'
  | 'CONSENT_REQUIRED'
  | 'FOLLOW_UP_PENDING'
  | 'CONVERSATION_MISSING'
  | 'HOLD_NOT_EXPIRED';

export interface TransitionRule {
  from: readonly CaseState[];
  to: CaseState;
  trigger: Trigger;
  /** Allowed reason codes; for CLOSED these are closure reasons. Absent: any or none. */
  reasons?: readonly string[];
  reasonRequired?: boolean;
  guards?: readonly GuardCode[];
  /** Body fields the move needs (400 VALIDATION_FAILED when missing). */
  requires?: ReadonlyArray<'holdReason' | 'holdUntil'>;
}

const ALWAYS_CLOSABLE = ['WITHDRAWN', 'MERGED_DUPLICATE', 'TRANSFERRED', 'ESCALATED_TO_JUSTICE', 'SUBJECT_DECEASED'];

/** The workflow of domain.md §2.2, one line per row of its table. */
export const TRANSITIONS: readonly TransitionRule[] = [
  { from: ['RECEIVED'], to: 'TRIAGE', trigger: 'transition' },
  { from: ['TRIAGE'], to: 'READY_TO_PLAN', trigger: 'transition', guards: ['LEGAL_BASIS_MISSING', 'POLICE_CLEARANCE_MISSING', 'DUPLICATE_UNRESOLVED', 'ADDRESS_UNVERIFIED'] },
  { from: ['TRIAGE', 'READY_TO_PLAN', 'VISIT_PLANNED', 'NO_CONTACT'], to: 'ON_HOLD', trigger: 'transition', requires: ['holdReason', 'holdUntil'] },
  { from: ['ON_HOLD'], to: 'TRIAGE', trigger: 'transition' },
  { from: ['READY_TO_PLAN', 'NO_CONTACT'], to: 'VISIT_PLANNED', trigger: 'visit' },
  { from: ['UNREACHABLE', 'REFUSED'], to: 'VISIT_PLANNED', trigger: 'visit', reasons: ['SUBJECT_REQUESTED'], reasonRequired: true },
  { from: ['VISIT_PLANNED'], to: 'NO_CONTACT', trigger: 'attempt' },
  { from: ['VISIT_PLANNED'], to: 'UNREACHABLE', trigger: 'attempt' },
  { from: ['NO_CONTACT'], to: 'UNREACHABLE', trigger: 'transition', reasons: ['ATTEMPTS_STOPPED', 'OTHER'], reasonRequired: true },
  { from: ['VISIT_PLANNED'], to: 'REFUSED', trigger: 'attempt' },
  { from: ['VISIT_PLANNED'], to: 'CONVERSATION_HELD', trigger: 'attempt' },
  { from: ['CONVERSATION_HELD'], to: 'FOLLOW_UP', trigger: 'transition', guards: ['CONVERSATION_MISSING', 'CONSENT_REQUIRED'] },
  { from: ['CONVERSATION_HELD', 'FOLLOW_UP'], to: 'CLOSED', trigger: 'transition', reasons: CLOSURE_GROUPS.REACHED, reasonRequired: true, guards: ['CONVERSATION_MISSING', 'FOLLOW_UP_PENDING'] },
  { from: ['UNREACHABLE'], to: 'CLOSED', trigger: 'transition', reasons: ['UNREACHABLE'], reasonRequired: true },
  { from: ['REFUSED'], to: 'CLOSED', trigger: 'transition', reasons: ['REFUSED'], reasonRequired: true },
  { from: ['RECEIVED', 'TRIAGE', 'ON_HOLD'], to: 'CLOSED', trigger: 'transition', reasons: [...CLOSURE_GROUPS.NOT_ELIGIBLE, ...CLOSURE_GROUPS.WITHDRAWN], reasonRequired: true },
  { from: ['ON_HOLD'], to: 'CLOSED', trigger: 'transition', reasons: ['HOLD_EXPIRED'], reasonRequired: true, guards: ['HOLD_NOT_EXPIRED'] },
  { from: OPEN_STATES, to: 'CLOSED', trigger: 'transition', reasons: ALWAYS_CLOSABLE, reasonRequired: true },
];

/** Facts the guards need, loaded by the service in the transition's transaction. */
export interface GuardContext {
  now: Date;
  legalBasisActive: boolean;
  policeClearanceNeeded: boolean;
  policeClearanceRecorded: boolean;
  possibleDuplicate: boolean;
  addressVerifiedAt: Date | null;
  lastAddressProblemAt: Date | null;
  hasConversation: boolean;
  consentFollowUpGiven: boolean | null;
  consentGivenByValid: boolean;
  pendingFollowUps: number;
  holdUntil: Date | null;
}

export function checkGuard(code: GuardCode, ctx: GuardContext): boolean {
  switch (code) {
    case 'LEGAL_BASIS_MISSING':
      return ctx.legalBasisActive;
    case 'POLICE_CLEARANCE_MISSING':
      return !ctx.policeClearanceNeeded || ctx.policeClearanceRecorded;
    case 'DUPLICATE_UNRESOLVED':
      return !ctx.possibleDuplicate;
    case 'ADDRESS_UNVERIFIED':
      return ctx.addressVerifiedAt !== null && (ctx.lastAddressProblemAt === null || ctx.addressVerifiedAt > ctx.lastAddressProblemAt);
    case 'CONSENT_REQUIRED':
      return ctx.consentFollowUpGiven === true && ctx.consentGivenByValid;
    case 'FOLLOW_UP_PENDING':
      return ctx.pendingFollowUps === 0;
    case 'CONVERSATION_MISSING':
      return ctx.hasConversation;
    case 'HOLD_NOT_EXPIRED':
      return ctx.holdUntil !== null && ctx.holdUntil <= ctx.now;
  }
}

/** Targets reachable from a state through the given trigger. */
export function allowedTargets(from: CaseState, trigger: Trigger = 'transition'): CaseState[] {
  return [...new Set(TRANSITIONS.filter((r) => r.trigger === trigger && r.from.includes(from)).map((r) => r.to))];
}

export type TransitionDecision =
  | { kind: 'ok'; rule: TransitionRule }
  | { kind: 'invalid'; allowed: CaseState[] }
  | { kind: 'reason'; allowedReasons: string[] }
  | { kind: 'guards'; failed: GuardCode[] }
  | { kind: 'missing'; fields: string[] };

/**
 * Decides a requested move. Several rules may share from/to (closing from ON_HOLD, say); the reason
 * code selects among them, so a closure reason that is valid from another state is refused here.
 */
export function decide(from: CaseState, to: CaseState, trigger: Trigger, input: { reasonCode?: string; holdReason?: string; holdUntil?: string | Date }, ctx: GuardContext): TransitionDecision {
  const candidates = TRANSITIONS.filter((r) => r.trigger === trigger && r.to === to && r.from.includes(from));
  if (candidates.length === 0) return { kind: 'invalid', allowed: allowedTargets(from, trigger) };
  const byReason = candidates.filter((r) => (r.reasons ? input.reasonCode !== undefined && r.reasons.includes(input.reasonCode) : !r.reasonRequired));
  if (byReason.length === 0) {
    return { kind: 'reason', allowedReasons: [...new Set(candidates.flatMap((r) => r.reasons ?? []))] };
  }
  const rule = byReason[0];
  const missing = (rule.requires ?? []).filter((f) => input[f] === undefined || input[f] === null);
  if (missing.length > 0) return { kind: 'missing', fields: missing };
  const failed = (rule.guards ?? []).filter((g) => !checkGuard(g, ctx));
  if (failed.length > 0) return { kind: 'guards', failed };
  return { kind: 'ok', rule };
}

/** Consent rule (domain.md §2.6, DEFAULT): under 12 a parent; 12–15 parent and child; 16+ the subject. */
export function consentGiverValid(ageYears: number, givenBy: string | null): boolean {
  if (!givenBy) return false;
  if (ageYears < 12) return givenBy === 'PARENT' || givenBy === 'BOTH';
  if (ageYears < 16) return givenBy === 'BOTH';
  return givenBy === 'SUBJECT' || givenBy === 'BOTH';
}
