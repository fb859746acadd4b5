import type { Role } from '../config/app-config.js';
import type { SubjectType } from './actions.js';

/** Field classes of domain.md §3.0; they decide who may read and write a field. */
export const FIELD_CLASSES = ['NORMAL', 'IDENTIFYING', 'SENSITIVE', 'POLICE_ORIGIN', 'YOUTHWORK_ONLY'] as const;
export type FieldClass = (typeof FIELD_CLASSES)[number];

function prefixed(prefix: string, fields: Record<string, FieldClass>): Record<string, FieldClass> {
  return Object.fromEntries(Object.entries(fields).map(([k, v]) => [`${prefix}.${k}`, v]));
}

const SUBJECT: Record<string, FieldClass> = {
  id: 'NORMAL',
  familyName: 'IDENTIFYING',
  givenNames: 'IDENTIFYING',
  dateOfBirth: 'IDENTIFYING',
  address: 'IDENTIFYING',
  phone: 'IDENTIFYING',
  guardians: 'IDENTIFYING',
  sex: 'NORMAL',
  preferredLanguage: 'NORMAL',
  interpreterNeeded: 'NORMAL',
  isMinor: 'NORMAL',
  ageAtReferral: 'NORMAL',
  addressVerifiedAt: 'NORMAL',
  duplicateStatus: 'NORMAL',
  possibleDuplicateOfId: 'NORMAL',
  mergedIntoId: 'NORMAL',
  lvbSuspected: 'SENSITIVE',
  mentalHealthConcern: 'SENSITIVE',
  version: 'NORMAL',
};

const REFERRAL: Record<string, FieldClass> = {
  id: 'NORMAL',
  caseId: 'NORMAL',
  subjectId: 'NORMAL',
  sourceType: 'NORMAL',
  referrerOrganisationId: 'NORMAL',
  receivedAt: 'NORMAL',
  incidentMonth: 'NORMAL',
  reasonCodes: 'NORMAL',
  legalBasisCode: 'NORMAL',
  consentObtainedByReferrer: 'NORMAL',
  status: 'NORMAL',
  decidedAt: 'NORMAL',
  attachedToOpenCase: 'NORMAL',
  subjectMatch: 'NORMAL',
  districtId: 'NORMAL',
  externalReference: 'POLICE_ORIGIN',
  fraudType: 'POLICE_ORIGIN',
  amountBand: 'POLICE_ORIGIN',
  bankRegistrationStatus: 'POLICE_ORIGIN',
  notes: 'POLICE_ORIGIN',
  version: 'NORMAL',
};

const CASE: Record<string, FieldClass> = {
  id: 'NORMAL',
  state: 'NORMAL',
  districtId: 'NORMAL',
  municipalityCode: 'NORMAL',
  stateChangedAt: 'NORMAL',
  caseManagerUserId: 'NORMAL',
  priority: 'NORMAL',
  episodeNo: 'NORMAL',
  previousCaseId: 'NORMAL',
  reReferral: 'NORMAL',
  daysSincePreviousClosure: 'NORMAL',
  holdUntil: 'NORMAL',
  holdReason: 'POLICE_ORIGIN',
  hasUnreviewedSignal: 'NORMAL',
  countedAttempts: 'NORMAL',
  firstAttemptAt: 'NORMAL',
  nextVisitAt: 'NORMAL',
  nextFollowUpDueAt: 'NORMAL',
  overdue: 'NORMAL',
  'policeClearance.confirmedAt': 'NORMAL',
  'policeClearance.policeOrganisationId': 'NORMAL',
  'policeClearance.reference': 'POLICE_ORIGIN',
  closureReason: 'NORMAL',
  closureGroup: 'NORMAL',
  closedAt: 'NORMAL',
  closureComment: 'IDENTIFYING',
  version: 'NORMAL',
  createdAt: 'NORMAL',
  updatedAt: 'NORMAL',
};

const TRANSITION: Record<string, FieldClass> = {
  id: 'NORMAL',
  fromState: 'NORMAL',
  toState: 'NORMAL',
  at: 'NORMAL',
  byUserId: 'NORMAL',
  byRole: 'NORMAL',
  reasonCode: 'NORMAL',
  holdReasonCode: 'POLICE_ORIGIN',
  comment: 'IDENTIFYING',
  breakGlassGrantId: 'NORMAL',
};

const VISIT: Record<string, FieldClass> = {
  id: 'NORMAL',
  caseId: 'NORMAL',
  plannedStart: 'NORMAL',
  plannedEnd: 'NORMAL',
  weekday: 'NORMAL',
  timeSlot: 'NORMAL',
  status: 'NORMAL',
  cancelReason: 'NORMAL',
  visitors: 'NORMAL',
  addressSnapshot: 'IDENTIFYING',
  safetyNotes: 'IDENTIFYING',
  overrideReason: 'NORMAL',
  overrideComment: 'IDENTIFYING',
  overrideByUserId: 'NORMAL',
  overrideAt: 'NORMAL',
  warnings: 'NORMAL',
  version: 'NORMAL',
};

const VISIT_SUBJECT: Record<string, FieldClass> = {
  id: 'NORMAL',
  displayName: 'IDENTIFYING',
  dateOfBirth: 'IDENTIFYING',
  isMinor: 'NORMAL',
  phone: 'IDENTIFYING',
  guardians: 'IDENTIFYING',
  preferredLanguage: 'NORMAL',
  interpreterNeeded: 'NORMAL',
};

const ATTEMPT: Record<string, FieldClass> = {
  id: 'NORMAL',
  visitId: 'NORMAL',
  caseId: 'NORMAL',
  attemptNo: 'NORMAL',
  occurredAt: 'NORMAL',
  weekday: 'NORMAL',
  timeSlot: 'NORMAL',
  result: 'NORMAL',
  countsTowardMax: 'NORMAL',
  cardLeft: 'NORMAL',
  spokeWith: 'NORMAL',
  recordedByUserId: 'NORMAL',
  onBehalfOfUserId: 'NORMAL',
  caseState: 'NORMAL',
  warnings: 'NORMAL',
  version: 'NORMAL',
};

const CONVERSATION: Record<string, FieldClass> = {
  id: 'NORMAL',
  attemptId: 'NORMAL',
  caseId: 'NORMAL',
  heldAt: 'NORMAL',
  durationMin: 'NORMAL',
  location: 'NORMAL',
  parentPresent: 'NORMAL',
  parentAbsentReason: 'NORMAL',
  parentAbsentComment: 'IDENTIFYING',
  interpreterUsed: 'NORMAL',
  topicsCovered: 'NORMAL',
  recruitmentChannel: 'NORMAL',
  subjectAcknowledgesInvolvement: 'NORMAL',
  coercionIndicated: 'NORMAL',
  debtIndicated: 'NORMAL',
  awarenessBefore: 'NORMAL',
  awarenessAfter: 'NORMAL',
  intendsToRefuseFutureRequests: 'NORMAL',
  consentFollowUpContact: 'NORMAL',
  consentCareDataShare: 'NORMAL',
  researchConsent: 'NORMAL',
  agreements: 'YOUTHWORK_ONLY',
  youthWorkNotes: 'YOUTHWORK_ONLY',
  recordedByUserId: 'NORMAL',
  version: 'NORMAL',
};

const CARE_REFERRAL: Record<string, FieldClass> = {
  id: 'NORMAL',
  caseId: 'NORMAL',
  type: 'NORMAL',
  providerOrganisationId: 'NORMAL',
  proposedAt: 'NORMAL',
  status: 'NORMAL',
  statusAt: 'NORMAL',
  dataSharedFields: 'NORMAL',
  notes: 'YOUTHWORK_ONLY',
  version: 'NORMAL',
};

const FOLLOW_UP: Record<string, FieldClass> = {
  id: 'NORMAL',
  caseId: 'NORMAL',
  sequenceNo: 'NORMAL',
  dueAt: 'NORMAL',
  occurredAt: 'NORMAL',
  channel: 'NORMAL',
  result: 'NORMAL',
  careStatusReported: 'NORMAL',
  reApproachedByRecruiter: 'NORMAL',
  newIncidentReported: 'NORMAL',
  awarenessNow: 'NORMAL',
  needsNewCare: 'NORMAL',
  overdue: 'NORMAL',
  notes: 'YOUTHWORK_ONLY',
  version: 'NORMAL',
};

/**
 * Every response field of every subject that carries personal or case data, with its class. Nested
 * records use dotted paths (`subject.familyName`, `referrals.externalReference`). A unit test fails
 * when a response field or entity column is missing here.
 */
export const FIELD_REGISTRY: Partial<Record<SubjectType, Record<string, FieldClass>>> = {
  User: {
    id: 'NORMAL',
    username: 'IDENTIFYING',
    displayName: 'IDENTIFYING',
    organisationId: 'NORMAL',
    roles: 'NORMAL',
    districtIds: 'NORMAL',
    active: 'NORMAL',
    mfaEnrolled: 'NORMAL',
    lastLoginAt: 'NORMAL',
    lastAccessReviewAt: 'NORMAL',
    version: 'NORMAL',
    createdAt: 'NORMAL',
    updatedAt: 'NORMAL',
  },
  Subject: { ...SUBJECT },
  Referral: { ...REFERRAL },
  Case: {
    ...CASE,
    ...prefixed('subject', SUBJECT),
    ...prefixed('referrals', REFERRAL),
    ...prefixed('transitions', TRANSITION),
    ...prefixed('visits', VISIT),
    ...prefixed('attempts', ATTEMPT),
    ...prefixed('conversation', CONVERSATION),
    ...prefixed('careReferrals', CARE_REFERRAL),
    ...prefixed('followUps', FOLLOW_UP),
  },
  Visit: { ...VISIT, ...prefixed('subject', VISIT_SUBJECT), ...prefixed('previousAttempts', ATTEMPT) },
  VisitAttempt: { ...ATTEMPT },
  Conversation: { ...CONVERSATION },
  CareReferral: { ...CARE_REFERRAL },
  FollowUp: { ...FOLLOW_UP },
};

export function allFields(subject: SubjectType): string[] {
  return Object.keys(FIELD_REGISTRY[subject] ?? {});
}

export function classOf(subject: SubjectType, field: string): FieldClass | undefined {
  return FIELD_REGISTRY[subject]?.[field];
}

/** Role × field class on case records (domain.md §4.2), for reading. */
export function readableClasses(role: Role, opts: { coordinatorReadsYouthworkOnly: boolean }): FieldClass[] {
  switch (role) {
    case 'coordinator':
      return opts.coordinatorReadsYouthworkOnly
        ? ['NORMAL', 'IDENTIFYING', 'SENSITIVE', 'POLICE_ORIGIN', 'YOUTHWORK_ONLY']
        : ['NORMAL', 'IDENTIFYING', 'SENSITIVE', 'POLICE_ORIGIN'];
    case 'police_officer':
      return ['NORMAL', 'IDENTIFYING', 'SENSITIVE', 'POLICE_ORIGIN'];
    case 'youth_worker':
      return ['NORMAL', 'IDENTIFYING', 'SENSITIVE', 'YOUTHWORK_ONLY'];
    default:
      return [];
  }
}

/** Role × field class on case records, for writing. */
export function writableClasses(role: Role): FieldClass[] {
  switch (role) {
    case 'coordinator':
      return ['NORMAL', 'IDENTIFYING', 'SENSITIVE', 'POLICE_ORIGIN'];
    case 'police_officer':
      return ['NORMAL', 'IDENTIFYING'];
    case 'youth_worker':
      return ['NORMAL', 'IDENTIFYING', 'SENSITIVE', 'YOUTHWORK_ONLY'];
    default:
      return [];
  }
}

/** The fields of `subject` whose class is in `classes`. */
export function fieldsOfClasses(subject: SubjectType, classes: readonly FieldClass[]): string[] {
  return Object.entries(FIELD_REGISTRY[subject] ?? {})
    .filter(([, c]) => classes.includes(c))
    .map(([f]) => f);
}

/** Classes of the given fields, for the audit event's `field_classes`. */
export function classesOf(subject: SubjectType, fields: Iterable<string>): Set<FieldClass> {
  const out = new Set<FieldClass>();
  for (const f of fields) {
    const c = classOf(subject, f);
    if (c) out.add(c);
  }
  return out;
}
