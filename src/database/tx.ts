import { createHash } from 'node:crypto';
import type { PoolClient, QueryConfig, QueryResult, QueryResultRow } from 'pg';
import type { Actor } from '../common/actor.js';

/**
 * Parameterised statements run as named prepared statements, so PostgreSQL parses and plans each statement
 * text once per connection instead of on every call (the name is a digest of the text: the same text always
 * gets the same name, and a name never stands for two texts). Statements without parameters keep the simple
 * protocol (`BEGIN; SET LOCAL ROLE …` is two commands in one string).
 */
const NAME_MEMO_LIMIT = 2000;
const nameByText = new Map<string, string>();
/** Names prepared per connection; beyond the limit new texts run unnamed, so a connection's statements stay bounded. */
const PREPARED_PER_CONNECTION = 200;
const preparedByClient = new WeakMap<PoolClient, Set<string>>();

function statementName(text: string): string {
  let name = nameByText.get(text);
  if (!name) {
    name = `tx_${createHash('sha256').update(text).digest('base64url').slice(0, 32)}`;
    if (nameByText.size >= NAME_MEMO_LIMIT) nameByText.clear();
    nameByText.set(text, name);
  }
  return name;
}

/** The query config of a parameterised statement (`values` not empty): named while the connection has room. */
export function preparedQuery(client: PoolClient, text: string, values: unknown[]): QueryConfig {
  const name = statementName(text);
  let prepared = preparedByClient.get(client);
  if (!prepared) preparedByClient.set(client, (prepared = new Set()));
  if (!prepared.has(name)) {
    if (prepared.size >= PREPARED_PER_CONNECTION) return { text, values };
    prepared.add(name);
  }
  return { name, text, values };
}

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

  /**
   * `prepare` is off on the embedded database: every pooled connection there is the same PGlite session, so a
   * statement one connection prepared already exists for the next one, which then fails with 42P05.
   */
  constructor(
    readonly client: PoolClient,
    readonly actor: Actor | null,
    private readonly prepare = true,
  ) {}

  private run<T extends QueryResultRow>(sql: string, params: unknown[]): Promise<QueryResult<T>> {
    return params.length === 0 || !this.prepare ? this.client.query<T>(sql, params) : this.client.query<T>(preparedQuery(this.client, sql, params));
  }

  async query<T extends QueryResultRow = QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
    const r = await this.run<T>(sql, params);
    return r.rows;
  }

  async one<T extends QueryResultRow = QueryResultRow>(sql: string, params: unknown[] = []): Promise<T | null> {
    const r = await this.run<T>(sql, params);
    return r.rows[0] ?? null;
  }

  async exec(sql: string, params: unknown[] = []): Promise<number> {
    const r = await this.run(sql, params);
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
