import { subject } from '@casl/ability';
import { permittedFieldsOf } from '@casl/ability/extra';
import type { AppAbility, SubjectRecord } from './ability.factory.js';
import type { Action, SubjectType } from './actions.js';
import { allFields } from './field-classes.js';

/** Tags a plain facts object with its subject type for CASL (never rely on class-name detection). */
export function asSubject(type: SubjectType, facts: Record<string, unknown>): SubjectRecord {
  return subject(type, { ...facts }) as SubjectRecord;
}

/** The fields of this record the ability permits for the action (all registry fields for rules without a field list). */
export function permittedFields(ability: AppAbility, action: Action, type: SubjectType, facts: Record<string, unknown>): Set<string> {
  const fields = permittedFieldsOf(ability, action, asSubject(type, facts), { fieldsFrom: (rule) => rule.fields ?? allFields(type) });
  return new Set(fields);
}

/**
 * Builds a response from the permitted fields only. Paths may be nested (`subject.familyName`);
 * arrays are filtered element by element (`referrals.notes` applies to every referral).
 */
export function pickFields<T extends object>(value: T, fields: Set<string>, prefix = ''): Partial<T> {
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (fields.has(path)) {
      out[key] = v;
      continue;
    }
    const nested = [...fields].some((f) => f.startsWith(`${path}.`));
    if (!nested || v === null || v === undefined) continue;
    if (Array.isArray(v)) out[key] = v.map((item) => (item && typeof item === 'object' ? pickFields(item as object, fields, path) : item));
    else if (typeof v === 'object' && !(v instanceof Date)) out[key] = pickFields(v as object, fields, path);
  }
  return out as Partial<T>;
}

/** Fields present in a write that the ability does not permit: the caller gets 403 naming them. */
export function forbiddenWriteFields(ability: AppAbility, action: Action, type: SubjectType, facts: Record<string, unknown>, written: string[]): string[] {
  const s = asSubject(type, facts);
  return written.filter((f) => !ability.can(action, s, f));
}
