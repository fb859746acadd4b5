import { DomainError, type DomainErrorOptions } from '../common/errors.js';

type CaseCode = 'NOT_FOUND' | 'FORBIDDEN' | 'VALIDATION_FAILED' | 'INVALID_TRANSITION' | 'VERSION_CONFLICT' | 'CONFLICT' | 'STEP_UP_REQUIRED' | 'RATE_LIMITED';

export class CaseError extends DomainError {
  constructor(code: CaseCode, message: string, options: DomainErrorOptions = {}) {
    super(code, message, options);
  }
}
