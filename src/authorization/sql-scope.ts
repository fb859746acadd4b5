import type { MongoQuery } from '@casl/ability';
import { rulesToCondition } from '@casl/ability/extra';
import { SqlParams } from '../database/sql-params.js';
import type { AppAbility } from './ability.factory.js';
import type { Action, SubjectType } from './actions.js';

/** A named access fact and its SQL expression over the list query's aliases (access-and-audit.md §2.3). */
export type FactMap = Record<string, string | { sql: string; type: 'uuid' | 'text' }>;

/**
 * Translates the same CASL rules that decide record access into a parameterised WHERE clause, so
 * "can read" and "appears in the list" cannot drift apart. Conditions may only compare facts with
 * constants; an unknown fact or operator throws instead of silently widening the scope.
 */
export function toSqlScope(ability: AppAbility, action: Action, subjectType: SubjectType, facts: FactMap, params: SqlParams): string {
  const rules = ability.rulesFor(action, subjectType);
  // Rules that a broader rule absorbs are converted but not used; their values go to a scratch list and
  // only the placeholders that survive are moved to the real parameters.
  const scratch = new SqlParams([], (n) => `{{scope:${n}}}`);
  const condition = rulesToCondition(
    rules,
    (rule) => {
      const sql = conditionToSql(rule.conditions as MongoQuery | undefined, facts, scratch, subjectType);
      return rule.inverted ? `NOT (${sql})` : sql;
    },
    {
      and: (parts: string[]) => `(${parts.join(' AND ')})`,
      or: (parts: string[]) => `(${parts.join(' OR ')})`,
      empty: () => 'TRUE',
    },
  );
  if (!condition) return 'FALSE';
  return condition.replace(/\{\{scope:(\d+)\}\}/g, (_m, n: string) => params.add(scratch.values[Number(n) - 1]));
}

function conditionToSql(cond: MongoQuery | undefined, facts: FactMap, params: SqlParams, subjectType: string): string {
  if (!cond) return 'TRUE';
  const parts: string[] = [];
  for (const [fact, raw] of Object.entries(cond)) {
    const def = facts[fact];
    if (!def) throw new Error(`No SQL for access fact ${subjectType}.${fact}`);
    const expr = typeof def === 'string' ? def : def.sql;
    const cast = typeof def === 'string' ? '' : `::${def.type}`;
    if (raw !== null && typeof raw === 'object' && !Array.isArray(raw) && !(raw instanceof Date)) {
      for (const [op, value] of Object.entries(raw as Record<string, unknown>)) parts.push(operator(expr, op, value, params, fact, cast));
    } else {
      parts.push(operator(expr, '$eq', raw, params, fact, cast));
    }
  }
  return parts.length === 0 ? 'TRUE' : parts.length === 1 ? parts[0] : `(${parts.join(' AND ')})`;
}

function operator(expr: string, op: string, value: unknown, params: SqlParams, fact: string, cast: string): string {
  switch (op) {
    case '$eq':
      if (typeof value === 'boolean') return value ? `(${expr}) IS TRUE` : `(${expr}) IS NOT TRUE`;
      if (value === null) return `(${expr}) IS NULL`;
      return `(${expr}) = ${params.add(value)}${cast}`;
    case '$ne':
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
