import type { Role } from '../config/app-config.js';

export const PROCESSING_ACTIVITIES = [
  'INTAKE',
  'TRIAGE',
  'VISIT_PLANNING',
  'VISIT',
  'FOLLOW_UP',
  'CASE_MANAGEMENT',
  'RESEARCH',
  'ACCOUNTABILITY',
  'ADMINISTRATION',
] as const;
export type ProcessingActivity = (typeof PROCESSING_ACTIVITIES)[number];

/** What the audit trail needs to know about the HTTP request an action belongs to. */
export interface RequestMeta {
  requestId: string;
  method: string;
  /** Method and route template, never the concrete URL. */
  route: string;
  purpose: ProcessingActivity | null;
  ip: string | null;
  userAgentSha256: Buffer | null;
  startedAt: Date;
  traceId: string;
  spanId: string;
}

export type AuthMethod = 'password' | 'password+totp' | 'api_key' | 'none' | 'system';

/**
 * The acting principal, passed explicitly into every service method. Built by the access guard from
 * a session or API key on every request, so rights changes take effect at once.
 */
export interface Actor {
  type: 'user' | 'api_key' | 'system' | 'anonymous';
  userId: string | null;
  apiKeyId: string | null;
  roles: Role[];
  organisationId: string | null;
  districtIds: string[];
  sessionId: string | null;
  authMethod: AuthMethod;
  mfaVerifiedAt: Date | null;
  rightsVersion: number;
  /** A session of an MFA role that has not enrolled yet: enrolment routes only. */
  restricted: boolean;
  request: RequestMeta;
}

export function hasRole(actor: Actor, role: Role): boolean {
  return actor.roles.includes(role);
}

/** The scope an idempotency key lives in: keys of different callers never collide. */
export function actorKey(actor: Actor): string {
  return actor.type === 'api_key' ? `apikey:${actor.apiKeyId}` : `user:${actor.userId}`;
}

export function systemActor(purpose: ProcessingActivity | null, route = 'SYSTEM'): Actor {
  return {
    type: 'system',
    userId: null,
    apiKeyId: null,
    roles: [],
    organisationId: null,
    districtIds: [],
    sessionId: null,
    authMethod: 'system',
    mfaVerifiedAt: null,
    rightsVersion: 0,
    restricted: false,
    request: {
      requestId: `system-${Date.now().toString(36)}`,
      method: 'SYSTEM',
      route,
      purpose,
      ip: null,
      userAgentSha256: null,
      startedAt: new Date(),
      traceId: '0'.repeat(32),
      spanId: '0'.repeat(16),
    },
  };
}
