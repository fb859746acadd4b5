/** SQLSTATE classes the application treats specially (access-and-audit.md §5.3). */
export const RETRYABLE_SQLSTATES = new Set(['40001', '40P01']);

const UNAVAILABLE_SQLSTATES = new Set(['55P03', '57014', '08000', '08001', '08003', '08004', '08006', '57P01', '57P02', '57P03', '53300']);

export function sqlState(err: unknown): string | undefined {
  if (err && typeof err === 'object') {
    const e = err as { code?: unknown; driverError?: { code?: unknown } };
    const code = typeof e.code === 'string' ? e.code : typeof e.driverError?.code === 'string' ? e.driverError.code : undefined;
    if (code && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

/**
 * True when the database could not be reached or answered in time: the client gets 503 and may retry.
 * Node socket errors and pg-pool's acquire timeout carry no SQLSTATE, so they are recognised by message.
 */
export function isUnavailable(err: unknown): boolean {
  const state = sqlState(err);
  if (state && UNAVAILABLE_SQLSTATES.has(state)) return true;
  if (!err || typeof err !== 'object') return false;
  const e = err as { code?: unknown; message?: unknown };
  if (typeof e.code === 'string' && ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH'].includes(e.code)) return true;
  const msg = typeof e.message === 'string' ? e.message : '';
  return /timeout exceeded when trying to connect|Connection terminated|connection is closed|Client has encountered a connection error|terminating connection|the database system is (starting up|shutting down|in recovery)|Client was closed/i.test(msg);
}

/** Constraint name of a unique/foreign-key violation, for mapping to a domain code. */
export function constraintOf(err: unknown): string | undefined {
  if (err && typeof err === 'object') {
    const e = err as { constraint?: unknown; driverError?: { constraint?: unknown } };
    const c = e.constraint ?? e.driverError?.constraint;
    return typeof c === 'string' ? c : undefined;
  }
  return undefined;
}
