import { SeededRandom } from '../common/seeded-random.js';
import type { AppConfig } from '../config/app-config.js';
import type { CaseState } from '../common/domain-enums.js';
import type { Tx } from '../database/tx.js';
import { matchKey, nameForSimilarity } from '../subjects/subject-matching.js';
import { slotOf } from '../visits/time-slots.js';
import type { DemoWorld } from './demo-seed.service.js';

const GIVEN = ['Daan', 'Sem', 'Lucas', 'Milan', 'Levi', 'Noah', 'Finn', 'Jayden', 'Emma', 'Julia', 'Mila', 'Sophie', 'Noor', 'Yara', 'Saar', 'Lotte', 'Amir', 'Yusuf', 'Aya', 'Ilias', 'Fenna', 'Ravi', 'Nadia', 'Bram', 'Tess', 'Kevin', 'Mohammed', 'Sara', 'Luuk', 'Iris'];
const FAMILY = ['de Boer', 'Visser', 'Smit', 'Meijer', 'de Groot', 'Bos', 'Vos', 'Peters', 'Hendriks', 'van Leeuwen', 'Dekker', 'Brouwer', 'de Wit', 'Dijkstra', 'Smits', 'de Graaf', 'van der Meer', 'Kok', 'Jacobs', 'Vermeulen', 'El Idrissi', 'Yilmaz', 'Bakker', 'Mulder', 'Kuipers', 'Postma', 'Veenstra', 'van Dam', 'Koster', 'Prins'];
const STREETS = ['Demostraat', 'Voorbeeldlaan', 'Proefweg', 'Oefenplein', 'Testkade', 'Fictiefhof', 'Verzinsingel', 'Schetsstraat'];
const POSTCODE_BASE: Record<string, number> = { GM0344: 3511, GM0307: 3811, GM0342: 3761, GM0308: 3741, GM0327: 3831, GM0313: 3751, GM0402: 1211, GM1942: 1401, GM0406: 1271, GM1696: 1231, GM0034: 1311, GM0995: 8211, GM0632: 3441, GM0736: 3641 };

interface Spec {
  municipality: string;
  state: CaseState;
  minor?: 'parent' | 'absent';
  source?: 'BANK' | 'POLICE';
  referrer?: 'bank-a' | 'police-intake';
  closure?: string;
  closedMonthsAgo?: number;
  override?: boolean;
  lvb?: boolean;
  agreements?: boolean;
  secondSignal?: boolean;
}

const UTR = 'GM0344';
const EEM = ['GM0307', 'GM0342', 'GM0308', 'GM0327', 'GM0313'];
const ALL_STATES: CaseState[] = ['RECEIVED', 'TRIAGE', 'ON_HOLD', 'READY_TO_PLAN', 'VISIT_PLANNED', 'NO_CONTACT', 'UNREACHABLE', 'REFUSED', 'CONVERSATION_HELD', 'FOLLOW_UP', 'CLOSED'];

/** About 40 cases (domain.md §7): Utrecht Stad 16, Eemland 14, 10 where no demo coordinator works. */
export function demoSpecs(): Spec[] {
  const utrecht: Spec[] = ALL_STATES.map((state) => ({ municipality: UTR, state }));
  utrecht.push(
    { municipality: UTR, state: 'FOLLOW_UP', minor: 'parent', agreements: true },
    { municipality: UTR, state: 'CONVERSATION_HELD', minor: 'absent', lvb: true },
    { municipality: UTR, state: 'VISIT_PLANNED', override: true },
    { municipality: UTR, state: 'TRIAGE', secondSignal: true, referrer: 'bank-a' },
    { municipality: UTR, state: 'CLOSED', closure: 'NOT_ELIGIBLE_AGE', closedMonthsAgo: 7, referrer: 'bank-a' },
  );
  utrecht[2] = { municipality: UTR, state: 'ON_HOLD', source: 'POLICE', referrer: 'police-intake' };
  utrecht[3] = { ...utrecht[3], referrer: 'bank-a' };
  utrecht[10] = { municipality: UTR, state: 'CLOSED', closure: 'FOLLOW_UP_COMPLETED', closedMonthsAgo: 25 };
  const eemland: Spec[] = ALL_STATES.map((state, i) => ({ municipality: EEM[i % EEM.length], state }));
  eemland.push(
    { municipality: 'GM0307', state: 'FOLLOW_UP', agreements: true },
    { municipality: 'GM0342', state: 'NO_CONTACT' },
    { municipality: 'GM0308', state: 'CLOSED', closure: 'REFUSED' },
  );
  const elsewhere: Spec[] = [
    ['GM0402', 'RECEIVED'],
    ['GM1942', 'TRIAGE'],
    ['GM0406', 'READY_TO_PLAN'],
    ['GM1696', 'VISIT_PLANNED'],
    ['GM0034', 'NO_CONTACT'],
    ['GM0995', 'CONVERSATION_HELD'],
    ['GM0034', 'FOLLOW_UP'],
    ['GM0632', 'REFUSED'],
    ['GM0736', 'UNREACHABLE'],
    ['GM0995', 'CLOSED'],
  ].map(([m, s]) => ({ municipality: m, state: s as CaseState }));
  return [...utrecht, ...eemland, ...elsewhere];
}

const DAY = 86_400_000;

/**
 * Inserts the demo cases with a history that fits each state: referrals, transitions, visits with
 * visiting pairs, attempts in different slots, conversations, care referrals and follow-ups, dated
 * relative to now. Also a possible duplicate and a re-referral pair. Written straight to the tables
 * (demo data is not processing by a person, so it writes no audit events).
 */
export async function seedDemoCases(tx: Tx, world: DemoWorld, config: AppConfig): Promise<number> {
  // The same demo on every fresh database.
  const rng = new SeededRandom(20261128);
  const now = Date.now();
  const districtOf = async (code: string) => (await tx.one<{ m: string; d: string }>(`SELECT m.id AS m, m.parent_id AS d FROM areas m WHERE m.code = $1`, [code]))!;
  const visitorsFor = (code: string) =>
    EEM.includes(code) ? [world.userIds['police.eemland'], world.userIds['youth.eemland']] : code === UTR ? [world.userIds['police.utrecht'], world.userIds['youth.utrecht']] : [];
  const coordFor = (code: string) => (EEM.includes(code) ? world.userIds['coord.eemland'] : code === UTR ? world.userIds['coord.utrecht'] : null);
  const slots = config.workflow.timeSlots;
  let n = 0;
  const subjects: Array<{ id: string; given: string; family: string; dob: string; code: string }> = [];

  for (const spec of demoSpecs()) {
    n++;
    const given = GIVEN[n % GIVEN.length];
    const family = FAMILY[(n * 7) % FAMILY.length];
    const age = spec.minor ? 14 + (n % 3) : 17 + rng.int(0, 7);
    const dobDate = new Date(now - age * 365.25 * DAY - rng.int(0, 299) * DAY);
    const dob = dobDate.toISOString().slice(0, 10);
    const area = await districtOf(spec.municipality);
    const closedAgo = spec.closedMonthsAgo ? spec.closedMonthsAgo * 30 * DAY : 0;
    const start = now - closedAgo - (20 + rng.int(0, 39)) * DAY;
    const t = (days: number) => new Date(start + days * DAY);
    const postcode = `${POSTCODE_BASE[spec.municipality] ?? 3511 + (n % 80)} ${String.fromCharCode(65 + (n % 26))}${String.fromCharCode(65 + ((n * 3) % 26))}`;
    const subjectId = (await tx.one<{ id: string }>(
      `INSERT INTO subjects (family_name, given_names, date_of_birth, sex, street, house_number, postcode, municipality_code, municipality_id, phone, guardians,
         match_key, name_norm, lvb_suspected, address_verified_at, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id`,
      [
        family,
        given,
        dob,
        n % 2 ? 'MALE' : 'FEMALE',
        rng.pick(STREETS),
        String(1 + (n % 180)),
        postcode,
        spec.municipality,
        area.m,
        `06${String(10_000_000 + n * 7919).slice(0, 8)}`,
        JSON.stringify(spec.minor ? [{ name: `Ouder ${family}`, relation: 'PARENT', phone: `06${String(20_000_000 + n).slice(0, 8)}` }] : []),
        matchKey(config.intakeMatchKey, family, dob, given),
        nameForSimilarity(given, family),
        Boolean(spec.lvb),
        ['RECEIVED', 'TRIAGE', 'ON_HOLD'].includes(spec.state) ? null : t(2),
        t(0),
      ],
    ))!.id;
    subjects.push({ id: subjectId, given, family, dob, code: spec.municipality });
    const referrerKey = spec.referrer ?? (spec.source === 'POLICE' ? 'police-intake' : 'bank-a');
    const source = referrerKey === 'police-intake' ? 'POLICE' : 'BANK';
    const caseId = (await tx.one<{ id: string }>(
      `INSERT INTO cases (subject_id, district_id, municipality_code, state, state_changed_at, case_manager_user_id, created_at, police_clearance_confirmed_at, police_clearance_org_id, police_clearance_reference)
       VALUES ($1, $2, $3, 'RECEIVED', $4, $5, $4, $6, $7, $8) RETURNING id`,
      [subjectId, area.d, spec.municipality, t(0), coordFor(spec.municipality), ['RECEIVED', 'TRIAGE', 'ON_HOLD'].includes(spec.state) ? null : t(1), world.orgIds.police, `PCL-DEMO-${n}`],
    ))!.id;
    const referralStatus = spec.state === 'CLOSED' && spec.closure?.startsWith('NOT_ELIGIBLE') ? 'NOT_ACCEPTED' : ['RECEIVED', 'TRIAGE', 'ON_HOLD'].includes(spec.state) ? 'RECEIVED' : 'ACCEPTED';
    await tx.exec(
      `INSERT INTO referrals (case_id, subject_id, source_type, referrer_org_id, received_at, incident_month, reason_codes, legal_basis_code, status, decided_at, subject_match,
         external_reference, fraud_type, amount_band, notes, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'NEW', $11, $12, $13, $14, $5)`,
      [
        caseId,
        subjectId,
        source,
        world.orgIds[referrerKey],
        t(0),
        t(-20).toISOString().slice(0, 7),
        [rng.pick(['ACCOUNT_USED_FOR_FRAUD', 'CARD_PIN_HANDED_OVER', 'ACCOUNT_BLOCKED'])],
        rng.pick(config.workflow.legalBasisCodes),
        referralStatus,
        referralStatus === 'RECEIVED' ? null : t(1),
        `${source === 'BANK' ? 'INC' : 'PL0900'}-DEMO-${1000 + n}`,
        rng.pick(['MARKETPLACE', 'PHISHING', 'WHATSAPP_FRIEND_IN_NEED', 'BANK_HELPDESK']),
        rng.pick(['LT_1K', '1K_5K', '5K_25K']),
        source === 'POLICE' ? 'Demo: melding via politie-intake' : null,
      ],
    );
    const history: Array<[CaseState | null, CaseState, number, string | null]> = [[null, 'RECEIVED', 0, null]];
    const move = (to: CaseState, day: number, reason: string | null = null) => history.push([history[history.length - 1][1], to, day, reason]);
    const visitors = visitorsFor(spec.municipality);
    const planVisit = async (day: number, hour: number, status: 'PLANNED' | 'DONE', override = false) => {
      const startAt = new Date(Math.floor((start + day * DAY) / DAY) * DAY + (hour - 1) * 3_600_000);
      const slot = slotOf(startAt, slots, config.workflow.programmeTimeZone);
      const visitId = (await tx.one<{ id: string }>(
        `INSERT INTO visits (case_id, planned_start, planned_end, weekday, time_slot, status, address_snapshot, safety_notes, override_reason, override_comment, override_by_user_id, override_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id`,
        [
          caseId,
          startAt,
          new Date(startAt.getTime() + 3_600_000),
          slot.weekday,
          slot.slot ?? 'OUTSIDE_SLOTS',
          status,
          JSON.stringify({ street: 'Demostraat', houseNumber: String(n), postcode, municipalityCode: spec.municipality }),
          n % 5 === 0 ? 'Demo: hond aanwezig, bel eerst aan' : null,
          override ? 'SECOND_VISITOR_UNAVAILABLE' : null,
          override ? 'Demo: jongerenwerker ziek' : null,
          override ? coordFor(spec.municipality) : null,
          override ? t(day - 1) : null,
          t(day - 2),
        ],
      ))!.id;
      const vs = override ? visitors.slice(0, 1) : visitors;
      for (const [i, u] of vs.entries()) await tx.exec(`INSERT INTO visit_visitors (visit_id, user_id, role) VALUES ($1, $2, $3)`, [visitId, u, i === 0 ? 'police_officer' : 'youth_worker']);
      return { visitId, startAt, slot };
    };
    let attemptNo = 0;
    const attempt = async (visit: { visitId: string; startAt: Date; slot: { weekday: string; slot: string | null } }, result: string, counts = true) => {
      attemptNo++;
      return (await tx.one<{ id: string }>(
        `INSERT INTO visit_attempts (visit_id, case_id, attempt_no, occurred_at, weekday, time_slot, result, counts_toward_max, card_left, spoke_with, recorded_by_user_id, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $4) RETURNING id`,
        [visit.visitId, caseId, attemptNo, new Date(visit.startAt.getTime() + 15 * 60_000), visit.slot.weekday, visit.slot.slot ?? 'OUTSIDE_SLOTS', result, counts, result !== 'CONVERSATION_HELD', result === 'CONVERSATION_HELD' ? 'SUBJECT' : result === 'REFUSED_AT_DOOR' ? 'SUBJECT' : 'NONE', visitors[0] ?? world.userIds['police.utrecht']],
      ))!.id;
    };
    const reached = ['CONVERSATION_HELD', 'FOLLOW_UP'].includes(spec.state) || (spec.state === 'CLOSED' && ['FOLLOW_UP_COMPLETED', 'CARE_STARTED'].includes(spec.closure ?? ''));
    if (spec.state !== 'RECEIVED') move('TRIAGE', 1);
    if (spec.state === 'ON_HOLD') move('ON_HOLD', 2, 'INVESTIGATIVE_INTEREST');
    const pastTriage = !['RECEIVED', 'TRIAGE', 'ON_HOLD'].includes(spec.state) && !(spec.state === 'CLOSED' && spec.closure?.startsWith('NOT_ELIGIBLE'));
    if (pastTriage) move('READY_TO_PLAN', 3);
    let counted = 0;
    let firstAttempt: Date | null = null;
    let nextVisit: Date | null = null;
    if (spec.state === 'VISIT_PLANNED') {
      const v = await planVisit(Math.ceil((now - start) / DAY) + 1, 10, 'PLANNED', spec.override);
      move('VISIT_PLANNED', 4);
      nextVisit = v.startAt;
    }
    if (['NO_CONTACT', 'UNREACHABLE', 'REFUSED'].includes(spec.state) || (pastTriage && reached) || (spec.state === 'CLOSED' && spec.closure === 'REFUSED')) {
      const tries: Array<[number, number, string]> =
        spec.state === 'UNREACHABLE'
          ? [
              [5, 10, 'NOT_HOME'],
              [9, 18, 'NO_ANSWER'],
              [14, 14, 'NOT_HOME'],
            ]
          : spec.state === 'NO_CONTACT'
            ? [[5, 18, 'NOT_HOME']]
            : spec.state === 'REFUSED' || spec.closure === 'REFUSED'
              ? [[5, 19, 'REFUSED_AT_DOOR']]
              : [
                  [5, 11, 'NOT_HOME'],
                  [9, 19, 'CONVERSATION_HELD'],
                ];
      for (const [day, hour, result] of tries) {
        move('VISIT_PLANNED', day - 1);
        const v = await planVisit(day, hour, 'DONE');
        const attemptId = await attempt(v, result);
        firstAttempt ??= new Date(v.startAt.getTime() + 15 * 60_000);
        if (result !== 'CONVERSATION_HELD' && result !== 'REFUSED_AT_DOOR') counted++;
        const to: CaseState = result === 'CONVERSATION_HELD' ? 'CONVERSATION_HELD' : result === 'REFUSED_AT_DOOR' ? 'REFUSED' : counted >= config.workflow.maxAttempts ? 'UNREACHABLE' : 'NO_CONTACT';
        move(to, day, result);
        if (result === 'CONVERSATION_HELD') {
          await tx.exec(
            `INSERT INTO conversations (attempt_id, case_id, held_at, duration_min, location, parent_present, parent_absent_reason, topics_covered, recruitment_channel,
               subject_acknowledges_involvement, coercion_indicated, debt_indicated, awareness_before, awareness_after, intends_to_refuse_future_requests,
               consent_follow_up_given, consent_follow_up_given_by, consent_care_share_given, consent_care_share_scope, agreements, youth_work_notes, recorded_by_user_id)
             VALUES ($1, $2, $3, 45, 'INSIDE', $4, $5, $6, $7, 'PARTLY', $8, true, 2, 4, 'YES', true, $9, true, '{NAME,PHONE}', $10, $11, $12)`,
            [
              attemptId,
              caseId,
              new Date(v.startAt.getTime() + 15 * 60_000),
              spec.minor === 'absent' ? false : spec.minor ? true : null,
              spec.minor === 'absent' ? 'PARENT_NOT_AVAILABLE_SUBJECT_AGREED' : null,
              ['LEGAL_CONSEQUENCES', 'BANK_CONSEQUENCES_IVR_EVR', 'HOW_TO_SAY_NO'],
              rng.pick(['SNAPCHAT', 'INSTAGRAM', 'TELEGRAM']),
              n % 4 === 0,
              spec.minor ? 'BOTH' : 'SUBJECT',
              spec.agreements ? 'Demo: elke week even bellen met de jongerenwerker' : null,
              spec.agreements ? 'Demo: vertrouwelijke notitie jongerenwerk' : null,
              visitors[1] ?? visitors[0] ?? world.userIds['youth.utrecht'],
            ],
          );
        }
      }
    }
    let nextFollowUp: Date | null = null;
    if (spec.state === 'FOLLOW_UP' || (spec.state === 'CLOSED' && reached)) {
      move('FOLLOW_UP', 12);
      await tx.exec(`INSERT INTO care_referrals (case_id, type, provider_organisation_id, proposed_at, status, status_at, data_shared_fields) VALUES ($1, 'DEBT_SERVICE', $2, $3, $4, $3, '{NAME,PHONE}')`, [
        caseId,
        world.orgIds.debt,
        t(10),
        spec.state === 'CLOSED' ? 'STARTED' : 'SENT',
      ]);
      const due = t(9 + config.workflow.followUpIntervalDays);
      const done = spec.state === 'CLOSED';
      await tx.exec(`INSERT INTO follow_up_contacts (case_id, sequence_no, due_at, occurred_at, channel, result, awareness_now) VALUES ($1, 1, $2, $3, $4, $5, $6)`, [
        caseId,
        due,
        done ? due : null,
        done ? 'PHONE' : null,
        done ? 'REACHED' : null,
        done ? 4 : null,
      ]);
      if (!done) nextFollowUp = due;
    }
    let closure: { reason: string; group: string; at: Date } | null = null;
    if (spec.state === 'CLOSED') {
      const reason = spec.closure ?? (pastTriage ? 'TRANSFERRED' : 'WITHDRAWN');
      const group = reason.startsWith('NOT_ELIGIBLE') ? 'NOT_ELIGIBLE' : reason === 'REFUSED' ? 'NOT_REACHED' : reason === 'TRANSFERRED' ? 'ENDED_OTHER' : reason === 'WITHDRAWN' ? 'WITHDRAWN' : 'REACHED';
      const at = spec.closedMonthsAgo ? new Date(now - closedAgo) : t(30);
      move('CLOSED', (at.getTime() - start) / DAY, reason);
      closure = { reason, group, at };
    }
    for (const [from, to, day, reason] of history) {
      await tx.exec(`INSERT INTO case_transitions (case_id, from_state, to_state, at, by_user_id, by_role, reason_code) VALUES ($1, $2, $3, $4, $5, $6, $7)`, [
        caseId,
        from,
        to,
        t(day),
        from === null ? null : coordFor(spec.municipality),
        from === null ? 'referrer' : 'coordinator',
        reason,
      ]);
    }
    const last = history[history.length - 1];
    await tx.exec(
      `UPDATE cases SET state = $2, state_changed_at = $3, counted_attempts = $4, first_attempt_at = $5, next_visit_at = $6, next_follow_up_due_at = $7,
         hold_reason = $8, hold_until = $9, closure_reason = $10, closure_group = $11, closed_at = $12, has_unreviewed_signal = $13 WHERE id = $1`,
      [
        caseId,
        last[1],
        t(last[2]),
        counted,
        firstAttempt,
        nextVisit,
        nextFollowUp,
        spec.state === 'ON_HOLD' ? 'INVESTIGATIVE_INTEREST' : null,
        spec.state === 'ON_HOLD' ? new Date(now + 30 * DAY) : null,
        closure?.reason ?? null,
        closure?.group ?? null,
        closure?.at ?? null,
        Boolean(spec.secondSignal),
      ],
    );
    if (spec.secondSignal) {
      await tx.exec(
        `INSERT INTO referrals (case_id, subject_id, source_type, referrer_org_id, received_at, reason_codes, legal_basis_code, status, attached_to_open_case, subject_match)
         VALUES ($1, $2, 'BANK', $3, $4, '{ACCOUNT_BLOCKED}', $5, 'RECEIVED', true, 'LINKED')`,
        [caseId, subjectId, world.orgIds['bank-a'], new Date(now - 2 * DAY), config.workflow.legalBasisCodes[0]],
      );
    }
  }

  // A possible duplicate: one letter off, day and month swapped, still in triage.
  const orig = subjects[5];
  const [y, m, d] = orig.dob.split('-');
  const swapped = Number(d) <= 12 ? `${y}-${d}-${m}` : orig.dob;
  const area = await districtOf(orig.code);
  const dupId = (await tx.one<{ id: string }>(
    `INSERT INTO subjects (family_name, given_names, date_of_birth, sex, street, house_number, postcode, municipality_code, municipality_id, match_key, name_norm, duplicate_status, possible_duplicate_of_id)
     VALUES ($1, $2, $3, 'UNKNOWN', 'Voorbeeldlaan', '3', '3511 XY', $4, $5, $6, $7, 'POSSIBLE', $8) RETURNING id`,
    [`${orig.family}e`, orig.given, swapped, orig.code, area.m, matchKey(config.intakeMatchKey, `${orig.family}e`, swapped, orig.given), nameForSimilarity(orig.given, `${orig.family}e`), orig.id],
  ))!.id;
  const dupCase = (await tx.one<{ id: string }>(`INSERT INTO cases (subject_id, district_id, municipality_code, state, state_changed_at) VALUES ($1, $2, $3, 'TRIAGE', now()) RETURNING id`, [dupId, area.d, orig.code]))!.id;
  await tx.exec(`INSERT INTO referrals (case_id, subject_id, source_type, referrer_org_id, received_at, reason_codes, legal_basis_code, subject_match) VALUES ($1, $2, 'BANK', $3, now() - interval '1 day', '{ACCOUNT_USED_FOR_FRAUD}', $4, 'POSSIBLE_DUPLICATE')`, [
    dupCase,
    dupId,
    world.orgIds['bank-a'],
    config.workflow.legalBasisCodes[0],
  ]);
  await tx.exec(`INSERT INTO case_transitions (case_id, from_state, to_state, at, by_role) VALUES ($1, NULL, 'RECEIVED', now() - interval '1 day', 'referrer'), ($1, 'RECEIVED', 'TRIAGE', now(), 'coordinator')`, [dupCase]);

  // A re-referral pair: the subject of the case closed 25 months ago is referred again.
  const returning = (await tx.one<{ subject_id: string; id: string; closed_at: Date; district_id: string; municipality_code: string }>(
    `SELECT subject_id, id, closed_at, district_id, municipality_code FROM cases WHERE closure_reason = 'FOLLOW_UP_COMPLETED' ORDER BY closed_at LIMIT 1`,
  ))!;
  const reCase = (await tx.one<{ id: string }>(
    `INSERT INTO cases (subject_id, district_id, municipality_code, state, state_changed_at, episode_no, previous_case_id, re_referral, days_since_previous_closure)
     VALUES ($1, $2, $3, 'RECEIVED', now(), 2, $4, true, $5) RETURNING id`,
    [returning.subject_id, returning.district_id, returning.municipality_code, returning.id, Math.floor((now - returning.closed_at.getTime()) / DAY)],
  ))!.id;
  await tx.exec(`INSERT INTO referrals (case_id, subject_id, source_type, referrer_org_id, received_at, reason_codes, legal_basis_code, subject_match) VALUES ($1, $2, 'BANK', $3, now(), '{ACCOUNT_USED_FOR_FRAUD}', $4, 'LINKED')`, [
    reCase,
    returning.subject_id,
    world.orgIds['bank-a'],
    config.workflow.legalBasisCodes[0],
  ]);
  await tx.exec(`INSERT INTO case_transitions (case_id, from_state, to_state, at, by_role) VALUES ($1, NULL, 'RECEIVED', now(), 'referrer')`, [reCase]);
  return n + 2;
}
