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

/** A write whose result nobody reads: it waits for the transaction's next statement or its COMMIT (see Tx.defer). */
export interface DeferredWrite {
  /**
   * One plain `INSERT` or `UPDATE` with parameters $1…$n: no quotes, no dollar quoting, no RETURNING (checked when
   * writes are combined). Writes sent together are one statement, which must not change the same row twice: defer
   * an UPDATE only of a row nothing else in the request writes.
   */
  sql: string;
  params: unknown[];
  /** Maps a failure of the statement that carried this write (e.g. the audit trail's fail-closed 503). */
  onError?: (err: unknown) => Error;
}

const SINGLE_ROW_INSERT = /^INSERT INTO [a-z_]+ \([^()]*\) VALUES \([^()]*\)$/;

/** `$k` → `$(k + offset)`; deferred SQL holds no literals, so every `$` is a parameter. */
function shift(sql: string, offset: number): string {
  return offset === 0 ? sql : sql.replace(/\$(\d+)/g, (_m, k: string) => `$${Number(k) + offset}`);
}

/**
 * Several deferred writes as one statement: runs of the same single-row INSERT become one multi-row INSERT (rows in
 * the order they were written), and different statements become data-modifying WITH parts, which PostgreSQL runs
 * exactly once each, in the same snapshot, whether or not the outer statement reads them.
 */
export function combineWrites(writes: readonly DeferredWrite[]): { sql: string; params: unknown[] } {
  // One write goes as it is (most reads write one audit event).
  if (writes.length === 1) return { sql: writes[0]!.sql, params: writes[0]!.params };
  const params = writes.flatMap((w) => w.params);
  // The combined text depends only on the statements and their parameter counts: built once per shape, keyed by a
  // short id per SQL text rather than the texts themselves (kilobytes per request to build and hash).
  const ids = writes.map((w) => textId(w.sql));
  if (ids.includes(undefined)) return { sql: combineSql(writes), params };
  const shape = writes.map((w, k) => `${w.params.length}:${ids[k]}`).join(',');
  let sql = combinedByShape.get(shape);
  if (sql === undefined) {
    sql = combineSql(writes);
    if (combinedByShape.size >= NAME_MEMO_LIMIT) combinedByShape.clear();
    combinedByShape.set(shape, sql);
  }
  return { sql, params };
}

const combinedByShape = new Map<string, string>();
const idByText = new Map<string, number>();

/** A stable short id per deferred SQL text (a bounded set: the texts come from code); undefined once the memo is full. */
function textId(sql: string): number | undefined {
  let id = idByText.get(sql);
  if (id === undefined && idByText.size < NAME_MEMO_LIMIT) {
    id = idByText.size;
    idByText.set(sql, id);
  }
  return id;
}

function combineSql(writes: readonly DeferredWrite[]): string {
  const parts: string[] = [];
  let offset = 0;
  for (let i = 0; i < writes.length; ) {
    const w = writes[i]!;
    if (/'|\$[A-Za-z_]*\$|\bRETURNING\b/i.test(w.sql)) throw new Error('a deferred write must be a plain parameterised INSERT or UPDATE');
    let j = i + 1;
    if (SINGLE_ROW_INSERT.test(w.sql)) while (j < writes.length && writes[j]!.sql === w.sql) j += 1;
    if (j - i > 1) {
      const head = w.sql.slice(0, w.sql.lastIndexOf(' VALUES (') + ' VALUES '.length);
      const row = w.sql.slice(head.length);
      const rows: string[] = [];
      for (let k = i; k < j; k += 1) {
        rows.push(shift(row, offset));
        offset += writes[k]!.params.length;
      }
      parts.push(`${head}${rows.join(', ')}`);
    } else {
      parts.push(shift(w.sql, offset));
      offset += w.params.length;
    }
    i = j;
  }
  if (parts.length === 1) return parts[0]!;
  const last = parts.pop()!;
  return `WITH ${parts.map((p, k) => `w${k} AS (${p})`).join(', ')} ${last}`;
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
  private pending: DeferredWrite[] = [];

  /**
   * `prepare` is off on the embedded database: every pooled connection there is the same PGlite session, so a
   * statement one connection prepared already exists for the next one, which then fails with 42P05.
   */
  constructor(
    readonly client: PoolClient,
    readonly actor: Actor | null,
    private readonly prepare = true,
  ) {}

  private send<T extends QueryResultRow>(sql: string, params: unknown[]): Promise<QueryResult<T>> {
    return params.length === 0 || !this.prepare ? this.client.query<T>(sql, params) : this.client.query<T>(preparedQuery(this.client, sql, params));
  }

  /** Every statement goes after the deferred writes, so the transaction always reads its own writes. */
  private async run<T extends QueryResultRow>(sql: string, params: unknown[]): Promise<QueryResult<T>> {
    if (this.pending.length > 0) await this.flush();
    return this.send<T>(sql, params);
  }

  /**
   * Queue a write whose result nobody reads (audit events, the idempotency record, rows whose id the caller made).
   * It is sent with the other queued writes in one statement just before the transaction's next statement or its
   * COMMIT, so the writes that close a request cost one round trip instead of one each. It is still part of the
   * transaction: if it fails, nothing commits.
   */
  defer(write: DeferredWrite): void {
    this.pending.push(write);
  }

  /** Send the deferred writes now (Db.tx calls this before COMMIT). */
  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const writes = this.pending;
    this.pending = [];
    const { sql, params } = combineWrites(writes);
    try {
      await this.send(sql, params);
    } catch (err) {
      const mapped = writes.find((w) => w.onError)?.onError;
      throw mapped ? mapped(err) : err;
    }
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
