/**
 * Every error code the API can answer with, and its HTTP status. The Record type makes the mapping
 * exhaustive: adding a code without a status does not compile.
 */
export const ERROR_STATUS = {
  VALIDATION_FAILED: 400,
  MALFORMED_REQUEST: 400,
  UNKNOWN_MUNICIPALITY: 400,
  UNAUTHENTICATED: 401,
  MFA_REQUIRED: 401,
  STEP_UP_REQUIRED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  INVALID_TRANSITION: 409,
  IDEMPOTENCY_CONFLICT: 422,
  VERSION_CONFLICT: 412,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNPROCESSABLE: 422,
  PRECONDITION_REQUIRED: 428,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
  // Research disclosure control (research-data.md §5.9)
  TABLE_TOO_COMPLEX: 422,
  TABLE_TOO_LARGE: 422,
  TABLE_TOO_SPARSE: 422,
  FILTER_NOT_ALLOWED: 422,
  TABLE_NOT_PROTECTABLE: 422,
  EXPORT_INFEASIBLE: 422,
  LEVEL_NOT_ALLOWED: 403,
  MODE_NOT_ALLOWED: 403,
  PROJECT_EXPIRED: 403,
  RESEARCH_MODE_CONFLICT: 409,
  EXPORT_NOT_READY: 409,
  PROJECT_KEY_SHREDDED: 410,
  EXPORT_EXPIRED: 410,
  DISCLOSURE_CHECK_FAILED: 500,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface FieldError {
  field: string;
  code: string;
  message: string;
}

export interface DomainErrorOptions {
  /** Extra, non-personal members of the problem body (e.g. allowed transition targets). */
  details?: Record<string, unknown>;
  errors?: FieldError[];
  /** Overrides the code's default status where api.md gives one code two statuses (409/422). */
  status?: number;
  /** Never sent to the client: data subjects an out-of-scope attempt touched, for the denial event. */
  auditSubjectIds?: string[];
  retryAfterSeconds?: number;
  headers?: Record<string, string>;
}

/**
 * The one exception type services throw. Feature modules subclass it to narrow the codes they use;
 * the global filter turns it into application/problem+json.
 */
export class DomainError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly options: DomainErrorOptions = {},
  ) {
    super(message);
    this.name = 'DomainError';
    this.status = options.status ?? ERROR_STATUS[code];
  }
}

export const notFound = (what = 'Resource') => new DomainError('NOT_FOUND', `${what} not found`);

export const forbidden = (message = 'You are not allowed to do this', details?: Record<string, unknown>) =>
  new DomainError('FORBIDDEN', message, { details });

export function validationFailed(errors: FieldError[], message = 'Request validation failed'): DomainError {
  return new DomainError('VALIDATION_FAILED', message, { errors });
}
