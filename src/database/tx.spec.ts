import { combineWrites } from './tx.js';

const AUDIT = 'INSERT INTO audit_events (a, b) VALUES ($1, $2)';
const IDEM = `INSERT INTO idempotency_keys (scope, key) VALUES ($1, $2)
       ON CONFLICT (scope, key) DO UPDATE SET key = EXCLUDED.key`;

describe('combineWrites', () => {
  it('sends a single write unchanged', () => {
    expect(combineWrites([{ sql: AUDIT, params: [1, 2] }])).toEqual({ sql: AUDIT, params: [1, 2] });
  });

  it('turns a run of the same single-row INSERT into one multi-row INSERT, rows in order', () => {
    const out = combineWrites([
      { sql: AUDIT, params: ['a1', 'b1'] },
      { sql: AUDIT, params: ['a2', 'b2'] },
      { sql: AUDIT, params: ['a3', 'b3'] },
    ]);
    expect(out.sql).toBe('INSERT INTO audit_events (a, b) VALUES ($1, $2), ($3, $4), ($5, $6)');
    expect(out.params).toEqual(['a1', 'b1', 'a2', 'b2', 'a3', 'b3']);
  });

  it('puts different statements into data-modifying WITH parts with renumbered parameters', () => {
    const out = combineWrites([
      { sql: AUDIT, params: ['a1', 'b1'] },
      { sql: AUDIT, params: ['a2', 'b2'] },
      { sql: IDEM, params: ['s', 'k'] },
    ]);
    expect(out.sql).toBe(`WITH w0 AS (INSERT INTO audit_events (a, b) VALUES ($1, $2), ($3, $4)) ${IDEM.replace('$1', '$5').replace('$2', '$6')}`);
    expect(out.params).toEqual(['a1', 'b1', 'a2', 'b2', 's', 'k']);
  });

  it('does not merge an INSERT with a conflict clause into a multi-row one', () => {
    const out = combineWrites([
      { sql: IDEM, params: ['s', 'k1'] },
      { sql: IDEM, params: ['s', 'k2'] },
    ]);
    expect(out.sql.startsWith('WITH w0 AS (INSERT INTO idempotency_keys')).toBe(true);
    expect(out.sql).toContain('VALUES ($3, $4)');
    expect(out.params).toEqual(['s', 'k1', 's', 'k2']);
  });

  it('puts an UPDATE into a WITH part like any other statement, never into a multi-row INSERT', () => {
    const UPDATE = 'UPDATE cases SET has_unreviewed_signal = true, updated_at = now() WHERE id = $1';
    const out = combineWrites([
      { sql: UPDATE, params: ['c1'] },
      { sql: AUDIT, params: ['a1', 'b1'] },
    ]);
    expect(out.sql).toBe(`WITH w0 AS (${UPDATE}) INSERT INTO audit_events (a, b) VALUES ($2, $3)`);
    expect(out.params).toEqual(['c1', 'a1', 'b1']);
  });

  it('refuses to combine SQL with literals, dollar quoting or RETURNING, where renumbering could touch text', () => {
    const withAudit = (sql: string) => () => combineWrites([{ sql: AUDIT, params: [1, 2] }, { sql, params: [3] }]);
    expect(withAudit("INSERT INTO t (a) VALUES ('$1')")).toThrow('plain parameterised INSERT or UPDATE');
    expect(withAudit('INSERT INTO t (a) VALUES ($x$1$x$)')).toThrow('plain parameterised INSERT or UPDATE');
    expect(withAudit('INSERT INTO t (a) VALUES ($1) RETURNING id')).toThrow('plain parameterised INSERT or UPDATE');
  });
});
