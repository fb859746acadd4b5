import type { Actor } from './actor.js';

/** The role a case action was taken in, for the history row. */
export function primaryCaseRole(actor: Actor): string | null {
  for (const r of ['coordinator', 'police_officer', 'youth_worker', 'referrer'] as const) if (actor.roles.includes(r)) return r;
  return actor.roles[0] ?? null;
}
