import { subject } from '@casl/ability';
import { permittedFieldsOf } from '@casl/ability/extra';
import type { AppAbility, SubjectRecord } from './ability.factory.js';
import type { Action, SubjectType } from './actions.js';
import { allFields } from './field-classes.js';

/** Tags a plain facts object with its subject type for CASL (never rely on class-name detection). */
export function asSubject(type: SubjectType, facts: Record<string, unknown>): SubjectRecord {
  return subject(type, { ...facts }) as SubjectRecord;
}

/** Per ability: the permitted field sets already worked out, by action, type and the rules a record matched. */
const permittedCache = new WeakMap<AppAbility, Map<string, Set<string>>>();

/**
 * The fields of this record the ability permits for the action (all registry fields for rules without a
 * field list). CASL's answer depends only on which of the rules match the record, so it is worked out once
 * per ability and combination of matching rules, and the set is shared: never modify it.
 */
export function permittedFields(ability: AppAbility, action: Action, type: SubjectType, facts: Record<string, unknown>): ReadonlySet<string> {
  const record = asSubject(type, facts);
  const key = `${action}:${type}:${ability.possibleRulesFor(action, type).map((rule) => (rule.matchesConditions(record) ? 1 : 0)).join('')}`;
  let byKey = permittedCache.get(ability);
  if (!byKey) permittedCache.set(ability, (byKey = new Map()));
  let fields = byKey.get(key);
  if (!fields) {
    fields = new Set(permittedFieldsOf(ability, action, record, { fieldsFrom: (rule) => rule.fields ?? allFields(type) }));
    byKey.set(key, fields);
  }
  return fields;
}

/** Per field set: every path that leads to a permitted field (`subject`, `subject.address` for `subject.address.street`). */
const prefixCache = new WeakMap<ReadonlySet<string>, ReadonlySet<string>>();

function prefixesOf(fields: ReadonlySet<string>): ReadonlySet<string> {
  let prefixes = prefixCache.get(fields);
  if (!prefixes) {
    const out = new Set<string>();
    for (const f of fields) for (let i = f.indexOf('.'); i !== -1; i = f.indexOf('.', i + 1)) out.add(f.slice(0, i));
    prefixCache.set(fields, (prefixes = out));
  }
  return prefixes;
}

/**
 * Builds a response from the permitted fields only. Paths may be nested (`subject.familyName`);
 * arrays are filtered element by element (`referrals.notes` applies to every referral).
 */
export function pickFields<T extends object>(value: T, fields: ReadonlySet<string>, prefix = ''): Partial<T> {
  return pick(value, fields, prefixesOf(fields), prefix) as Partial<T>;
}

function pick(value: object, fields: ReadonlySet<string>, prefixes: ReadonlySet<string>, prefix: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (fields.has(path)) {
      out[key] = v;
      continue;
    }
    if (!prefixes.has(path) || v === null || v === undefined) continue;
    if (Array.isArray(v)) out[key] = v.map((item) => (item && typeof item === 'object' ? pick(item as object, fields, prefixes, path) : item));
    else if (typeof v === 'object' && !(v instanceof Date)) out[key] = pick(v as object, fields, prefixes, path);
  }
  return out;
}

/** Fields present in a write that the ability does not permit: the caller gets 403 naming them. */
export function forbiddenWriteFields(ability: AppAbility, action: Action, type: SubjectType, facts: Record<string, unknown>, written: string[]): string[] {
  const s = asSubject(type, facts);
  return written.filter((f) => !ability.can(action, s, f));
}
