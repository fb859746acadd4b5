import type { MongoQuery } from '@casl/ability';
import { rulesToCondition } from '@casl/ability/extra';
import { SqlParams } from '../database/sql-params.js';
import type { AppAbility } from './ability.factory.js';
import type { Action, SubjectType } from './actions.js';

/**
 * A named access fact and its SQL expression over the query's aliases (access-and-audit.md §2.3).
 * `type` casts the values a condition compares the fact with. `notNull` marks a predicate that is never
 * NULL (an EXISTS): `fact: true` then compiles to the bare predicate, which PostgreSQL can plan as a
 * semi-join, where `(…) IS TRUE` would force a subplan per row. `perValue` marks the leading column of an
 * index that also serves the list's order: `toSqlArms` pages an `$in` on it one value at a time.
 */
export type FactDef = string | { sql: string; type?: 'uuid' | 'text'; notNull?: boolean; perValue?: boolean };
export type FactMap = Record<string, FactDef>;

/**
 * The facts, or a function that builds them over the parameters it is given. Facts that bind values
 * (the actor's id) should come as a function: the scope then binds those values only where a rule it
 * keeps uses them, and no parameter is left without a type.
 */
export type FactSource = FactMap | ((p: SqlParams) => FactMap);

/** One arm of a scope: the rows one `can` rule reaches (bounded by the `cannot` rules above it). */
export interface ScopeArm {
  /** The condition over the query's aliases. */
  where: string;
  /**
   * Set when the arm pages a `perValue` fact one value at a time: a FROM item `unnest(…) AS scope_key(value)`
   * to put before `CROSS JOIN LATERAL (…)`; `where` then compares the fact with `scope_key.value`.
   */
  perValue?: string;
}

/**
 * Translates the same CASL rules that decide record access into a parameterised WHERE clause, so
 * "can read" and "appears in the list" cannot drift apart. Conditions may only compare facts with
 * constants; an unknown fact or operator throws instead of silently widening the scope.
 */
export function toSqlScope(ability: AppAbility, action: Action, subjectType: SubjectType, facts: FactSource, params: SqlParams): string {
  const arms = convertRules(ability, action, subjectType, facts, params, false);
  if (arms === null) return 'FALSE';
  return arms.length === 1 ? arms[0].where : `(${arms.map((a) => a.where).join(' OR ')})`;
}

/**
 * The same rules as `toSqlScope`, one arm per `can` rule, for lists that run each arm as its own keyset
 * query over an index in the list's order and merge the pages: an OR of arms (a district or a grant or
 * an assignment) is otherwise one scan over every row. The union of the arms is exactly `toSqlScope`;
 * arms may overlap, so the caller removes duplicates. No arm at all means no row.
 */
export function toSqlArms(ability: AppAbility, action: Action, subjectType: SubjectType, facts: FactSource, params: SqlParams): ScopeArm[] {
  return convertRules(ability, action, subjectType, facts, params, true) ?? [];
}

/** Rendered arm, with placeholders of the scratch parameter list. */
interface Part {
  where: string;
  perValue?: string;
}

function convertRules(ability: AppAbility, action: Action, subjectType: SubjectType, source: FactSource, params: SqlParams, split: boolean): ScopeArm[] | null {
  const rules = ability.rulesFor(action, subjectType);
  // Conditions bind their values to a scratch list first; only the placeholders that end up in the
  // result move to the real parameters, each scratch value once however often it is used.
  const scratch = new SqlParams([], (n) => `{{scope:${n}}}`);
  const facts = typeof source === 'function' ? source(scratch) : source;
  const result = rulesToCondition<AppAbility, Part, Part | Part[]>(
    rules,
    (rule) => {
      const part = conditionToSql(rule.conditions as MongoQuery | undefined, facts, scratch, subjectType, split && !rule.inverted);
      return rule.inverted ? { where: `NOT (${part.where})` } : part;
    },
    {
      // A `can` rule joined with the `cannot` rules above it: only the `can` part may drive by value.
      and: (parts) => ({ where: `(${parts.map((p) => p.where).join(' AND ')})`, perValue: parts.find((p) => p.perValue)?.perValue }),
      or: (parts) => parts,
      empty: () => [{ where: 'TRUE' }],
    },
  );
  if (result === null) return null;
  const moved = new Map<string, string>();
  const toReal = (sql: string) =>
    sql.replace(/\{\{scope:(\d+)\}\}/g, (m, n: string) => {
      let placeholder = moved.get(m);
      if (!placeholder) moved.set(m, (placeholder = params.add(scratch.values[Number(n) - 1])));
      return placeholder;
    });
  return (Array.isArray(result) ? result : [result]).map((p) => (p.perValue ? { where: toReal(p.where), perValue: toReal(p.perValue) } : { where: toReal(p.where) }));
}

function conditionToSql(cond: MongoQuery | undefined, facts: FactMap, params: SqlParams, subjectType: string, split: boolean): Part {
  if (!cond) return { where: 'TRUE' };
  const parts: string[] = [];
  let perValue: string | undefined;
  for (const [fact, raw] of Object.entries(cond)) {
    const def = facts[fact];
    if (!def) throw new Error(`No SQL for access fact ${subjectType}.${fact}`);
    const f = typeof def === 'string' ? { sql: def } : def;
    const ops: Array<[string, unknown]> = raw !== null && typeof raw === 'object' && !Array.isArray(raw) && !(raw instanceof Date) ? Object.entries(raw as Record<string, unknown>) : [['$eq', raw]];
    for (const [op, value] of ops) {
      if (split && !perValue && op === '$in' && f.perValue && f.type && Array.isArray(value) && value.length > 0) {
        perValue = `unnest(${params.add(value)}::${f.type}[]) AS scope_key(value)`;
        parts.push(`(${f.sql}) = scope_key.value`);
      } else {
        parts.push(operator(f, op, value, params, fact));
      }
    }
  }
  const where = parts.length === 0 ? 'TRUE' : parts.length === 1 ? parts[0] : `(${parts.join(' AND ')})`;
  return perValue ? { where, perValue } : { where };
}

function operator(f: { sql: string; type?: string; notNull?: boolean }, op: string, value: unknown, params: SqlParams, fact: string): string {
  const expr = f.sql;
  const cast = f.type ? `::${f.type}` : '';
  switch (op) {
    case '$eq':
      if (typeof value === 'boolean' && f.notNull) return value ? `(${expr})` : `NOT (${expr})`;
      if (typeof value === 'boolean') return value ? `(${expr}) IS TRUE` : `(${expr}) IS NOT TRUE`;
      if (value === null) return `(${expr}) IS NULL`;
      return `(${expr}) = ${params.add(value)}${cast}`;
    case '$ne':
      if (typeof value === 'boolean' && f.notNull) return value ? `NOT (${expr})` : `(${expr})`;
      if (typeof value === 'boolean') return value ? `(${expr}) IS NOT TRUE` : `(${expr}) IS TRUE`;
      if (value === null) return `(${expr}) IS NOT NULL`;
      return `(${expr}) IS DISTINCT FROM ${params.add(value)}${cast}`;
    case '$in':
      if (!Array.isArray(value)) throw new Error(`$in on ${fact} needs an array`);
      if (value.length === 0) return 'FALSE';
      return `(${expr}) = ANY(${params.add(value)}${cast ? `${cast}[]` : ''})`;
    case '$gte':
      return `(${expr}) >= ${params.add(value)}`;
    case '$lte':
      return `(${expr}) <= ${params.add(value)}`;
    default:
      throw new Error(`Unsupported condition operator ${op} on ${fact}`);
  }
}

/** `expr AS "fact", ...` for loading one record's access facts in a single query. */
export function selectFacts(facts: FactMap, prefix = ''): string {
  return Object.entries(facts)
    .map(([name, def]) => `${typeof def === 'string' ? def : def.sql} AS "${prefix}${name}"`)
    .join(', ');
}

/** The facts selected with `selectFacts(facts, prefix)` from a row. */
export function factsOf(row: Record<string, unknown>, prefix: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) if (k.startsWith(prefix)) out[k.slice(prefix.length)] = v;
  return out;
}
