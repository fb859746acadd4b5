import type { PoolClient, QueryResultRow } from 'pg';
import type { Actor } from '../common/actor.js';

/**
 * One database transaction on one pooled connection, with the acting principal attached. Repositories
 * receive it as their first argument; services never see SQL.
 */
export class Tx {
  /** Data subjects whose personal data this transaction read or wrote (the commit guard's input). */
  readonly touchedSubjects = new Set<string>();
  /** Data subjects covered by an audit event inserted in this transaction. */
  readonly auditedSubjects = new Set<string>();
  /** Work to run only after COMMIT succeeded (e.g. cache invalidation). */
  readonly afterCommit: Array<() => void> = [];
  auditEvents = 0;

  constructor(
    readonly client: PoolClient,
    readonly actor: Actor | null,
  ) {}

  async query<T extends QueryResultRow = QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
    const r = await this.client.query<T>(sql, params);
    return r.rows;
  }

  async one<T extends QueryResultRow = QueryResultRow>(sql: string, params: unknown[] = []): Promise<T | null> {
    const r = await this.client.query<T>(sql, params);
    return r.rows[0] ?? null;
  }

  async exec(sql: string, params: unknown[] = []): Promise<number> {
    const r = await this.client.query(sql, params);
    return r.rowCount ?? 0;
  }

  /** Register personal data of these subjects as read or written; an audit event must cover them. */
  touch(subjectIds: Iterable<string | null | undefined>): void {
    for (const id of subjectIds) if (id) this.touchedSubjects.add(id);
  }

  uncoveredSubjects(): string[] {
    return [...this.touchedSubjects].filter((id) => !this.auditedSubjects.has(id));
  }
}
