import { OptionalField } from './validators.js';
import { Type } from 'class-transformer';
import { IsInt, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { DomainError } from './errors.js';

/** `?limit=` (1–100, default 50) and an opaque `?cursor=` from the previous page. */
export class PageQuery {
  /** Page size, 1–100 */
  @OptionalField()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  /** Opaque cursor from `nextCursor` of the previous page */
  @OptionalField()
  @IsString()
  @MaxLength(512)
  @Matches(/^[A-Za-z0-9_-]+$/)
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export function encodeCursor(values: unknown[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

export type CursorPart = 'timestamp' | 'date' | 'uuid' | 'string' | 'int';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PART_OK: Record<CursorPart, (v: unknown) => boolean> = {
  timestamp: (v) => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/.test(v) && !Number.isNaN(Date.parse(v)),
  date: (v) => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00Z`)) && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v),
  uuid: (v) => typeof v === 'string' && UUID.test(v),
  string: (v) => typeof v === 'string' && v.length <= 200,
  int: (v) => typeof v === 'string' && /^\d{1,18}$/.test(v),
};

/** Keyset position `[sortValue..., id]`, each part of the expected kind; a cursor that is not ours answers 400. */
export function decodeCursor(cursor: string | undefined, parts: CursorPart[]): unknown[] | null {
  if (!cursor) return null;
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === parts.length && parts.every((kind, i) => PART_OK[kind](v[i]))) return v;
  } catch {
    // fall through
  }
  throw new DomainError('VALIDATION_FAILED', 'Invalid cursor', { errors: [{ field: 'cursor', code: 'INVALID_CURSOR', message: 'cursor is not valid' }] });
}

/** Fetch limit + 1 rows, return limit of them and the cursor of the last one when more exist. */
export function toPage<R, T>(rows: R[], limit: number, keyOf: (row: R) => unknown[], map: (row: R) => T): Page<T> {
  const more = rows.length > limit;
  const slice = more ? rows.slice(0, limit) : rows;
  return { items: slice.map(map), nextCursor: more ? encodeCursor(keyOf(slice[slice.length - 1])) : null };
}
