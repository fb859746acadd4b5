import { describe, expect, it } from '@jest/globals';
import { ATTEMPT_RESULTS, CARE_STATUSES, SOURCE_TYPES, type AttemptResult } from '../../common/domain-enums.js';
import { buildResearchRegistry } from '../registry/research-registry.js';
import { ResearchError } from '../research.errors.js';
import { SeededRandom } from '../../common/seeded-random.js';
import { SourceFactsBuilder } from '../testing/source-facts-builder.js';
import { SYNTHETIC_GEOGRAPHY } from '../testing/synthetic-register.js';
import { addDays, monthOf } from './calendar.js';
import { deriveRelease, releaseMonths, wholeYears, type DeriveReleaseOptions, type DerivedRelease } from './release-derivation.js';
import { assertReleaseRows, type ReleasePerson } from './release-person.js';

const CUTOFF = '2025-03-31';
const FROM = '2024-01';
const UTRECHT = 'GM0344';
const AMERSFOORT = 'GM0307';

const derive = (b: SourceFactsBuilder, over: Partial<DeriveReleaseOptions> = {}): DerivedRelease =>
  deriveRelease(b.facts, { cutoff: CUTOFF, fromMonth: FROM, processWindowDays: 120, frozen: null, ...over });
const rowOf = (r: DerivedRelease, personKey: string): ReleasePerson => {
  const row = r.persons.find((p) => p.personKey === personKey);
  if (!row) throw new Error('person not in the release');
  return row;
};
const registryFor = (months: readonly string[]) => buildResearchRegistry({ registryVersion: 'test.1', geography: SYNTHETIC_GEOGRAPHY, months });

describe('release months', () => {
  it('run from the window start through the last quarter whose 120-day window has closed, empty months included', () => {
    expect(releaseMonths('2024-01', '2025-03-31')).toEqual(['2024-01', '2024-02', '2024-03', '2024-04', '2024-05', '2024-06', '2024-07', '2024-08', '2024-09']);
    expect(releaseMonths('2024-10', '2025-06-30')).toEqual(['2024-10', '2024-11', '2024-12']);
  });

  it('refuse a window that does not start a quarter, a cutoff that is not a quarter end, and a window with no closed quarter', () => {
    expect(() => releaseMonths('2024-02', '2025-03-31')).toThrow(ResearchError);
    expect(() => releaseMonths('2024-01', '2025-03-30')).toThrow(ResearchError);
    expect(() => releaseMonths('2024-10', '2025-03-31')).toThrow(ResearchError);
  });
});

describe('one row per visited person', () => {
  it('codes a whole history: age, sex, geo, period, source, attempts, delay, outcome, care, follow-up, parent, re-referral', () => {
    const b = new SourceFactsBuilder();
    const p = b.person({ dob: '2006-05-20', sex: 'FEMALE' });
    p.case('2024-02-01', { source: 'POLICE', incidentMonth: '2024-01' })
      .visit(AMERSFOORT, [['2024-02-10', 'NOT_HOME']])
      .visit(AMERSFOORT, [['2024-02-20', 'CONVERSATION_HELD']], { parentPresent: true })
      .care('STARTED', '2024-03-15')
      .followUp('2024-04-01', '2024-04-02', 'REACHED')
      .close('FOLLOW_UP_COMPLETED', '2024-05-01');
    const r = derive(b);
    expect(r.persons).toEqual([
      {
        personKey: p.personKey,
        age: 17,
        sex: 'F',
        geo: AMERSFOORT,
        period: '2024-02',
        referralSource: 'POLICE',
        attempts: '2',
        firstAttemptDelay: '8-14',
        outcome: 'CONVERSATION_CARE',
        rereferral: 'NONE',
        rereferral6m: 'NO',
        careStarted: 'YES',
        followupReached: 'YES',
        parentPresent: 'YES',
        priorReferrals: '0',
      },
    ]);
    expect(r.counts).toEqual({ included: 1, pendingWindow: 0, lateRegistrations: 0, outsideWindow: 0, copiedFromFrozen: 0, rereferralFinalised: 0 });
  });

  it('includes an index quarter once quarter end + 120 days ≤ cutoff; counts the others; ignores anyone first visited after the cutoff', () => {
    const b = new SourceFactsBuilder();
    b.facts.personsBeforeWindow = 3;
    b.person().case('2023-12-01').visit(UTRECHT, [['2023-12-20', 'NOT_HOME']]).visit(UTRECHT, [['2024-01-10', 'NOT_HOME']]);
    const last = b.person();
    last.case('2024-09-01').visit(UTRECHT, [['2024-09-30', 'REFUSED_AT_DOOR']]);
    b.person().case('2024-09-20').visit(UTRECHT, [['2024-10-01', 'REFUSED_AT_DOOR']]);
    b.person().case('2024-05-01');
    b.person().case('2025-03-20').visit(UTRECHT, [['2025-04-02', 'REFUSED_AT_DOOR']]);
    const r = derive(b);
    expect(r.persons.map((p) => p.personKey)).toEqual([last.personKey]);
    expect(r.months).toHaveLength(9);
    expect(r.counts).toMatchObject({ included: 1, pendingWindow: 1, outsideWindow: 4 });
  });

  it('takes the first visit with an attempt as the index visit; a later case adds no row, only a re-referral', () => {
    const b = new SourceFactsBuilder();
    const p = b.person();
    p.case('2024-01-05', { source: 'BANK' })
      .visit(UTRECHT, [['2024-01-15', 'NOT_HOME']])
      .visit(AMERSFOORT, [['2024-01-25', 'CONVERSATION_HELD']])
      .close('CONVERSATION_NO_FURTHER_NEED', '2024-02-10');
    p.case('2024-06-01', { source: 'POLICE' }).visit('GM0402', [['2024-06-10', 'CONVERSATION_HELD']]);
    const r = derive(b);
    expect(r.persons).toHaveLength(1);
    expect(rowOf(r, p.personKey)).toMatchObject({ geo: UTRECHT, period: '2024-01', referralSource: 'BANK', attempts: '2', outcome: 'CONVERSATION_NO_CARE', rereferral: '3-6m', rereferral6m: 'YES' });
  });

  it("codes the source of the index case's first referral; a signal that joined the open case later is a re-referral (§2.1 literally)", () => {
    const b = new SourceFactsBuilder();
    const p = b.person();
    p.case('2024-03-01', { source: 'SCHOOL' }).referral('2024-03-05', { source: 'BANK' }).visit(UTRECHT, [['2024-03-10', 'REFUSED_AT_DOOR']]).referral('2024-04-01', { source: 'POLICE' });
    expect(rowOf(derive(b), p.personKey)).toMatchObject({ referralSource: 'SCHOOL', outcome: 'REFUSED', rereferral: '0-3m', priorReferrals: '0' });
  });

  it('sorts rows by person key, whatever order the facts come in', () => {
    const b = new SourceFactsBuilder();
    for (const prefix of ['c', 'a', 'b']) b.person({ key: `${prefix}0000000-0000-4000-8000-000000000000` }).case('2024-02-01').visit(UTRECHT, [['2024-02-02', 'REFUSED_AT_DOOR']]);
    expect(derive(b).persons.map((p) => p.personKey[0])).toEqual(['a', 'b', 'c']);
  });
});

describe('coded columns', () => {
  it.each([
    ['2006-03-10', '2024-03-10', 18],
    ['2006-03-10', '2024-03-09', 17],
    ['2008-02-29', '2024-02-29', 16],
    ['2008-02-29', '2025-02-28', 16],
    ['2008-02-29', '2025-03-01', 17],
    ['2010-12-31', '2024-01-01', 13],
  ])('age: born %s, index date %s → %i whole years', (dob, on, years) => {
    expect(wholeYears(dob, on)).toBe(years);
  });

  it('maps sex FEMALE → F, MALE → M, X and UNKNOWN → X_OR_UNKNOWN', () => {
    const b = new SourceFactsBuilder();
    const keys = (['FEMALE', 'MALE', 'X', 'UNKNOWN'] as const).map((sex) => {
      const p = b.person({ sex });
      p.case('2024-02-01').visit(UTRECHT, [['2024-02-02', 'REFUSED_AT_DOOR']]);
      return p.personKey;
    });
    const r = derive(b);
    expect(keys.map((k) => rowOf(r, k).sex)).toEqual(['F', 'M', 'X_OR_UNKNOWN', 'X_OR_UNKNOWN']);
  });

  it('bands the days from the first referral to the index date: 0-7, 8-14, 15-30, 31+', () => {
    const b = new SourceFactsBuilder();
    const cases = [0, 7, 8, 14, 15, 30, 31, 200].map((days) => {
      const p = b.person();
      p.case(addDays('2024-08-10', -days)).visit(UTRECHT, [['2024-08-10', 'REFUSED_AT_DOOR']]);
      return p.personKey;
    });
    const r = derive(b);
    expect(cases.map((k) => rowOf(r, k).firstAttemptDelay)).toEqual(['0-7', '0-7', '8-14', '8-14', '15-30', '15-30', '31+', '31+']);
  });

  it('counts every recorded attempt of the index case in the window, uncounted results (WRONG_ADDRESS) included', () => {
    const b = new SourceFactsBuilder();
    const wrongAddress = b.person();
    wrongAddress.case('2024-02-01').visit(UTRECHT, [['2024-02-05', 'WRONG_ADDRESS']]).close('WITHDRAWN', '2024-02-20');
    const three = b.person();
    three
      .case('2024-02-01')
      .visit(UTRECHT, [['2024-02-05', 'NOT_HOME']])
      .visit(UTRECHT, [['2024-02-12', 'WRONG_ADDRESS']])
      .visit(UTRECHT, [['2024-03-01', 'NO_ANSWER']]);
    const late = b.person();
    late.case('2024-02-01').visit(UTRECHT, [['2024-02-01', 'NOT_HOME']]).visit(UTRECHT, [['2024-06-10', 'CONVERSATION_HELD']]);
    const r = derive(b);
    expect(rowOf(r, wrongAddress.personKey)).toMatchObject({ attempts: '1', outcome: 'OTHER' });
    expect(rowOf(r, three.personKey)).toMatchObject({ attempts: '3+', outcome: 'UNREACHABLE' });
    // The conversation 130 days after the index date lies outside the window; at the window's end the case stood in NO_CONTACT.
    expect(rowOf(r, late.personKey)).toMatchObject({ attempts: '1', outcome: 'UNREACHABLE', careStarted: 'NA', followupReached: 'NA' });
  });

  it('counts referrals of the person before the index case as prior referrals: 0, 1, 2+', () => {
    const b = new SourceFactsBuilder();
    const counted = [0, 1, 2, 3].map((n) => {
      const p = b.person();
      for (let i = 0; i < n; i += 1) p.case(addDays('2023-06-01', i * 30)).close('HOLD_EXPIRED', addDays('2023-06-20', i * 30));
      p.case('2024-03-01').visit(UTRECHT, [['2024-03-10', 'REFUSED_AT_DOOR']]).referral('2024-03-20');
      return p.personKey;
    });
    const r = derive(b);
    expect(counted.map((k) => rowOf(r, k).priorReferrals)).toEqual(['0', '1', '2+', '2+']);
  });
});

describe('outcome: furthest contact result of the index case within index date + 120 days', () => {
  const INDEX = '2024-04-10';
  const WINDOW_END = addDays(INDEX, 120);
  const reachedWithCare = (b: SourceFactsBuilder, status: (typeof CARE_STATUSES)[number], on: string) => {
    const p = b.person();
    p.case('2024-04-01').visit(UTRECHT, [[INDEX, 'CONVERSATION_HELD']]).care(status, on);
    return p.personKey;
  };

  it('conversation with a care referral that went out (SENT, STARTED, COMPLETED) by the window end → CONVERSATION_CARE', () => {
    const b = new SourceFactsBuilder();
    const keys = {
      proposed: reachedWithCare(b, 'PROPOSED', '2024-04-12'),
      accepted: reachedWithCare(b, 'ACCEPTED_BY_SUBJECT', '2024-04-12'),
      declined: reachedWithCare(b, 'DECLINED', '2024-04-12'),
      dropped: reachedWithCare(b, 'DROPPED', '2024-05-12'),
      sentOnLastDay: reachedWithCare(b, 'SENT', WINDOW_END),
      sentDayAfter: reachedWithCare(b, 'SENT', addDays(WINDOW_END, 1)),
      startedLate: reachedWithCare(b, 'STARTED', addDays(WINDOW_END, 30)),
      started: reachedWithCare(b, 'STARTED', '2024-06-01'),
      completed: reachedWithCare(b, 'COMPLETED', '2024-07-01'),
    };
    const r = derive(b);
    const coded = Object.fromEntries(Object.entries(keys).map(([k, key]) => [k, [rowOf(r, key).outcome, rowOf(r, key).careStarted]]));
    expect(coded).toEqual({
      proposed: ['CONVERSATION_NO_CARE', 'NO'],
      accepted: ['CONVERSATION_NO_CARE', 'NO'],
      declined: ['CONVERSATION_NO_CARE', 'NO'],
      dropped: ['CONVERSATION_NO_CARE', 'NO'],
      sentOnLastDay: ['CONVERSATION_CARE', 'NO'],
      sentDayAfter: ['CONVERSATION_NO_CARE', 'NO'],
      startedLate: ['CONVERSATION_NO_CARE', 'NO'],
      started: ['CONVERSATION_CARE', 'YES'],
      completed: ['CONVERSATION_CARE', 'YES'],
    });
  });

  it('a conversation beats an earlier refusal; refused beats unreachable; unreachable beats other', () => {
    const b = new SourceFactsBuilder();
    const talkedLater = b.person();
    talkedLater.case('2024-04-01').visit(UTRECHT, [[INDEX, 'REFUSED_AT_DOOR']]).transition('VISIT_PLANNED', '2024-04-20').visit(UTRECHT, [['2024-05-02', 'CONVERSATION_HELD']]);
    const refused = b.person();
    refused.case('2024-04-01').visit(UTRECHT, [[INDEX, 'NOT_HOME']]).visit(UTRECHT, [['2024-04-20', 'REFUSED_AT_DOOR']]).close('REFUSED', '2024-05-01');
    const unreachable = b.person();
    unreachable
      .case('2024-04-01')
      .visit(UTRECHT, [[INDEX, 'NOT_HOME']])
      .visit(UTRECHT, [['2024-04-20', 'NO_ANSWER']])
      .visit(UTRECHT, [['2024-05-02', 'NOT_HOME']])
      .transition('UNREACHABLE', '2024-05-02')
      .close('UNREACHABLE', '2024-05-20');
    const stoppedEarly = b.person();
    stoppedEarly.case('2024-04-01').visit(UTRECHT, [[INDEX, 'NOT_HOME']]).transition('UNREACHABLE', '2024-04-25');
    const withdrawn = b.person();
    withdrawn.case('2024-04-01').visit(UTRECHT, [[INDEX, 'NOT_HOME']]).close('WITHDRAWN', '2024-04-30');
    const onHold = b.person();
    onHold.case('2024-04-01').visit(UTRECHT, [[INDEX, 'NOT_HOME']]).transition('ON_HOLD', '2024-04-30');
    const visitPlanned = b.person();
    visitPlanned.case('2024-04-01').visit(UTRECHT, [[INDEX, 'NOT_HOME']]).transition('VISIT_PLANNED', '2024-08-01');
    const closedUnreachableLate = b.person();
    closedUnreachableLate.case('2024-04-01').visit(UTRECHT, [[INDEX, 'NO_ANSWER']]).close('UNREACHABLE', addDays(WINDOW_END, 20));
    const r = derive(b);
    expect(rowOf(r, talkedLater.personKey).outcome).toBe('CONVERSATION_NO_CARE');
    expect(rowOf(r, refused.personKey).outcome).toBe('REFUSED');
    expect(rowOf(r, unreachable.personKey)).toMatchObject({ outcome: 'UNREACHABLE', attempts: '3+' });
    expect(rowOf(r, stoppedEarly.personKey).outcome).toBe('UNREACHABLE');
    expect(rowOf(r, withdrawn.personKey).outcome).toBe('OTHER');
    expect(rowOf(r, onHold.personKey).outcome).toBe('OTHER');
    expect(rowOf(r, visitPlanned.personKey).outcome).toBe('OTHER');
    // Closed after the window, but in NO_CONTACT when it ended.
    expect(rowOf(r, closedUnreachableLate.personKey).outcome).toBe('UNREACHABLE');
  });
});

describe('care, follow-up and parent presence', () => {
  it('follow-up reached: YES or NO among reached persons with a contact due in the window; NA otherwise', () => {
    const b = new SourceFactsBuilder();
    const talk = (on = '2024-04-10') => {
      const p = b.person();
      return { p, c: p.case('2024-04-01').visit(UTRECHT, [[on, 'CONVERSATION_HELD']]) };
    };
    const reached = talk();
    reached.c.followUp('2024-05-22', '2024-05-23', 'REACHED');
    const notReached = talk();
    notReached.c.followUp('2024-05-22', '2024-05-22', 'NOT_REACHED');
    const outstanding = talk();
    outstanding.c.followUp('2024-05-22');
    const reachedLate = talk();
    reachedLate.c.followUp('2024-08-01', '2024-08-20', 'REACHED');
    const secondReached = talk();
    secondReached.c.followUp('2024-05-22', '2024-05-22', 'NOT_REACHED').followUp('2024-07-01', '2024-07-02', 'REACHED');
    const early = talk();
    early.c.followUp('2024-08-20', '2024-08-01', 'REACHED');
    const cancelled = talk();
    cancelled.c.followUp('2024-05-22', '2024-05-22', 'CANCELLED');
    const dueAfterWindow = talk();
    dueAfterWindow.c.followUp('2024-08-20');
    const refused = b.person();
    refused.case('2024-04-01').visit(UTRECHT, [['2024-04-10', 'REFUSED_AT_DOOR']]).followUp('2024-05-22', '2024-05-22', 'REACHED');
    const r = derive(b);
    const coded = (p: { personKey: string }) => rowOf(r, p.personKey).followupReached;
    expect([reached.p, notReached.p, outstanding.p, reachedLate.p, secondReached.p, early.p, cancelled.p, dueAfterWindow.p, refused].map(coded)).toEqual([
      'YES',
      'NO',
      'NO',
      'NO',
      'YES',
      'YES',
      'NA',
      'NA',
      'NA',
    ]);
  });

  it('parent present: YES or NO for reached minors from the conversation; NA for adults, unreached minors and a missing record', () => {
    const b = new SourceFactsBuilder();
    const minor = (parentPresent: boolean | null, result: AttemptResult = 'CONVERSATION_HELD', record = true) => {
      const p = b.person({ dob: '2007-06-01' });
      p.case('2024-04-01').visit(UTRECHT, [['2024-04-10', result]], record ? { parentPresent } : false);
      return p.personKey;
    };
    const keys = [minor(true), minor(false), minor(null), minor(true, 'REFUSED_AT_DOOR'), minor(true, 'CONVERSATION_HELD', false)];
    const adultToday = b.person({ dob: '2006-04-10' });
    adultToday.case('2024-04-01').visit(UTRECHT, [['2024-04-10', 'CONVERSATION_HELD']], { parentPresent: true });
    const r = derive(b);
    expect([...keys, adultToday.personKey].map((k) => rowOf(r, k).parentPresent)).toEqual(['YES', 'NO', 'NO', 'NA', 'NA', 'NA']);
    expect(rowOf(r, adultToday.personKey).age).toBe(18);
  });
});

describe('re-referral with right-censoring (T17 on live facts)', () => {
  it('is complete exactly when index + 12 months ≤ cutoff, and a re-referral on the cutoff day counts', () => {
    const b = new SourceFactsBuilder();
    const complete = b.person();
    complete.case('2024-03-01').visit(UTRECHT, [['2024-03-31', 'REFUSED_AT_DOOR']]);
    const lastDay = b.person();
    lastDay.case('2024-03-01').visit(UTRECHT, [['2024-03-31', 'REFUSED_AT_DOOR']]);
    lastDay.case(CUTOFF);
    const censored = b.person();
    censored.case('2024-03-20').visit(UTRECHT, [['2024-04-01', 'REFUSED_AT_DOOR']]);
    censored.case('2024-05-01');
    const r = derive(b);
    expect(rowOf(r, complete.personKey)).toMatchObject({ rereferral: 'NONE', rereferral6m: 'NO' });
    expect(rowOf(r, lastDay.personKey)).toMatchObject({ rereferral: '6-12m', rereferral6m: 'NO' });
    expect(rowOf(r, censored.personKey)).toMatchObject({ rereferral: 'CENSORED', rereferral6m: 'YES' });
  });

  it('ignores a later referral whose incident month lies before the index month', () => {
    const b = new SourceFactsBuilder();
    const oldIncident = b.person();
    oldIncident.case('2024-03-01').visit(UTRECHT, [['2024-03-15', 'REFUSED_AT_DOOR']]).close('REFUSED', '2024-03-20');
    oldIncident.case('2024-05-01', { incidentMonth: '2024-02' });
    const sameMonth = b.person();
    sameMonth.case('2024-03-01').visit(UTRECHT, [['2024-03-15', 'REFUSED_AT_DOOR']]).close('REFUSED', '2024-03-20');
    sameMonth.case('2024-05-01', { incidentMonth: '2024-03' });
    const r = derive(b);
    expect(rowOf(r, oldIncident.personKey).rereferral).toBe('NONE');
    expect(rowOf(r, sameMonth.personKey).rereferral).toBe('0-3m');
  });
});

describe('merged subjects', () => {
  it("derives one row over the cases merged into the surviving subject, and none for a subject merged away", () => {
    const b = new SourceFactsBuilder();
    const survivor = b.person({ dob: '2005-01-01' });
    survivor.case('2023-11-01', { source: 'POLICE' }).close('HOLD_EXPIRED', '2023-12-01');
    // The duplicate's case, moved to the survivor by the merge: visited first, so it holds the index visit.
    survivor.case('2024-01-03', { source: 'BANK' }).visit(AMERSFOORT, [['2024-01-10', 'CONVERSATION_HELD']], { parentPresent: null });
    const mergedAway = b.person();
    mergedAway.case('2024-02-01').visit(UTRECHT, [['2024-02-05', 'REFUSED_AT_DOOR']]);
    b.facts.persons = b.facts.persons.filter((p) => p.personKey !== mergedAway.personKey);
    const r = derive(b);
    expect(r.persons.map((p) => p.personKey)).toEqual([survivor.personKey]);
    expect(rowOf(r, survivor.personKey)).toMatchObject({ geo: AMERSFOORT, referralSource: 'BANK', priorReferrals: '1', age: 19, period: '2024-01' });
  });
});

describe('structural zeros and code lists', () => {
  /** A random but workflow-shaped history: a few attempts, perhaps a conversation, care, follow-ups, later cases. */
  function randomPerson(b: SourceFactsBuilder, rng: SeededRandom): void {
    const referred = addDays('2024-01-01', rng.int(-30, 300));
    const p = b.person({ dob: addDays('1998-01-01', rng.int(0, 14 * 365)), sex: rng.pick(['FEMALE', 'MALE', 'X', 'UNKNOWN'] as const) });
    for (let i = rng.int(0, 2); i > 0; i -= 1) p.case(addDays(referred, -100 * i)).close('WITHDRAWN', addDays(referred, -100 * i + 10));
    const c = p.case(referred, { source: rng.pick(SOURCE_TYPES), incidentMonth: rng.chance(0.5) ? monthOf(referred) : null });
    let on = addDays(referred, rng.int(0, 45));
    let talked: string | null = null;
    for (let n = rng.int(1, 4); n > 0 && !talked; n -= 1) {
      const result = rng.pick(ATTEMPT_RESULTS);
      c.visit(rng.pick(SYNTHETIC_GEOGRAPHY.municipalities).code, [[on, result]], rng.chance(0.9) ? { parentPresent: rng.pick([true, false, null]) } : false);
      if (result === 'CONVERSATION_HELD') talked = on;
      if (result === 'REFUSED_AT_DOOR') break;
      on = addDays(on, rng.int(2, 70));
    }
    if (talked) {
      if (rng.chance(0.5)) c.care(rng.pick(CARE_STATUSES), addDays(talked, rng.int(0, 200)));
      if (rng.chance(0.7)) c.followUp(addDays(talked, 42), rng.chance(0.7) ? addDays(talked, rng.int(35, 150)) : null, rng.pick(['REACHED', 'NOT_REACHED', 'CANCELLED', null] as const));
    } else if (rng.chance(0.5)) {
      c.transition(rng.pick(['UNREACHABLE', 'NO_CONTACT', 'ON_HOLD', 'VISIT_PLANNED'] as const), addDays(on, rng.int(0, 150)));
    }
    if (rng.chance(0.7)) c.close(rng.pick(['WITHDRAWN', 'UNREACHABLE', 'REFUSED', 'TRANSFERRED', 'FOLLOW_UP_COMPLETED']), addDays(on, rng.int(1, 200)));
    if (rng.chance(0.25)) p.case(addDays(on, rng.int(1, 500)), { incidentMonth: rng.chance(0.3) ? monthOf(addDays(referred, -40)) : null });
  }

  it('never produces a row outside the code lists or inside a declared structural zero', () => {
    const rng = new SeededRandom(2026);
    const b = new SourceFactsBuilder();
    for (let i = 0; i < 600; i += 1) randomPerson(b, rng);
    const r = derive(b);
    expect(r.persons.length).toBeGreaterThan(300);
    expect(() => assertReleaseRows(registryFor(r.months), r.persons)).not.toThrow();
    for (const p of r.persons) {
      const reached = p.outcome === 'CONVERSATION_CARE' || p.outcome === 'CONVERSATION_NO_CARE';
      if (p.parentPresent !== 'NA') expect({ age: p.age < 18, reached }).toEqual({ age: true, reached: true });
      if (p.careStarted === 'YES') expect(p.outcome).toBe('CONVERSATION_CARE');
      if (!reached) expect([p.careStarted, p.followupReached, p.parentPresent]).toEqual(['NA', 'NA', 'NA']);
    }
    const outcomes = new Set(r.persons.map((p) => p.outcome));
    expect(outcomes.size).toBe(5);
  });
});

describe('frozen quarters (§3.1, T16)', () => {
  const NEXT = '2025-06-30';

  function history() {
    const b = new SourceFactsBuilder();
    const reReferred = b.person();
    reReferred.case('2024-05-01').visit(UTRECHT, [['2024-05-10', 'REFUSED_AT_DOOR']]).close('REFUSED', '2024-05-20');
    reReferred.case('2024-08-01');
    const talked = b.person();
    talked.case('2024-02-01').visit(UTRECHT, [['2024-02-10', 'CONVERSATION_HELD']], { parentPresent: null });
    const vanished = b.person();
    vanished.case('2024-06-01').visit(UTRECHT, [['2024-06-20', 'NOT_HOME']]);
    return { b, reReferred, talked, vanished };
  }

  it('copies frozen rows unchanged except CENSORED → final, leaves late registrations out and adds the new quarter', () => {
    const { b, reReferred, talked, vanished } = history();
    const first = derive(b);
    expect(first.persons.map((p) => p.rereferral).sort()).toEqual(['CENSORED', 'CENSORED', 'NONE']);

    // After publication: the talked person's care and a referral are back-dated into the window, a person whose index visit
    // falls in a frozen quarter is recorded late, a new quarter fills, another is still pending, one person is merged away.
    const care = b.facts.cases.find((c) => c.personKey === talked.personKey)!.caseId;
    b.facts.careReferrals.push({ caseId: care, status: 'STARTED', statusOn: '2024-03-01' });
    // A back-dated referral would turn the talked person's final NONE into a re-referral: final values stay frozen too.
    talked.case('2024-03-01');
    const late = b.person();
    late.case('2024-06-01').visit(UTRECHT, [['2024-06-05', 'REFUSED_AT_DOOR']]);
    const fresh = b.person();
    fresh.case('2024-11-01').visit(UTRECHT, [['2024-11-05', 'REFUSED_AT_DOOR']]);
    b.person().case('2025-01-05').visit(UTRECHT, [['2025-01-10', 'REFUSED_AT_DOOR']]);
    b.facts.persons = b.facts.persons.filter((p) => p.personKey !== vanished.personKey);

    const next = derive(b, { cutoff: NEXT, frozen: { months: first.months, persons: first.persons } });
    const before = (key: string) => rowOf(first, key);
    expect(rowOf(next, talked.personKey)).toEqual(before(talked.personKey));
    expect(rowOf(next, reReferred.personKey)).toEqual({ ...before(reReferred.personKey), rereferral: '0-3m' });
    expect(rowOf(next, vanished.personKey)).toEqual(before(vanished.personKey));
    expect(next.persons.find((p) => p.personKey === late.personKey)).toBeUndefined();
    expect(rowOf(next, fresh.personKey)).toMatchObject({ period: '2024-11', rereferral: 'CENSORED' });
    expect(next.months).toEqual(releaseMonths(FROM, NEXT));
    expect(next.counts).toEqual({ included: 4, pendingWindow: 1, lateRegistrations: 1, outsideWindow: 0, copiedFromFrozen: 3, rereferralFinalised: 1 });
    expect(() => assertReleaseRows(registryFor(next.months), next.persons)).not.toThrow();
    // The live derivation would have changed the frozen row: that is exactly what freezing prevents.
    expect(rowOf(derive(b, { cutoff: NEXT }), talked.personKey)).toMatchObject({ outcome: 'CONVERSATION_CARE', rereferral: '0-3m' });
  });

  it('refuses frozen months outside the new window', () => {
    const { b } = history();
    const first = derive(b);
    expect(() => derive(b, { cutoff: NEXT, fromMonth: '2024-04', frozen: { months: first.months, persons: first.persons } })).toThrow(ResearchError);
  });
});
