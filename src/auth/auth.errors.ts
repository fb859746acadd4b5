import { DomainError, type DomainErrorOptions } from '../common/errors.js';

type AuthCode = 'UNAUTHENTICATED' | 'MFA_REQUIRED' | 'STEP_UP_REQUIRED' | 'RATE_LIMITED' | 'VALIDATION_FAILED' | 'CONFLICT' | 'FORBIDDEN';

export class AuthError extends DomainError {
  constructor(code: AuthCode, message: string, options: DomainErrorOptions = {}) {
    super(code, message, options);
  }
}

/** The same body for an unknown user and a wrong password, so accounts cannot be enumerated. */
export const badCredentials = () => new AuthError('UNAUTHENTICATED', 'Invalid credentials');
