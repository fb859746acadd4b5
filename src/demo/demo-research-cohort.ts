import { WEEKDAYS } from '../common/domain-enums.js';
import { SeededRandom } from '../common/seeded-random.js';
import { wallClockMs } from '../common/time-zone.js';
import type { AppConfig, TimeSlot } from '../config/app-config.js';
import type { Tx } from '../database/tx.js';
import type { GeographyInput } from '../research/registry/registry.types.js';
import { addDays, addMonths, monthOf, quarterEndOfMonth } from '../research/releases/calendar.js';
import { releaseMonths, wholeYears } from '../research/releases/release-derivation.js';
import { firstInitial, matchKey, nameForSimilarity, normaliseFamilyName } from '../subjects/subject-matching.js';
import type { DemoWorld } from './demo-seed.service.js';
import { DISTRICTS, REGION } from './geography.js';

/**
 * A closed historic cohort for the research demo: about 600 young people first visited in the six quarters that a
 * release at the last full quarter end before the seed date includes, each with a complete, workflow-shaped history
 * (referral, triage, visits and attempts in different slots, conversation, care, follow-up, closure) and, for some, an
 * earlier case without a visit or a later re-referral. Everything is dated relative to the seed time, drawn from one
 * seeded generator, and written with one multi-row INSERT per table. Like the rest of the demo it writes no audit events.
 */

export const RESEARCH_COHORT_PERSONS = 600;
const SEED = 20_261_201;
const ID_SEED = SEED ^ 0x5eed;

/** The release the cohort is built for: its cutoff, its window and the six quarters the persons are spread over. */
export interface ResearchCohortWindow {
  /** The last full quarter end before the seed date. */
  cutoff: string;
  /** First month of the six quarters whose process window has closed at the cutoff. */
  fromMonth: string;
  /** The 18 months of those quarters. */
  months: string[];
}

export function researchCohortWindow(seedTime: Date, timeZone: string): ResearchCohortWindow {
  const today = new LocalClock(timeZone).dateOf(seedTime);
  const cutoff = quarterEndOfMonth(monthOf(addMonths(`${today.slice(0, 7)}-01`, -3)));
  // Quarter end + 120 days ≤ cutoff holds for the quarter ending two quarters before the cutoff, never for the one before.
  const lastIncluded = quarterEndOfMonth(monthOf(addMonths(`${cutoff.slice(0, 7)}-01`, -6)));
  const fromMonth = monthOf(addMonths(`${lastIncluded.slice(0, 7)}-01`, -17));
  return { cutoff, fromMonth, months: releaseMonths(fromMonth, cutoff) };
}

/** The demo's districts as the research geography hierarchy (municipality → district → region). */
export function demoResearchGeography(): GeographyInput {
  return {
    regions: [{ code: REGION.code, label: REGION.name, districts: DISTRICTS.map((d) => d.code) }],
    districts: DISTRICTS.map((d) => ({ code: d.code, label: d.name, municipalities: d.municipalities.map(([code]) => code) })),
    municipalities: DISTRICTS.flatMap((d) => d.municipalities.map(([code, label]) => ({ code, label }))),
  };
}

/** Demo content seeder (DemoContentSeeder shape). Idempotent: a second run finds the cohort's first subject and stops. */
export async function seedResearchCohort(tx: Tx, world: DemoWorld, config: AppConfig): Promise<void> {
  await seedResearchCohortAt(tx, world, config, new Date());
}

/** The same, at a given seed time; returns the number of persons written (0 when the cohort already exists). */
export async function seedResearchCohortAt(tx: Tx, world: DemoWorld, config: AppConfig, seedTime: Date): Promise<number> {
  // Ids come from their own seeded stream and the first one drawn is the first subject's: it marks the cohort.
  if (await tx.one(`SELECT 1 FROM subjects WHERE id = $1`, [new SeededRandom(ID_SEED).uuid()])) return 0;
  const plan = new CohortPlan(world, config, seedTime);
  for (let i = 0; i < RESEARCH_COHORT_PERSONS; i += 1) plan.person(i);
  await plan.insert(tx);
  return RESEARCH_COHORT_PERSONS;
}

/**
 * Local dates and wall-clock times in the programme time zone. The zone's offset is looked up at noon, once per month
 * when the month starts and ends on the same offset and once per date in the two months with a daylight-saving change;
 * the changes happen at night and every cohort event lies between 08:00 and 21:00 local time.
 */
class LocalClock {
  private readonly offsets = new Map<string, number>();
  constructor(readonly timeZone: string) {}
  private wall(ms: number): number {
    return wallClockMs(ms, this.timeZone);
  }
  private offsetAtNoon(date: string): number {
    const noon = Date.parse(`${date}T12:00:00Z`);
    const guess = this.wall(noon) - noon;
    return this.wall(noon - guess) - (noon - guess);
  }
  private offset(date: string): number {
    const month = date.slice(0, 7);
    let whole = this.offsets.get(month);
    if (whole === undefined) {
      const first = this.offsetAtNoon(`${month}-01`);
      whole = first === this.offsetAtNoon(addDays(addMonths(`${month}-01`, 1), -1)) ? first : Number.NaN;
      this.offsets.set(month, whole);
    }
    if (!Number.isNaN(whole)) return whole;
    let day = this.offsets.get(date);
    if (day === undefined) {
      day = this.offsetAtNoon(date);
      this.offsets.set(date, day);
    }
    return day;
  }
  dateOf(at: Date): string {
    return new Date(this.wall(at.getTime())).toISOString().slice(0, 10);
  }
  /** The instant at `minutes` past local midnight of `date` (from 03:00 on, past any daylight-saving change). */
  at(date: string, minutes: number): Date {
    return new Date(Date.parse(`${date}T00:00:00Z`) + minutes * 60_000 - this.offset(date));
  }
}

const daysBetween = (from: string, to: string) => Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
const minutes = (d: Date, m: number) => new Date(d.getTime() + m * 60_000);

/** Bigger municipalities first, weighted 1/rank (Zipf), so the smallest still see a dozen persons. */
const MUNICIPALITIES_BY_SIZE = ['GM0344', 'GM0034', 'GM0307', 'GM0402', 'GM0995', 'GM1942', 'GM0632', 'GM0342', 'GM0736', 'GM0406', 'GM0327', 'GM0308', 'GM0313', 'GM1696'];
const MUNICIPALITY_WEIGHTS = MUNICIPALITIES_BY_SIZE.map((m, i) => [m, 1 / (i + 1)] as const);
const AGE_WEIGHTS = [[14, 2], [15, 4], [16, 6], [17, 9], [18, 11], [19, 11], [20, 10], [21, 9], [22, 7], [23, 5], [24, 4], [25, 3], [26, 2], [27, 1.5]] as const;
const SEX_WEIGHTS = [['MALE', 62], ['FEMALE', 36], ['X', 1], ['UNKNOWN', 1]] as const;
const SOURCE_WEIGHTS = [['BANK', 56], ['POLICE', 36], ['HALT', 3.5], ['SCHOOL', 3], ['SELF', 1.5]] as const;
/** Days from referral to the first knock: most within two weeks (the target is 14 days), a tail beyond a month. */
const DELAY_WEIGHTS: ReadonlyArray<readonly [readonly [number, number], number]> = [[[1, 7], 30], [[8, 14], 35], [[15, 30], 25], [[31, 60], 10]];
const OUTCOME_WEIGHTS = [['conversation', 55], ['refused', 20], ['unreachable', 20], ['withdrawn', 5]] as const;

const GIVEN = {
  FEMALE: ['Sanne', 'Lotte', 'Noor', 'Fleur', 'Iris', 'Yara', 'Lina', 'Nina', 'Esmee', 'Romy', 'Jasmijn', 'Demi', 'Aya', 'Selin', 'Amira', 'Lieke', 'Floor', 'Maud', 'Elif', 'Zoë'],
  MALE: ['Daan', 'Sem', 'Milan', 'Levi', 'Finn', 'Bram', 'Thijs', 'Jesse', 'Ruben', 'Stijn', 'Luuk', 'Mees', 'Amin', 'Yassin', 'Mehmet', 'Bilal', 'Rayan', 'Kyan', 'Dani', 'Joep'],
  OTHER: ['Robin', 'Sam', 'Kim', 'Charlie', 'Alex', 'Noa'],
};
/** Family names are composed from syllables, so no generated person is a real one by design. */
const NAME_PREFIXES = ['', '', '', '', 'van ', 'de ', 'van der ', 'ter ', 'van den '];
const NAME_ROOTS = ['Bel', 'Dros', 'Gerv', 'Holt', 'Kamp', 'Lind', 'Mol', 'Oost', 'Rijn', 'Stee', 'Vel', 'Wes', 'Zand', 'Brak', 'Dijk', 'Eng', 'Fok', 'Haar', 'Jon', 'Kort', 'Lam', 'Nij', 'Pol', 'Ros', 'Snel', 'Tuin', 'Vree', 'Wol', 'Ypel', 'Tolk'];
const NAME_ENDINGS = ['ink', 'huis', 'man', 'stra', 'veld', 'kamp', 'dijk', 'hof', 'broek', 'sma', 'ert', 'inga', 'ema', 'erink', 'horst', 'beek', 'sloot', 'water', 'graaf', 'mans'];
const STREETS = ['Demostraat', 'Voorbeeldlaan', 'Proefweg', 'Oefenplein', 'Testkade', 'Fictiefhof', 'Verzinsingel', 'Schetsstraat', 'Cohortlaan', 'Steekproefweg'];
const POSTCODE_BASE: Record<string, number> = { GM0344: 3511, GM0307: 3811, GM0342: 3761, GM0308: 3741, GM0327: 3831, GM0313: 3751, GM0402: 1211, GM1942: 1401, GM0406: 1271, GM1696: 1231, GM0034: 1311, GM0995: 8211, GM0632: 3441, GM0736: 3641 };
/** Dutch postcodes never use SA, SD or SS. */
const POSTCODE_LETTERS = 'ABCEGHJKLMNPRTVWXZ';

const NO_CONTACT_RESULTS = ['NOT_HOME', 'NOT_HOME', 'NO_ANSWER', 'SPOKE_TO_HOUSEHOLD_MEMBER_ONLY'] as const;
const UNCOUNTED = new Set(['WRONG_ADDRESS', 'MOVED', 'ABORTED_SAFETY']);
/** A card through the door when nobody useful answered [S17]. */
const CARD_LEFT_AFTER = new Set<string>(NO_CONTACT_RESULTS);

type Row = unknown[];
interface Rows {
  subjects: Row[];
  cases: Row[];
  referrals: Row[];
  transitions: Row[];
  visits: Row[];
  visitors: Row[];
  attempts: Row[];
  conversations: Row[];
  careReferrals: Row[];
  followUps: Row[];
}

interface CaseDraft {
  id: string;
  subjectId: string;
  municipality: string;
  districtId: string;
  coordinator: string | null;
  visitors: string[];
  episodeNo: number;
  previous: { id: string; closedAt: Date } | null;
  receivedAt: Date;
  state: string;
  stateAt: Date;
  counted: number;
  attemptNo: number;
  firstAttemptAt: Date | null;
  clearance: Date | null;
  hold: { reason: string; until: Date } | null;
}

/** Builds the rows of the whole cohort in memory; `insert` writes them with one statement per table. */
class CohortPlan {
  readonly rows: Rows = { subjects: [], cases: [], referrals: [], transitions: [], visits: [], visitors: [], attempts: [], conversations: [], careReferrals: [], followUps: [] };
  private readonly rng = new SeededRandom(SEED);
  private readonly ids = new SeededRandom(ID_SEED);
  private readonly clock: LocalClock;
  private readonly window: ResearchCohortWindow;
  private readonly firstDay: string;
  private readonly spanDays: number;
  /** Nothing in the cohort happens later than this local date: it is all history at the seed time. */
  private readonly latestDay: string;
  private readonly matchKeys = new Set<string>();
  /** Each subject's address, copied into the snapshot of every visit (nobody in the cohort moves). */
  private readonly addresses = new Map<string, { street: string; houseNumber: string; postcode: string; municipalityCode: string }>();
  private readonly slots: TimeSlot[];

  constructor(
    private readonly world: DemoWorld,
    private readonly config: AppConfig,
    seedTime: Date,
  ) {
    this.clock = new LocalClock(config.workflow.programmeTimeZone);
    this.window = researchCohortWindow(seedTime, config.workflow.programmeTimeZone);
    this.firstDay = `${this.window.fromMonth}-01`;
    this.spanDays = daysBetween(this.firstDay, quarterEndOfMonth(this.window.months[this.window.months.length - 1]!)) + 1;
    this.latestDay = addDays(this.clock.dateOf(seedTime), -2);
    this.slots = config.workflow.timeSlots;
  }

  person(n: number): void {
    const rng = this.rng;
    const municipality = rng.weighted(MUNICIPALITY_WEIGHTS);
    const sex = rng.weighted(SEX_WEIGHTS);
    const age = rng.weighted(AGE_WEIGHTS);
    const indexDay = addDays(this.firstDay, rng.int(0, this.spanDays - 1));
    // Whole years at the index date stay `age`: at most 360 days past the birthday.
    const dob = addDays(addMonths(indexDay, -12 * age), -rng.int(0, 360));
    const [lo, hi] = rng.weighted(DELAY_WEIGHTS);
    const referredDay = addDays(indexDay, -rng.int(lo, hi));
    // A few persons had an earlier signal that never reached a visit: held for the police, or not eligible then.
    const priors = rng.chance(0.015) ? 2 : rng.chance(0.06) ? 1 : 0;
    const priorStarts: string[] = [];
    for (let i = 0, day = referredDay; i < priors; i += 1) {
      day = addDays(day, -rng.int(150, 420));
      priorStarts.unshift(day);
    }
    const subjectId = this.subject(n, municipality, sex, dob, age < 18, priorStarts[0] ?? referredDay);
    let previous: CaseDraft | null = null;
    for (const day of priorStarts) previous = this.priorCase(subjectId, municipality, day, previous);

    const source = rng.weighted(SOURCE_WEIGHTS);
    const kase = this.openCase(subjectId, municipality, referredDay, source, previous, this.incidentMonth(referredDay), 'ACCEPTED');
    const closedDay = this.indexCaseHistory(kase, source, referredDay, indexDay, age);
    this.rereferral(kase, dob, indexDay, closedDay);
  }

  private subject(n: number, municipality: string, sex: (typeof SEX_WEIGHTS)[number][0], dob: string, minor: boolean, createdDay: string): string {
    const rng = this.rng;
    const givenList = sex === 'FEMALE' ? GIVEN.FEMALE : sex === 'MALE' ? GIVEN.MALE : GIVEN.OTHER;
    let given = rng.pick(givenList);
    let family = `${rng.pick(NAME_PREFIXES)}${rng.pick(NAME_ROOTS)}${rng.pick(NAME_ENDINGS)}`;
    // The exact-match key (family name, date of birth, initial) is unique among live subjects.
    while (this.matchKeys.has(`${normaliseFamilyName(family)}|${dob}|${firstInitial(given)}`)) {
      given = rng.pick(givenList);
      family = `${rng.pick(NAME_PREFIXES)}${rng.pick(NAME_ROOTS)}${rng.pick(NAME_ENDINGS)}`;
    }
    this.matchKeys.add(`${normaliseFamilyName(family)}|${dob}|${firstInitial(given)}`);
    const id = this.ids.uuid();
    const address = {
      street: rng.pick(STREETS),
      houseNumber: String(1 + ((n * 37) % 240)),
      postcode: `${POSTCODE_BASE[municipality]! + rng.int(0, 30)} ${rng.pick([...POSTCODE_LETTERS])}${rng.pick([...POSTCODE_LETTERS])}`,
      municipalityCode: municipality,
    };
    this.addresses.set(id, address);
    // Registered with the first referral (which arrives after 08:00); the address is verified during triage.
    const created = this.clock.at(createdDay, 8 * 60);
    this.rows.subjects.push([
      id,
      family,
      given,
      dob,
      sex,
      address.street,
      address.houseNumber,
      address.postcode,
      municipality,
      this.world.geography.municipalityIds[municipality],
      JSON.stringify(minor ? [{ name: `Ouder ${family}`, relation: 'PARENT', phone: null }] : []),
      matchKey(this.config.intakeMatchKey, family, dob, given).toString('hex'),
      nameForSimilarity(given, family),
      minutes(created, 3 * 60),
      created,
    ]);
    return id;
  }

  private districtOf(municipality: string): string {
    return DISTRICTS.find((d) => d.municipalities.some(([code]) => code === municipality))!.code;
  }

  /** A case opened by a referral at a morning hour of `day`; its RECEIVED transition is written at once. */
  private openCase(subjectId: string, municipality: string, day: string, source: string, previous: CaseDraft | null, incidentMonth: string | null, status: string): CaseDraft {
    const rng = this.rng;
    const district = this.districtOf(municipality);
    const users = this.world.userIds;
    const coordinator = district === 'UTRECHT_STAD' ? users['coord.utrecht']! : district === 'EEMLAND' ? users['coord.eemland']! : null;
    const visitors = district === 'UTRECHT_STAD' ? [users['police.utrecht']!, users['youth.utrecht']!] : district === 'EEMLAND' ? [users['police.eemland']!, users['youth.eemland']!] : [];
    const received = this.clock.at(day, 8 * 60 + rng.int(0, 110));
    const kase: CaseDraft = {
      id: this.ids.uuid(),
      subjectId,
      municipality,
      districtId: this.world.geography.districtIds[district]!,
      coordinator,
      visitors,
      episodeNo: previous ? previous.episodeNo + 1 : 1,
      previous: previous ? { id: previous.id, closedAt: previous.stateAt } : null,
      receivedAt: received,
      state: 'RECEIVED',
      stateAt: received,
      counted: 0,
      attemptNo: 0,
      firstAttemptAt: null,
      clearance: null,
      hold: null,
    };
    this.referral(kase, source, received, incidentMonth, false, status);
    this.rows.transitions.push([kase.id, null, 'RECEIVED', received, null, 'referrer', null]);
    return kase;
  }

  private incidentMonth(day: string): string | null {
    return this.rng.chance(0.15) ? null : monthOf(addDays(day, -this.rng.int(0, 60)));
  }

  private referral(kase: CaseDraft, source: string, at: Date, incidentMonth: string | null, attached: boolean, status = 'ACCEPTED'): void {
    const rng = this.rng;
    const users = this.world.userIds;
    const orgs = this.world.orgIds;
    const [org, submittedBy] =
      source === 'BANK'
        ? rng.chance(0.7)
          ? [orgs['bank-a'], users['bank.intake']]
          : [orgs['bank-b'], null]
        : source === 'POLICE'
          ? [orgs['police-intake'], users['police.intake']]
          : [orgs.prog, kase.coordinator];
    this.rows.referrals.push([
      this.ids.uuid(),
      kase.id,
      kase.subjectId,
      source,
      org,
      submittedBy ?? null,
      at,
      incidentMonth,
      rng.pick(['ACCOUNT_USED_FOR_FRAUD', 'ACCOUNT_USED_FOR_FRAUD', 'CARD_PIN_HANDED_OVER', 'ACCOUNT_BLOCKED', 'APPROACHED_BY_RECRUITER']),
      rng.pick(this.config.workflow.legalBasisCodes),
      status,
      status === 'RECEIVED' ? null : minutes(at, rng.int(60, 60 * 48)),
      attached,
      attached || kase.episodeNo > 1 ? 'LINKED' : 'NEW',
      source === 'BANK' || source === 'POLICE' ? rng.pick(['WHATSAPP_FRIEND_IN_NEED', 'MARKETPLACE', 'BANK_HELPDESK', 'PHISHING', 'UNKNOWN']) : null,
      source === 'BANK' ? rng.pick(['LT_1K', '1K_5K', '1K_5K', '5K_25K', 'UNKNOWN']) : null,
    ]);
  }

  private move(kase: CaseDraft, to: string, at: Date, reason: string | null = null, byVisitor = false): void {
    const byUser = byVisitor ? (kase.visitors[0] ?? null) : kase.coordinator;
    this.rows.transitions.push([kase.id, kase.state, to, at, byUser, byVisitor ? 'police_officer' : 'coordinator', reason]);
    kase.state = to;
    kase.stateAt = at;
  }

  private close(kase: CaseDraft, day: string, reason: string, group: string): void {
    const at = this.clock.at(day, 9 * 60 + this.rng.int(0, 480));
    this.move(kase, 'CLOSED', at, reason);
    this.rows.cases.push([
      kase.id,
      kase.subjectId,
      kase.districtId,
      kase.municipality,
      'CLOSED',
      at,
      kase.coordinator,
      kase.episodeNo,
      kase.previous?.id ?? null,
      kase.previous !== null,
      kase.previous ? Math.floor((kase.receivedAt.getTime() - kase.previous.closedAt.getTime()) / 86_400_000) : null,
      kase.counted,
      kase.firstAttemptAt,
      kase.clearance,
      kase.clearance ? this.world.orgIds.police : null,
      kase.clearance ? `PCL-DEMO-R${this.rows.cases.length + 1}` : null,
      reason,
      group,
      at,
      kase.hold?.reason ?? null,
      kase.hold?.until ?? null,
      kase.receivedAt,
    ]);
  }

  /** Triage and planning between the referral and the first knock, police clearance where G2 asks for it. */
  private triage(kase: CaseDraft, referredDay: string, firstVisitDay: string, source: string): void {
    const d = daysBetween(referredDay, firstVisitDay);
    const triage = this.clock.at(addDays(referredDay, Math.floor(d * 0.2)), 11 * 60 + this.rng.int(0, 50));
    this.move(kase, 'TRIAGE', triage);
    if (this.config.workflow.policeClearanceSources.includes(source)) kase.clearance = minutes(triage, 60);
    this.move(kase, 'READY_TO_PLAN', this.clock.at(addDays(referredDay, Math.floor(d * 0.5)), 13 * 60 + this.rng.int(0, 50)));
  }

  /** Weekday and slot of a local wall-clock time, as `slotOf` derives them from an instant (G7). */
  private slotAt(date: string, minutesPastMidnight: number): { weekday: string; slot: string | null } {
    const hour = minutesPastMidnight / 60;
    return { weekday: WEEKDAYS[(new Date(`${date}T00:00:00Z`).getUTCDay() + 6) % 7]!, slot: this.slots.find((x) => hour >= x.startHour && hour < x.endHour)?.code ?? null };
  }

  /** One visit with one attempt in a slot; the case moves as the attempt's result says (§2.2). */
  private knock(kase: CaseDraft, day: string, slotIndex: number, planDay: string, result: string, spokeWith: string): Date {
    const rng = this.rng;
    const slot = this.slots[slotIndex % this.slots.length]!;
    const startMinutes = (slot.startHour + rng.int(0, Math.max(0, slot.endHour - slot.startHour - 1))) * 60;
    const plannedStart = this.clock.at(day, startMinutes);
    const planned = this.slotAt(day, startMinutes);
    const plannedAt = this.clock.at(planDay, 15 * 60 + rng.int(0, 50));
    this.move(kase, 'VISIT_PLANNED', plannedAt);
    const visitId = this.ids.uuid();
    this.rows.visits.push([
      visitId,
      kase.id,
      plannedStart,
      minutes(plannedStart, 60),
      planned.weekday,
      planned.slot ?? 'OUTSIDE_SLOTS',
      'DONE',
      JSON.stringify(this.addresses.get(kase.subjectId)),
      plannedAt,
    ]);
    kase.visitors.forEach((u, i) => this.rows.visitors.push([visitId, u, i === 0 ? 'police_officer' : 'youth_worker']));
    const occurred = minutes(plannedStart, rng.int(10, 30));
    const counts = !UNCOUNTED.has(result);
    kase.attemptNo += 1;
    if (counts) kase.counted += 1;
    kase.firstAttemptAt ??= occurred;
    const attemptId = this.ids.uuid();
    const recorder = kase.visitors[0] ?? this.world.userIds['police.utrecht']!;
    this.rows.attempts.push([attemptId, visitId, kase.id, kase.attemptNo, occurred, planned.weekday, planned.slot ?? 'OUTSIDE_SLOTS', result, counts, CARD_LEFT_AFTER.has(result) && rng.chance(0.7), spokeWith, recorder, occurred]);
    const to =
      result === 'CONVERSATION_HELD'
        ? 'CONVERSATION_HELD'
        : result === 'REFUSED_AT_DOOR'
          ? 'REFUSED'
          : counts && kase.counted >= this.config.workflow.maxAttempts
            ? 'UNREACHABLE'
            : 'NO_CONTACT';
    this.move(kase, to, occurred, result, true);
    return occurred;
  }

  /** Attempts on days `indexDay`, then every 2–9 days, each in the next slot so no (weekday, slot) pair repeats (G7). */
  private knocks(kase: CaseDraft, referredDay: string, indexDay: string, results: string[], minor: boolean): { day: string; at: Date; attemptId: string } {
    let day = indexDay;
    let planDay = addDays(referredDay, Math.floor(daysBetween(referredDay, indexDay) * 0.7));
    const firstSlot = this.rng.int(0, this.slots.length - 1);
    let at = new Date(0);
    results.forEach((result, k) => {
      if (k > 0) {
        planDay = addDays(day, 1);
        day = addDays(day, this.rng.int(2, 9));
      }
      const spokeWith = result === 'CONVERSATION_HELD' ? 'SUBJECT' : result === 'REFUSED_AT_DOOR' ? (minor && this.rng.chance(0.4) ? 'PARENT' : 'SUBJECT') : result === 'SPOKE_TO_HOUSEHOLD_MEMBER_ONLY' || result === 'WRONG_ADDRESS' ? (minor ? 'PARENT' : 'OTHER_ADULT') : 'NONE';
      at = this.knock(kase, day, firstSlot + k, planDay, result, spokeWith);
    });
    return { day, at, attemptId: this.rows.attempts[this.rows.attempts.length - 1]![0] as string };
  }

  /** The index case from referral to closure; returns the local closure date. */
  private indexCaseHistory(kase: CaseDraft, source: string, referredDay: string, indexDay: string, age: number): string {
    const rng = this.rng;
    const minor = age < 18;
    this.triage(kase, referredDay, indexDay, source);
    const outcome = rng.weighted(OUTCOME_WEIGHTS);
    const noContact = () => rng.pick(NO_CONTACT_RESULTS);

    if (outcome === 'refused') {
      const results = rng.chance(0.7) ? ['REFUSED_AT_DOOR'] : [noContact(), 'REFUSED_AT_DOOR'];
      const last = this.knocks(kase, referredDay, indexDay, results, minor);
      const day = addDays(last.day, rng.int(2, 14));
      this.close(kase, day, 'REFUSED', 'NOT_REACHED');
      return day;
    }
    if (outcome === 'unreachable') {
      const results = Array.from({ length: this.config.workflow.maxAttempts }, noContact);
      const last = this.knocks(kase, referredDay, indexDay, results, minor);
      const day = addDays(last.day, rng.int(5, 30));
      this.close(kase, day, 'UNREACHABLE', 'NOT_REACHED');
      return day;
    }
    if (outcome === 'withdrawn') {
      const results = rng.chance(0.75) ? [rng.chance(0.12) ? 'WRONG_ADDRESS' : noContact()] : [noContact(), noContact()];
      const last = this.knocks(kase, referredDay, indexDay, results, minor);
      const day = addDays(last.day, rng.int(3, 30));
      if (rng.chance(0.8)) this.close(kase, day, 'WITHDRAWN', 'WITHDRAWN');
      else this.close(kase, day, 'TRANSFERRED', 'ENDED_OTHER');
      return day;
    }

    const reachedAt = Math.min(rng.weighted([[1, 50], [2, 30], [3, 20]] as const), this.config.workflow.maxAttempts);
    const results = [...Array.from({ length: reachedAt - 1 }, noContact), 'CONVERSATION_HELD'];
    const talk = this.knocks(kase, referredDay, indexDay, results, minor);
    const care = rng.chance(1 / 3);
    const path = care ? 'followUp' : rng.weighted([['followUp', 73], ['noFurtherNeed', 12], ['noConsent', 15]] as const);
    this.conversation(kase, talk.attemptId, talk.at, age, path !== 'noConsent', care);
    if (path === 'noFurtherNeed') {
      const day = addDays(talk.day, rng.int(3, 14));
      this.close(kase, day, 'CONVERSATION_NO_FURTHER_NEED', 'REACHED');
      return day;
    }
    if (path === 'noConsent') {
      const day = addDays(talk.day, rng.int(1, 7));
      this.close(kase, day, 'NO_FOLLOW_UP_CONSENT', 'REACHED');
      return day;
    }
    this.move(kase, 'FOLLOW_UP', this.clock.at(addDays(talk.day, rng.int(1, 3)), 10 * 60));
    let careStatus: string | null = null;
    let careDay = talk.day;
    if (care || rng.chance(0.1)) {
      careStatus = care ? rng.weighted([['SENT', 35], ['STARTED', 45], ['COMPLETED', 12], ['DROPPED', 8]] as const) : 'DECLINED';
      const proposedDay = addDays(talk.day, rng.int(0, 5));
      const proposed = this.clock.at(proposedDay, 14 * 60);
      careDay = addDays(proposedDay, rng.int(5, 40));
      const statusAt = this.clock.at(careDay, 11 * 60);
      const sent = careStatus !== 'DECLINED';
      this.rows.careReferrals.push([
        kase.id,
        rng.weighted([['DEBT_SERVICE', 45], ['BASIC_BANK_ACCOUNT', 20], ['YOUTH_WORK_MENTORING', 15], ['BANK_DIALOGUE', 10], ['YOUTH_CARE_WIJKTEAM', 10]] as const),
        this.world.orgIds.debt,
        proposed,
        careStatus,
        statusAt,
        sent ? 'NAME,PHONE' : '',
        proposed,
      ]);
    }
    const due = addDays(talk.day, this.config.workflow.followUpIntervalDays);
    const followUpDay = addDays(due, rng.int(-3, 10));
    const reached = rng.chance(0.75);
    const dueAt = this.clock.at(due, 10 * 60);
    const occurred = this.clock.at(followUpDay, 10 * 60 + rng.int(0, 420));
    this.rows.followUps.push([
      kase.id,
      1,
      dueAt,
      occurred,
      rng.pick(['PHONE', 'PHONE', 'HOME_VISIT', 'MESSAGE', 'AT_YOUTH_CENTRE']),
      reached ? 'REACHED' : 'NOT_REACHED',
      reached ? rng.weighted([['NO', 80], ['YES', 10], ['UNKNOWN', 10]] as const) : null,
      reached ? rng.weighted([['NO', 90], ['YES', 5], ['UNKNOWN', 5]] as const) : null,
      reached ? rng.int(3, 5) : null,
      dueAt,
    ]);
    const day = addDays(followUpDay > careDay ? followUpDay : careDay, rng.int(2, 14));
    const reason =
      careStatus === 'STARTED' || careStatus === 'COMPLETED' ? 'CARE_STARTED' : careStatus === 'DECLINED' ? 'CARE_DECLINED' : reached ? 'FOLLOW_UP_COMPLETED' : 'FOLLOW_UP_NOT_REACHED';
    this.close(kase, day, reason, 'REACHED');
    return day;
  }

  /** The conversation record: parents present for most minors (G9), consent to follow up unless the path says otherwise. */
  private conversation(kase: CaseDraft, attemptId: string, heldAt: Date, age: number, followUpConsent: boolean, careConsent: boolean): void {
    const rng = this.rng;
    const minor = age < 18;
    const parentPresent = minor ? rng.chance(0.6) : null;
    const absentReason = parentPresent === false ? (age >= 16 && rng.chance(0.5) ? 'SUBJECT_16_PLUS_DECLINED' : rng.pick(['PARENT_NOT_AVAILABLE_SUBJECT_AGREED', 'PARENT_INVOLVEMENT_UNSAFE'])) : null;
    const topics = ['LEGAL_CONSEQUENCES', 'BANK_CONSEQUENCES_IVR_EVR', 'VOG_FUTURE', 'RECRUITER_TACTICS', 'HOW_TO_SAY_NO', 'WHAT_TO_DO_IF_APPROACHED', 'DEBTS_MONEY_STRESS'].filter(() => rng.chance(0.55));
    const before = rng.int(1, 3);
    const shareCare = careConsent || rng.chance(0.3);
    this.rows.conversations.push([
      attemptId,
      kase.id,
      heldAt,
      rng.int(20, 75),
      rng.weighted([['INSIDE', 60], ['DOORSTEP', 30], ['OTHER_AGREED_PLACE', 10]] as const),
      parentPresent,
      absentReason,
      (topics.length > 0 ? topics : ['LEGAL_CONSEQUENCES']).join(','),
      rng.weighted([['SNAPCHAT', 35], ['INSTAGRAM', 25], ['TELEGRAM', 10], ['WHATSAPP', 8], ['FRIENDS', 10], ['SCHOOL_PEERS', 5], ['JOB_AD', 2], ['UNKNOWN', 5]] as const),
      rng.weighted([['YES', 35], ['PARTLY', 40], ['NO', 15], ['NOT_DISCUSSED', 10]] as const),
      rng.chance(0.15),
      rng.chance(0.35),
      before,
      Math.min(5, before + rng.int(0, 3)),
      rng.weighted([['YES', 60], ['UNSURE', 30], ['NO', 10]] as const),
      followUpConsent,
      followUpConsent ? (age < 16 ? 'BOTH' : 'SUBJECT') : null,
      shareCare,
      shareCare ? 'NAME,PHONE' : '',
      kase.visitors[1] ?? kase.visitors[0] ?? this.world.userIds['youth.utrecht']!,
      heldAt,
    ]);
  }

  /** An earlier case that ended before any visit: it shows as a prior referral, never as the index case. */
  private priorCase(subjectId: string, municipality: string, day: string, previous: CaseDraft | null): CaseDraft {
    const rng = this.rng;
    const variant = rng.weighted([['hold', 50], ['investigation', 30], ['withdrawn', 20]] as const);
    // Receipts: a hold stays "received" for the referrer (domain.md §2.5.6); not eligible and withdrawn are "not accepted".
    const kase = this.openCase(subjectId, municipality, day, rng.weighted([['BANK', 60], ['POLICE', 40]] as const), previous, this.incidentMonth(day), variant === 'hold' ? 'RECEIVED' : 'NOT_ACCEPTED');
    const triageDay = addDays(day, rng.int(1, 3));
    this.move(kase, 'TRIAGE', this.clock.at(triageDay, 11 * 60));
    if (variant === 'hold') {
      const from = addDays(triageDay, rng.int(2, 10));
      const until = addDays(from, this.config.workflow.maxHoldDays);
      kase.hold = { reason: rng.pick(['INVESTIGATIVE_INTEREST', 'DETENTION']), until: this.clock.at(until, 14 * 60) };
      this.move(kase, 'ON_HOLD', this.clock.at(from, 14 * 60), kase.hold.reason);
      this.close(kase, addDays(until, rng.int(1, 14)), 'HOLD_EXPIRED', 'ENDED_OTHER');
    } else if (variant === 'investigation') {
      this.close(kase, addDays(triageDay, rng.int(5, 20)), 'NOT_ELIGIBLE_INVESTIGATIVE_INTEREST', 'NOT_ELIGIBLE');
    } else {
      this.close(kase, addDays(triageDay, rng.int(2, 20)), 'WITHDRAWN', 'WITHDRAWN');
    }
    return kase;
  }

  /**
   * About 15 % are referred again within 12 months, a few later than that, and a few get a late report of the old
   * incident (which §2.1 does not count). A signal that arrives while the index case is still open joins it
   * (domain.md §2.5); otherwise it opens a second case that is closed by now.
   */
  private rereferral(index: CaseDraft, dob: string, indexDay: string, closedDay: string): void {
    const rng = this.rng;
    const r = rng.next();
    let offset: number;
    let oldIncident = false;
    if (r < 0.15) {
      const [lo, hi] = rng.weighted<readonly [number, number]>([[[3, 90], 35], [[92, 182], 30], [[184, 362], 35]]);
      offset = rng.int(lo, hi);
    } else if (r < 0.19) {
      offset = rng.int(370, 600);
    } else if (r < 0.21) {
      offset = rng.int(20, 150);
      oldIncident = true;
    } else {
      return;
    }
    // Late re-referrals of the last quarters are capped, so that everything lies in the past at the seed time.
    const latest = addDays(this.latestDay, -45);
    const day = addDays(indexDay, offset) <= latest ? addDays(indexDay, offset) : latest;
    if (day <= indexDay) return;
    const source = rng.weighted([['BANK', 50], ['POLICE', 45], ['HALT', 5]] as const);
    const recent = monthOf(addDays(day, -rng.int(0, 30)));
    const incidentMonth = oldIncident ? monthOf(addDays(indexDay, -rng.int(35, 90))) : rng.chance(0.2) ? null : recent > monthOf(indexDay) ? recent : monthOf(indexDay);
    if (day < closedDay) {
      this.referral(index, source, this.clock.at(day, 9 * 60 + rng.int(0, 300)), incidentMonth, true, rng.chance(0.8) ? 'ACCEPTED' : 'NOT_ACCEPTED');
      return;
    }
    // A new case only once the index case has closed (one open case per subject).
    const caseDay = day > closedDay ? day : addDays(closedDay, 1);
    const path = rng.weighted([['escalated', 30], ['otherTrack', 30], ['visit', 40]] as const);
    const kase = this.openCase(index.subjectId, index.municipality, caseDay, source, index, incidentMonth, path === 'otherTrack' ? 'NOT_ACCEPTED' : 'ACCEPTED');
    if (path !== 'visit') {
      this.move(kase, 'TRIAGE', this.clock.at(addDays(caseDay, 1), 11 * 60));
      if (path === 'escalated') this.close(kase, addDays(caseDay, rng.int(3, 20)), 'ESCALATED_TO_JUSTICE', 'ENDED_OTHER');
      else this.close(kase, addDays(caseDay, rng.int(3, 20)), 'NOT_ELIGIBLE_OTHER_TRACK', 'NOT_ELIGIBLE');
      return;
    }
    const visitDay = addDays(caseDay, rng.int(5, 20));
    this.triage(kase, caseDay, visitDay, source);
    const talk = this.knocks(kase, caseDay, visitDay, ['CONVERSATION_HELD'], wholeYears(dob, visitDay) < 18);
    this.conversation(kase, talk.attemptId, talk.at, wholeYears(dob, visitDay), false, false);
    this.close(kase, addDays(talk.day, rng.int(2, 10)), 'CONVERSATION_NO_FURTHER_NEED', 'REACHED');
  }

  /** One INSERT … SELECT FROM unnest(…) per table: a few statements for the whole cohort. */
  async insert(tx: Tx): Promise<void> {
    const r = this.rows;
    const tags = (c: string) => `string_to_array(${c}, ',')`;
    await insertMany(tx, 'subjects', [
      ['id', 'uuid'], ['family_name', 'text'], ['given_names', 'text'], ['date_of_birth', 'date'], ['sex', 'text'], ['street', 'text'], ['house_number', 'text'],
      ['postcode', 'text'], ['municipality_code', 'text'], ['municipality_id', 'uuid'], ['guardians', 'jsonb'], ['match_key', 'text', (c) => `decode(${c}, 'hex')`],
      ['name_norm', 'text'], ['address_verified_at', 'timestamptz'], ['created_at', 'timestamptz'],
    ], r.subjects);
    await insertMany(tx, 'cases', [
      ['id', 'uuid'], ['subject_id', 'uuid'], ['district_id', 'uuid'], ['municipality_code', 'text'], ['state', 'text'], ['state_changed_at', 'timestamptz'],
      ['case_manager_user_id', 'uuid'], ['episode_no', 'int'], ['previous_case_id', 'uuid'], ['re_referral', 'boolean'], ['days_since_previous_closure', 'int'],
      ['counted_attempts', 'int'], ['first_attempt_at', 'timestamptz'], ['police_clearance_confirmed_at', 'timestamptz'], ['police_clearance_org_id', 'uuid'],
      ['police_clearance_reference', 'text'], ['closure_reason', 'text'], ['closure_group', 'text'], ['closed_at', 'timestamptz'], ['hold_reason', 'text'],
      ['hold_until', 'timestamptz'], ['created_at', 'timestamptz'],
    ], r.cases);
    await insertMany(tx, 'referrals', [
      ['id', 'uuid'], ['case_id', 'uuid'], ['subject_id', 'uuid'], ['source_type', 'text'], ['referrer_org_id', 'uuid'], ['submitted_by_user_id', 'uuid'],
      ['received_at', 'timestamptz'], ['incident_month', 'text'], ['reason_codes', 'text', tags], ['legal_basis_code', 'text'], ['status', 'text'],
      ['decided_at', 'timestamptz'], ['attached_to_open_case', 'boolean'], ['subject_match', 'text'], ['fraud_type', 'text'], ['amount_band', 'text'],
    ], r.referrals);
    await insertMany(tx, 'case_transitions', [
      ['case_id', 'uuid'], ['from_state', 'text'], ['to_state', 'text'], ['at', 'timestamptz'], ['by_user_id', 'uuid'], ['by_role', 'text'], ['reason_code', 'text'],
    ], r.transitions);
    await insertMany(tx, 'visits', [
      ['id', 'uuid'], ['case_id', 'uuid'], ['planned_start', 'timestamptz'], ['planned_end', 'timestamptz'], ['weekday', 'text'], ['time_slot', 'text'],
      ['status', 'text'], ['address_snapshot', 'jsonb'], ['created_at', 'timestamptz'],
    ], r.visits);
    await insertMany(tx, 'visit_visitors', [['visit_id', 'uuid'], ['user_id', 'uuid'], ['role', 'text']], r.visitors);
    await insertMany(tx, 'visit_attempts', [
      ['id', 'uuid'], ['visit_id', 'uuid'], ['case_id', 'uuid'], ['attempt_no', 'int'], ['occurred_at', 'timestamptz'], ['weekday', 'text'], ['time_slot', 'text'],
      ['result', 'text'], ['counts_toward_max', 'boolean'], ['card_left', 'boolean'], ['spoke_with', 'text'], ['recorded_by_user_id', 'uuid'], ['created_at', 'timestamptz'],
    ], r.attempts);
    await insertMany(tx, 'conversations', [
      ['attempt_id', 'uuid'], ['case_id', 'uuid'], ['held_at', 'timestamptz'], ['duration_min', 'int'], ['location', 'text'], ['parent_present', 'boolean'],
      ['parent_absent_reason', 'text'], ['topics_covered', 'text', tags], ['recruitment_channel', 'text'], ['subject_acknowledges_involvement', 'text'],
      ['coercion_indicated', 'boolean'], ['debt_indicated', 'boolean'], ['awareness_before', 'smallint'], ['awareness_after', 'smallint'],
      ['intends_to_refuse_future_requests', 'text'], ['consent_follow_up_given', 'boolean'], ['consent_follow_up_given_by', 'text'], ['consent_care_share_given', 'boolean'],
      ['consent_care_share_scope', 'text', tags], ['recorded_by_user_id', 'uuid'], ['created_at', 'timestamptz'],
    ], r.conversations);
    await insertMany(tx, 'care_referrals', [
      ['case_id', 'uuid'], ['type', 'text'], ['provider_organisation_id', 'uuid'], ['proposed_at', 'timestamptz'], ['status', 'text'], ['status_at', 'timestamptz'],
      ['data_shared_fields', 'text', tags], ['created_at', 'timestamptz'],
    ], r.careReferrals);
    await insertMany(tx, 'follow_up_contacts', [
      ['case_id', 'uuid'], ['sequence_no', 'int'], ['due_at', 'timestamptz'], ['occurred_at', 'timestamptz'], ['channel', 'text'], ['result', 'text'],
      ['re_approached_by_recruiter', 'text'], ['new_incident_reported', 'text'], ['awareness_now', 'smallint'], ['created_at', 'timestamptz'],
    ], r.followUps);
  }
}

type Column = [name: string, type: string, expression?: (column: string) => string];

/** Rows as one array parameter per column; `expression` turns a text column into what the table wants (arrays, bytea). */
async function insertMany(tx: Tx, table: string, columns: Column[], rows: Row[]): Promise<void> {
  if (rows.length === 0) return;
  const names = columns.map(([name]) => name);
  const select = columns.map(([, , expression], i) => (expression ? expression(`c${i}`) : `c${i}`));
  const unnest = columns.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ');
  const aliases = columns.map((_, i) => `c${i}`).join(', ');
  await tx.exec(
    `INSERT INTO ${table} (${names.join(', ')}) SELECT ${select.join(', ')} FROM unnest(${unnest}) AS u(${aliases})`,
    columns.map((_, i) => rows.map((row) => (row[i] instanceof Date ? (row[i] as Date).toISOString() : (row[i] ?? null)))),
  );
}
