import { describe, expect, it } from '@jest/globals';
import { CASE_STATES, CLOSURE_REASONS, type CaseState } from '../common/domain-enums.js';
import { TRANSITIONS, allowedTargets, consentGiverValid, decide, type GuardContext } from './case-state-machine.js';

const passing: GuardContext = {
  now: new Date('2026-06-01T10:00:00Z'),
  legalBasisActive: true,
  policeClearanceNeeded: true,
  policeClearanceRecorded: true,
  possibleDuplicate: false,
  addressVerifiedAt: new Date('2026-05-01T10:00:00Z'),
  lastAddressProblemAt: null,
  hasConversation: true,
  consentFollowUpGiven: true,
  consentGivenByValid: true,
  pendingFollowUps: 0,
  holdUntil: new Date('2026-05-01T00:00:00Z'),
};

const inputFor = (rule: (typeof TRANSITIONS)[number]) => ({
  reasonCode: rule.reasons?.[0],
  holdReason: 'DETENTION',
  holdUntil: '2026-07-01T00:00:00Z',
});

describe('case state machine (domain.md §2.2)', () => {
  it('accepts every move in the table when its guards pass', () => {
    for (const rule of TRANSITIONS) {
      for (const from of rule.from) {
        const d = decide(from, rule.to, rule.trigger, inputFor(rule), passing);
        expect({ from, to: rule.to, trigger: rule.trigger, kind: d.kind }).toEqual({ from, to: rule.to, trigger: rule.trigger, kind: 'ok' });
      }
    }
  });

  it('refuses every pair that is not in the table, naming the allowed targets', () => {
    for (const trigger of ['transition', 'visit', 'attempt'] as const) {
      for (const from of CASE_STATES) {
        for (const to of CASE_STATES) {
          const inTable = TRANSITIONS.some((r) => r.trigger === trigger && r.to === to && r.from.includes(from));
          if (inTable) continue;
          const d = decide(from, to, trigger, { reasonCode: 'WITHDRAWN' }, passing);
          expect(d.kind).toBe('invalid');
          if (d.kind === 'invalid') expect(d.allowed).toEqual(allowedTargets(from, trigger));
        }
      }
    }
  });

  it('never leaves CLOSED', () => {
    for (const to of CASE_STATES) expect(decide('CLOSED', to, 'transition', { reasonCode: 'WITHDRAWN' }, passing).kind).toBe('invalid');
  });

  it('requires a closure reason of the right group for the source state', () => {
    expect(decide('TRIAGE', 'CLOSED', 'transition', {}, passing).kind).toBe('reason');
    expect(decide('TRIAGE', 'CLOSED', 'transition', { reasonCode: 'CARE_STARTED' }, passing).kind).toBe('reason');
    expect(decide('FOLLOW_UP', 'CLOSED', 'transition', { reasonCode: 'CARE_STARTED' }, passing).kind).toBe('ok');
    expect(decide('FOLLOW_UP', 'CLOSED', 'transition', { reasonCode: 'NOT_ELIGIBLE_AGE' }, passing).kind).toBe('reason');
    for (const state of CASE_STATES.filter((s) => s !== 'CLOSED') as CaseState[]) {
      expect(decide(state, 'CLOSED', 'transition', { reasonCode: 'SUBJECT_DECEASED' }, passing).kind).toBe('ok');
    }
    for (const reason of CLOSURE_REASONS) {
      const anyState = CASE_STATES.some((s) => decide(s, 'CLOSED', 'transition', { reasonCode: reason }, passing).kind === 'ok');
      expect({ reason, reachable: anyState }).toEqual({ reason, reachable: true });
    }
  });

  it('names the failing guards', () => {
    const d = decide('TRIAGE', 'READY_TO_PLAN', 'transition', {}, { ...passing, policeClearanceRecorded: false, possibleDuplicate: true });
    expect(d).toEqual({ kind: 'guards', failed: ['POLICE_CLEARANCE_MISSING', 'DUPLICATE_UNRESOLVED'] });
    const addr = decide('TRIAGE', 'READY_TO_PLAN', 'transition', {}, { ...passing, lastAddressProblemAt: new Date('2026-05-02T00:00:00Z') });
    expect(addr).toEqual({ kind: 'guards', failed: ['ADDRESS_UNVERIFIED'] });
    expect(decide('CONVERSATION_HELD', 'FOLLOW_UP', 'transition', {}, { ...passing, consentFollowUpGiven: false })).toEqual({ kind: 'guards', failed: ['CONSENT_REQUIRED'] });
    expect(decide('FOLLOW_UP', 'CLOSED', 'transition', { reasonCode: 'FOLLOW_UP_COMPLETED' }, { ...passing, pendingFollowUps: 1 })).toEqual({ kind: 'guards', failed: ['FOLLOW_UP_PENDING'] });
    expect(decide('ON_HOLD', 'CLOSED', 'transition', { reasonCode: 'HOLD_EXPIRED' }, { ...passing, holdUntil: new Date('2026-07-01T00:00:00Z') })).toEqual({ kind: 'guards', failed: ['HOLD_NOT_EXPIRED'] });
  });

  it('asks for the hold fields before going on hold', () => {
    expect(decide('TRIAGE', 'ON_HOLD', 'transition', {}, passing)).toEqual({ kind: 'missing', fields: ['holdReason', 'holdUntil'] });
  });

  it('applies the consent rule for minors', () => {
    expect(consentGiverValid(11, 'SUBJECT')).toBe(false);
    expect(consentGiverValid(11, 'PARENT')).toBe(true);
    expect(consentGiverValid(14, 'PARENT')).toBe(false);
    expect(consentGiverValid(14, 'BOTH')).toBe(true);
    expect(consentGiverValid(17, 'SUBJECT')).toBe(true);
    expect(consentGiverValid(20, null)).toBe(false);
  });
});
