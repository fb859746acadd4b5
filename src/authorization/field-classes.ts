import type { Role } from '../config/app-config.js';
import type { SubjectType } from './actions.js';

/** Field classes of domain.md §3.0; they decide who may read and write a field. */
export const FIELD_CLASSES = ['NORMAL', 'IDENTIFYING', 'SENSITIVE', 'POLICE_ORIGIN', 'YOUTHWORK_ONLY'] as const;
export type FieldClass = (typeof FIELD_CLASSES)[number];

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
