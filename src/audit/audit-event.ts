import type { FieldClass } from '../authorization/field-classes.js';

export const AUDIT_ACTIONS = [
  'CREATE',
  'READ',
  'LIST',
  'SEARCH',
  'UPDATE',
  'TRANSITION',
  'MERGE',
  'EXPORT',
  'DISCLOSE',
  'ERASE',
  'BREAK_GLASS_GRANT',
  'BREAK_GLASS_REVIEW',
  'LOGIN',
  'LOGOUT',
  'MFA',
  'STEP_UP',
  'SESSION_REVOKE',
  'API_KEY_CREATE',
  'API_KEY_REVOKE',
  'API_KEY_USE',
  'USER_CHANGE',
  'ROLE_CHANGE',
  'REPLAY',
  'AUDIT_READ',
  'AUDIT_VERIFY',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export type AuditOutcome = 'success' | 'denied' | 'error';

/** What a service says about one action; who, when, why and from where come from the actor. */
export interface AuditEventInput {
  action: AuditAction;
  objectType: string;
  objectIds?: Array<string | null | undefined>;
  subjectIds?: Array<string | null | undefined>;
  fieldClasses?: Iterable<FieldClass>;
  filterKeys?: string[];
  outcome?: AuditOutcome;
  httpStatus?: number;
  errorCode?: string;
  authzRule?: string;
  onBehalfOfUserId?: string | null;
  breakGlassGrantId?: string | null;
  breakGlassReasonSha256?: Buffer | null;
  recipientOrgId?: string | null;
}
