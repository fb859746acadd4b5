import { DomainError } from './errors.js';

/** `If-Match: "<version>"`: missing → 428; weak, `*` or malformed → 400. */
export function parseIfMatch(header: string | string[] | undefined): number {
  if (header === undefined || header === '') throw new DomainError('PRECONDITION_REQUIRED', 'If-Match with the current version is required');
  const value = Array.isArray(header) ? header[0] : header;
  const m = /^"(\d{1,9})"$/.exec(value.trim());
  if (!m) {
    throw new DomainError('VALIDATION_FAILED', 'If-Match must be a strong ETag like "3"', {
      errors: [{ field: 'If-Match', code: 'INVALID_IF_MATCH', message: 'If-Match must be a strong ETag like "3"' }],
    });
  }
  return Number(m[1]);
}

export const etag = (version: number) => `"${version}"`;
