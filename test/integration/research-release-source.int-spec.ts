import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { Db } from '../../src/database/db.service.js';
import { demoResearchGeography } from '../../src/demo/demo-research-cohort.js';
import { DISTRICTS } from '../../src/demo/geography.js';
import { buildResearchRegistry } from '../../src/research/registry/research-registry.js';
import { addMonths, monthOf, quarterEndOfMonth } from '../../src/research/releases/calendar.js';
import { deriveRelease } from '../../src/research/releases/release-derivation.js';
import { assertReleaseRows, type ReleasePerson } from '../../src/research/releases/release-person.js';
import type { ReleaseSourceFacts } from '../../src/research/releases/release-source-facts.js';
import { ReleaseSourceRepository, type ReleaseSourceWindow } from '../../src/research/releases/release-source.repository.js';
import { createCase, makeReadyToPlan } from '../factories/referrals.js';
import { conversationBody, planVisit, recordAttempt, recordConversation } from '../factories/visits.js';
import { bearer, buildWorld, login, ownerQuery, type World } from '../factories/world.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/** Personal data planted in every source table; none of it may reach the loaded facts. */
const CANARY = {
  family: 'Kanariehoek',
  given: 'Pietje',
  street: 'Kanariestraat',
  postcode: '3512 KZ',
  phone: '0687654321',
  guardian: 'Ouder Kanarie',
  notes: 'canary-referral-note',
  reference: 'CANARY-REF-77',
  safety: 'canary-safety-note',
  agreements: 'canary-agreement',
  youthWork: 'canary-youthwork',
  closure: 'canary-closure-comment',
  transition: 'canary-transition-comment',
  care: 'canary-care-note',
  followUp: 'canary-follow-up-note',
};

interface CaseHistory {
  subjectId: string;
  municipality: string;
  referrals: Array<{ at: string; source: string; incidentMonth?: string | null }>;
  visits?: Array<{ municipality: string; attempts: Array<{ at: string; result: string }>; conversation?: { parentPresent: boolean | null } }>;
  care?: { status: string; at: string };
  followUps?: Array<{ due: string; occurred?: string; result?: string }>;
  transitions: Array<[string, string]>;
  closed?: { reason: string; group: string; at: string };
}

describe('release source: live case tables → facts → release rows', () => {
  let t: TestApp;
  let w: World;
  const sql = <T = Record<string, unknown>>(text: string, params: unknown[] = []) => ownerQuery<T>(w, text, params);
  const load = (window: ReleaseSourceWindow) => t.app.get(Db).tx(null, (tx) => new ReleaseSourceRepository(t.config).load(tx, window));

  async function subject(p: { dob: string; sex: string; municipality: string; mergedInto?: string }): Promise<string> {
    const rows = await sql<{ id: string }>(
      `INSERT INTO subjects (family_name, given_names, date_of_birth, sex, street, house_number, postcode, municipality_code, municipality_id, phone, guardians,
         match_key, name_norm, duplicate_status, merged_into_id)
       VALUES ($1, $2, $3, $4, $5, '12', $6, $7, $8, $9, $10, $11, 'pietje kanariehoek', $12, $13) RETURNING id`,
      [
        CANARY.family,
        CANARY.given,
        p.dob,
        p.sex,
        CANARY.street,
        CANARY.postcode,
        p.municipality,
        w.geography.municipalityIds[p.municipality],
        CANARY.phone,
        JSON.stringify([{ name: CANARY.guardian, relation: 'PARENT', phone: CANARY.phone }]),
        randomBytes(32),
        p.mergedInto ? 'MERGED' : 'NONE',
        p.mergedInto ?? null,
      ],
    );
    return rows[0]!.id;
  }

  /** One case with its whole history, written straight to the tables as the table owner. */
  async function history(h: CaseHistory): Promise<string> {
    const district = DISTRICTS.find((d) => d.municipalities.some(([m]) => m === h.municipality))!.code;
    const last = h.transitions[h.transitions.length - 1]!;
    const [caseRow] = await sql<{ id: string }>(
      `INSERT INTO cases (subject_id, district_id, municipality_code, state, state_changed_at, created_at, closure_reason, closure_group, closed_at, closure_comment)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
      [h.subjectId, w.geography.districtIds[district], h.municipality, last[0], last[1], h.referrals[0]!.at, h.closed?.reason ?? null, h.closed?.group ?? null, h.closed?.at ?? null, h.closed ? CANARY.closure : null],
    );
    const caseId = caseRow!.id;
    for (const r of h.referrals) {
      await sql(
        `INSERT INTO referrals (case_id, subject_id, source_type, referrer_org_id, received_at, incident_month, reason_codes, legal_basis_code, subject_match, external_reference, notes, fraud_type, amount_band)
         VALUES ($1, $2, $3, $4, $5, $6, '{ACCOUNT_USED_FOR_FRAUD}', 'COVENANT_ART_5', 'NEW', $7, $8, 'MARKETPLACE', '1K_5K')`,
        [caseId, h.subjectId, r.source, w.orgIds['bank-a'], r.at, r.incidentMonth ?? null, CANARY.reference, CANARY.notes],
      );
    }
    let attemptNo = 0;
    for (const v of h.visits ?? []) {
      const start = v.attempts[0]!.at;
      const [visit] = await sql<{ id: string }>(
        `INSERT INTO visits (case_id, planned_start, planned_end, weekday, time_slot, status, address_snapshot, safety_notes)
         VALUES ($1, $2, $2::timestamptz + interval '1 hour', 'MONDAY', 'EVENING', 'DONE', $3, $4) RETURNING id`,
        [caseId, start, JSON.stringify({ street: CANARY.street, houseNumber: '12', postcode: CANARY.postcode, municipalityCode: v.municipality }), CANARY.safety],
      );
      for (const a of v.attempts) {
        attemptNo += 1;
        const [attempt] = await sql<{ id: string }>(
          `INSERT INTO visit_attempts (visit_id, case_id, attempt_no, occurred_at, weekday, time_slot, result, counts_toward_max, spoke_with, recorded_by_user_id)
           VALUES ($1, $2, $3, $4, 'MONDAY', 'EVENING', $5, $6, 'NONE', $7) RETURNING id`,
          [visit!.id, caseId, attemptNo, a.at, a.result, !['WRONG_ADDRESS', 'MOVED', 'ABORTED_SAFETY'].includes(a.result), w.userIds['police.utrecht']],
        );
        if (a.result === 'CONVERSATION_HELD' && v.conversation) {
          await sql(
            `INSERT INTO conversations (attempt_id, case_id, held_at, location, parent_present, subject_acknowledges_involvement, consent_follow_up_given, agreements, youth_work_notes, recorded_by_user_id)
             VALUES ($1, $2, $3, 'INSIDE', $4, 'PARTLY', true, $5, $6, $7)`,
            [attempt!.id, caseId, a.at, v.conversation.parentPresent, CANARY.agreements, CANARY.youthWork, w.userIds['youth.utrecht']],
          );
        }
      }
    }
    if (h.care) {
      await sql(`INSERT INTO care_referrals (case_id, type, provider_organisation_id, proposed_at, status, status_at, notes) VALUES ($1, 'DEBT_SERVICE', $2, $3, $4, $3, $5)`, [
        caseId,
        w.orgIds.debt,
        h.care.at,
        h.care.status,
        CANARY.care,
      ]);
    }
    for (const [i, f] of (h.followUps ?? []).entries()) {
      await sql(`INSERT INTO follow_up_contacts (case_id, sequence_no, due_at, occurred_at, result, notes) VALUES ($1, $2, $3, $4, $5, $6)`, [caseId, i + 1, f.due, f.occurred ?? null, f.result ?? null, CANARY.followUp]);
    }
    let from: string | null = null;
    for (const [to, at] of h.transitions) {
      await sql(`INSERT INTO case_transitions (case_id, from_state, to_state, at, by_role, reason_code, comment) VALUES ($1, $2, $3, $4, 'coordinator', $5, $6)`, [
        caseId,
        from,
        to,
        at,
        to === 'ON_HOLD' ? 'INVESTIGATIVE_INTEREST' : null,
        CANARY.transition,
      ]);
      from = to;
    }
    return caseId;
  }

  const registryFor = (months: readonly string[]) => buildResearchRegistry({ registryVersion: 'test.1', geography: demoResearchGeography(), months });
  const keys: Record<string, string> = {};

  beforeAll(async () => {
    t = await createTestApp();
    w = await buildWorld(t, []);

    // A minor reached at the second knock (parent present), care started, follow-up reached. She has moved since:
    // the row takes the municipality of the index visit's address snapshot, not the current address.
    keys.minor = await subject({ dob: '2007-08-15', sex: 'FEMALE', municipality: 'GM0344' });
    await history({
      subjectId: keys.minor,
      municipality: 'GM0307',
      referrals: [{ at: '2024-02-05T10:00:00+01:00', source: 'POLICE', incidentMonth: '2024-01' }],
      visits: [
        { municipality: 'GM0307', attempts: [{ at: '2024-02-12T18:10:00+01:00', result: 'NOT_HOME' }] },
        { municipality: 'GM0307', attempts: [{ at: '2024-02-20T18:10:00+01:00', result: 'CONVERSATION_HELD' }], conversation: { parentPresent: true } },
      ],
      care: { status: 'STARTED', at: '2024-03-20T11:00:00+01:00' },
      followUps: [{ due: '2024-04-02T09:00:00+02:00', occurred: '2024-04-03T15:00:00+02:00', result: 'REACHED' }],
      transitions: [
        ['RECEIVED', '2024-02-05T10:00:00+01:00'],
        ['TRIAGE', '2024-02-06T09:00:00+01:00'],
        ['READY_TO_PLAN', '2024-02-07T09:00:00+01:00'],
        ['VISIT_PLANNED', '2024-02-08T09:00:00+01:00'],
        ['NO_CONTACT', '2024-02-12T18:10:00+01:00'],
        ['VISIT_PLANNED', '2024-02-13T09:00:00+01:00'],
        ['CONVERSATION_HELD', '2024-02-20T18:10:00+01:00'],
        ['FOLLOW_UP', '2024-02-21T09:00:00+01:00'],
        ['CLOSED', '2024-04-10T09:00:00+02:00'],
      ],
      closed: { reason: 'CARE_STARTED', group: 'REACHED', at: '2024-04-10T09:00:00+02:00' },
    });

    // Refused at 00:30 on 1 July, Amsterdam time (still 30 June in UTC): the index month is July. Re-referred in
    // September; censored at the cutoff for 12 months, complete for 6.
    keys.refused = await subject({ dob: '2003-01-10', sex: 'MALE', municipality: 'GM0034' });
    await history({
      subjectId: keys.refused,
      municipality: 'GM0034',
      referrals: [{ at: '2024-06-20T14:00:00+02:00', source: 'HALT' }],
      visits: [{ municipality: 'GM0034', attempts: [{ at: '2024-06-30T22:30:00Z', result: 'REFUSED_AT_DOOR' }] }],
      transitions: [
        ['RECEIVED', '2024-06-20T14:00:00+02:00'],
        ['READY_TO_PLAN', '2024-06-25T09:00:00+02:00'],
        ['VISIT_PLANNED', '2024-06-26T09:00:00+02:00'],
        ['REFUSED', '2024-06-30T22:30:00Z'],
        ['CLOSED', '2024-07-05T09:00:00+02:00'],
      ],
      closed: { reason: 'REFUSED', group: 'NOT_REACHED', at: '2024-07-05T09:00:00+02:00' },
    });
    await history({
      subjectId: keys.refused,
      municipality: 'GM0034',
      referrals: [{ at: '2024-09-15T10:00:00+02:00', source: 'BANK' }],
      transitions: [
        ['RECEIVED', '2024-09-15T10:00:00+02:00'],
        ['CLOSED', '2024-09-20T10:00:00+02:00'],
      ],
      closed: { reason: 'WITHDRAWN', group: 'WITHDRAWN', at: '2024-09-20T10:00:00+02:00' },
    });

    // Unreachable after three counted attempts (a WRONG_ADDRESS in between), with an earlier case that expired on hold.
    keys.unreachable = await subject({ dob: '2008-03-01', sex: 'UNKNOWN', municipality: 'GM0402' });
    await history({
      subjectId: keys.unreachable,
      municipality: 'GM0402',
      referrals: [{ at: '2023-10-01T10:00:00+02:00', source: 'POLICE' }],
      transitions: [
        ['RECEIVED', '2023-10-01T10:00:00+02:00'],
        ['TRIAGE', '2023-10-02T10:00:00+02:00'],
        ['ON_HOLD', '2023-10-03T10:00:00+02:00'],
        ['CLOSED', '2023-12-15T10:00:00+01:00'],
      ],
      closed: { reason: 'HOLD_EXPIRED', group: 'ENDED_OTHER', at: '2023-12-15T10:00:00+01:00' },
    });
    await history({
      subjectId: keys.unreachable,
      municipality: 'GM0402',
      referrals: [{ at: '2024-04-02T10:00:00+02:00', source: 'BANK' }],
      visits: [
        { municipality: 'GM0402', attempts: [{ at: '2024-05-06T10:00:00+02:00', result: 'NOT_HOME' }] },
        { municipality: 'GM0402', attempts: [{ at: '2024-05-15T19:00:00+02:00', result: 'WRONG_ADDRESS' }] },
        { municipality: 'GM0402', attempts: [{ at: '2024-05-22T14:00:00+02:00', result: 'NO_ANSWER' }] },
        { municipality: 'GM0402', attempts: [{ at: '2024-06-03T18:00:00+02:00', result: 'NOT_HOME' }] },
      ],
      transitions: [
        ['RECEIVED', '2024-04-02T10:00:00+02:00'],
        ['VISIT_PLANNED', '2024-05-01T10:00:00+02:00'],
        ['NO_CONTACT', '2024-05-06T10:00:00+02:00'],
        ['VISIT_PLANNED', '2024-05-07T10:00:00+02:00'],
        ['NO_CONTACT', '2024-05-15T19:00:00+02:00'],
        ['VISIT_PLANNED', '2024-05-16T10:00:00+02:00'],
        ['NO_CONTACT', '2024-05-22T14:00:00+02:00'],
        ['VISIT_PLANNED', '2024-05-23T10:00:00+02:00'],
        ['UNREACHABLE', '2024-06-03T18:00:00+02:00'],
        ['CLOSED', '2024-06-20T10:00:00+02:00'],
      ],
      closed: { reason: 'UNREACHABLE', group: 'NOT_REACHED', at: '2024-06-20T10:00:00+02:00' },
    });

    // A merge: the duplicate's visited case moved to the surviving subject; the duplicate keeps a closed
    // MERGED_DUPLICATE case with a knock of its own, which must not make it a person.
    keys.survivor = await subject({ dob: '2005-09-09', sex: 'MALE', municipality: 'GM0402' });
    keys.duplicate = await subject({ dob: '2005-09-09', sex: 'MALE', municipality: 'GM0402', mergedInto: keys.survivor });
    await history({
      subjectId: keys.survivor,
      municipality: 'GM0402',
      referrals: [{ at: '2024-01-08T10:00:00+01:00', source: 'SCHOOL' }],
      visits: [{ municipality: 'GM0402', attempts: [{ at: '2024-01-16T15:00:00+01:00', result: 'CONVERSATION_HELD' }], conversation: { parentPresent: null } }],
      transitions: [
        ['RECEIVED', '2024-01-08T10:00:00+01:00'],
        ['VISIT_PLANNED', '2024-01-10T10:00:00+01:00'],
        ['CONVERSATION_HELD', '2024-01-16T15:00:00+01:00'],
        ['CLOSED', '2024-01-30T10:00:00+01:00'],
      ],
      closed: { reason: 'CONVERSATION_NO_FURTHER_NEED', group: 'REACHED', at: '2024-01-30T10:00:00+01:00' },
    });
    await history({
      subjectId: keys.duplicate,
      municipality: 'GM0402',
      referrals: [{ at: '2024-01-12T10:00:00+01:00', source: 'BANK' }],
      visits: [{ municipality: 'GM0402', attempts: [{ at: '2024-01-14T10:00:00+01:00', result: 'NOT_HOME' }] }],
      transitions: [
        ['RECEIVED', '2024-01-12T10:00:00+01:00'],
        ['CLOSED', '2024-01-20T10:00:00+01:00'],
      ],
      closed: { reason: 'MERGED_DUPLICATE', group: 'WITHDRAWN', at: '2024-01-20T10:00:00+01:00' },
    });

    // Withdrawn after a knock without contact: OTHER.
    keys.withdrawn = await subject({ dob: '2009-11-30', sex: 'FEMALE', municipality: 'GM0632' });
    await history({
      subjectId: keys.withdrawn,
      municipality: 'GM0632',
      referrals: [{ at: '2024-08-01T10:00:00+02:00', source: 'MUNICIPALITY' }],
      visits: [{ municipality: 'GM0632', attempts: [{ at: '2024-08-14T17:30:00+02:00', result: 'NOT_HOME' }] }],
      transitions: [
        ['RECEIVED', '2024-08-01T10:00:00+02:00'],
        ['VISIT_PLANNED', '2024-08-10T10:00:00+02:00'],
        ['NO_CONTACT', '2024-08-14T17:30:00+02:00'],
        ['CLOSED', '2024-08-20T10:00:00+02:00'],
      ],
      closed: { reason: 'WITHDRAWN', group: 'WITHDRAWN', at: '2024-08-20T10:00:00+02:00' },
    });

    // Outside the window, pending a window, visited only after the cutoff, never visited.
    for (const [name, at] of [
      ['before', '2023-12-10T10:00:00+01:00'],
      ['pending', '2024-10-02T10:00:00+02:00'],
      ['afterCutoff', '2025-04-03T10:00:00+02:00'],
    ] as const) {
      keys[name] = await subject({ dob: '2004-04-04', sex: 'MALE', municipality: 'GM0344' });
      await history({
        subjectId: keys[name]!,
        municipality: 'GM0344',
        referrals: [{ at, source: 'BANK' }],
        visits: [{ municipality: 'GM0344', attempts: [{ at, result: 'REFUSED_AT_DOOR' }] }],
        transitions: [
          ['RECEIVED', at],
          ['REFUSED', at],
        ],
      });
    }
    keys.neverVisited = await subject({ dob: '2004-04-04', sex: 'MALE', municipality: 'GM0344' });
    await history({ subjectId: keys.neverVisited, municipality: 'GM0344', referrals: [{ at: '2024-03-01T10:00:00+01:00', source: 'BANK' }], transitions: [['RECEIVED', '2024-03-01T10:00:00+01:00']] });
  }, 120_000);

  afterAll(async () => {
    await t?.close();
  });

  it('loads exactly the facts the derivation needs, and no personal data beyond codes and dates', async () => {
    const facts = await load({ fromMonth: '2024-01', cutoff: '2025-03-31' });
    expect(facts.persons.map((p) => p.personKey).sort()).toEqual([keys.minor, keys.refused, keys.unreachable, keys.survivor, keys.withdrawn, keys.pending].sort());
    expect(facts.personsBeforeWindow).toBe(1);
    const text = JSON.stringify(facts);
    for (const [what, value] of Object.entries(CANARY)) expect({ what, leaked: text.includes(value) }).toEqual({ what, leaked: false });
    expect(text).not.toContain(keys.duplicate!);
    expect(text).not.toContain('INVESTIGATIVE_INTEREST');
    // Local dates in Europe/Amsterdam, not UTC.
    expect(facts.attempts.filter((a) => a.result === 'REFUSED_AT_DOOR').map((a) => a.occurredOn)).toContain('2024-07-01');
    expect(Object.keys(facts.persons[0]!).sort()).toEqual(['dateOfBirth', 'personKey', 'sex']);
  });

  it('derives the exact release rows from the live tables', async () => {
    const facts = await load({ fromMonth: '2024-01', cutoff: '2025-03-31' });
    const release = deriveRelease(facts, { cutoff: '2025-03-31', fromMonth: '2024-01', processWindowDays: 120, frozen: null });
    const expected: ReleasePerson[] = [
      {
        personKey: keys.minor!,
        age: 16,
        sex: 'F',
        geo: 'GM0307',
        period: '2024-02',
        referralSource: 'POLICE',
        attempts: '2',
        firstAttemptDelay: '0-7',
        outcome: 'CONVERSATION_CARE',
        rereferral: 'NONE',
        rereferral6m: 'NO',
        careStarted: 'YES',
        followupReached: 'YES',
        parentPresent: 'YES',
        priorReferrals: '0',
      },
      {
        personKey: keys.refused!,
        age: 21,
        sex: 'M',
        geo: 'GM0034',
        period: '2024-07',
        referralSource: 'HALT',
        attempts: '1',
        firstAttemptDelay: '8-14',
        outcome: 'REFUSED',
        rereferral: 'CENSORED',
        rereferral6m: 'YES',
        careStarted: 'NA',
        followupReached: 'NA',
        parentPresent: 'NA',
        priorReferrals: '0',
      },
      {
        personKey: keys.unreachable!,
        age: 16,
        sex: 'X_OR_UNKNOWN',
        geo: 'GM0402',
        period: '2024-05',
        referralSource: 'BANK',
        attempts: '3+',
        firstAttemptDelay: '31+',
        outcome: 'UNREACHABLE',
        rereferral: 'CENSORED',
        rereferral6m: 'NO',
        careStarted: 'NA',
        followupReached: 'NA',
        parentPresent: 'NA',
        priorReferrals: '1',
      },
      {
        personKey: keys.survivor!,
        age: 18,
        sex: 'M',
        geo: 'GM0402',
        period: '2024-01',
        referralSource: 'SCHOOL',
        attempts: '1',
        firstAttemptDelay: '8-14',
        outcome: 'CONVERSATION_NO_CARE',
        rereferral: 'NONE',
        rereferral6m: 'NO',
        careStarted: 'NO',
        followupReached: 'NA',
        parentPresent: 'NA',
        priorReferrals: '0',
      },
      {
        personKey: keys.withdrawn!,
        age: 14,
        sex: 'F',
        geo: 'GM0632',
        period: '2024-08',
        referralSource: 'MUNICIPALITY',
        attempts: '1',
        firstAttemptDelay: '8-14',
        outcome: 'OTHER',
        rereferral: 'CENSORED',
        rereferral6m: 'NO',
        careStarted: 'NA',
        followupReached: 'NA',
        parentPresent: 'NA',
        priorReferrals: '0',
      },
    ];
    expect(release.persons).toEqual([...expected].sort((a, b) => (a.personKey < b.personKey ? -1 : 1)));
    expect(release.counts).toEqual({ included: 5, pendingWindow: 1, lateRegistrations: 0, outsideWindow: 1, copiedFromFrozen: 0, rereferralFinalised: 0 });
    expect(() => assertReleaseRows(registryFor(release.months), release.persons)).not.toThrow();
  });

  it('reads what the app itself writes: a case run through the API today', async () => {
    const coord = await login(w, 'coord.utrecht');
    const dob = new Date(Date.now() - (15 * 365.25 + 100) * 86_400_000).toISOString().slice(0, 10);
    const c = await createCase(w, coord, { dateOfBirth: dob, sex: 'FEMALE' });
    await sql(`UPDATE referrals SET received_at = received_at - interval '20 days' WHERE case_id = $1`, [c.caseId]);
    await makeReadyToPlan(w, coord, c.caseId);
    const visit = await planVisit(w, coord, c.caseId, { hour: 14, daysAgo: 3 });
    await recordAttempt(w, await login(w, 'police.utrecht'), visit.id, { occurredAt: visit.plannedStart.toISOString(), result: 'CONVERSATION_HELD', spokeWith: 'SUBJECT' }).expect(201);
    const youth = await login(w, 'youth.utrecht');
    await recordConversation(w, youth, visit.id, conversationBody({ parentPresent: true, consentFollowUpContact: { given: true, givenBy: 'BOTH' } })).expect(201);
    const care = await request(t.server).post(`/api/v1/cases/${c.caseId}/care-referrals`).set(bearer(youth)).send({ type: 'DEBT_SERVICE', providerOrganisationId: w.orgIds.debt }).expect(201);
    const accepted = await request(t.server).patch(`/api/v1/care-referrals/${care.body.id}`).set(bearer(youth)).set('If-Match', `"${care.body.version}"`).send({ status: 'ACCEPTED_BY_SUBJECT' }).expect(200);
    const sent = await request(t.server).patch(`/api/v1/care-referrals/${care.body.id}`).set(bearer(coord)).set('If-Match', `"${accepted.body.version}"`).send({ status: 'SENT', dataSharedFields: ['NAME', 'PHONE'] }).expect(200);
    await request(t.server).patch(`/api/v1/care-referrals/${care.body.id}`).set(bearer(coord)).set('If-Match', `"${sent.body.version}"`).send({ status: 'STARTED' }).expect(200);

    const indexDate = visit.plannedStart.toLocaleDateString('sv-SE', { timeZone: 'Europe/Amsterdam' });
    const quarterStart = monthOf(addMonths(`${monthOf(indexDate)}-01`, -((Number(indexDate.slice(5, 7)) - 1) % 3)));
    const cutoff = quarterEndOfMonth(monthOf(addMonths(quarterEndOfMonth(monthOf(indexDate)), 6)));
    const facts: ReleaseSourceFacts = await load({ fromMonth: quarterStart, cutoff });
    const release = deriveRelease(facts, { cutoff, fromMonth: quarterStart, processWindowDays: 120, frozen: null });
    expect(release.persons).toEqual([
      {
        personKey: c.subjectId,
        age: 15,
        sex: 'F',
        geo: 'GM0344',
        period: monthOf(indexDate),
        referralSource: 'BANK',
        attempts: '1',
        firstAttemptDelay: '15-30',
        outcome: 'CONVERSATION_CARE',
        rereferral: 'CENSORED',
        rereferral6m: 'NO',
        careStarted: 'YES',
        followupReached: 'NA',
        parentPresent: 'YES',
        priorReferrals: '0',
      },
    ]);
    // Everyone seeded above was first visited before this window.
    expect(release.counts.outsideWindow).toBe(8);
  });
});
