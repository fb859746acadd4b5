import { DomainError, type DomainErrorOptions } from '../common/errors.js';

type ReferralCode = 'NOT_FOUND' | 'FORBIDDEN' | 'VALIDATION_FAILED' | 'UNKNOWN_MUNICIPALITY' | 'VERSION_CONFLICT' | 'CONFLICT';

export class ReferralError extends DomainError {
  constructor(code: ReferralCode, message: string, options: DomainErrorOptions = {}) {
    super(code, message, options);
  }
}
