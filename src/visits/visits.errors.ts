import { DomainError, type DomainErrorOptions } from '../common/errors.js';

type VisitCode = 'NOT_FOUND' | 'FORBIDDEN' | 'VALIDATION_FAILED' | 'INVALID_TRANSITION' | 'VERSION_CONFLICT' | 'CONFLICT';

export class VisitError extends DomainError {
  constructor(code: VisitCode, message: string, options: DomainErrorOptions = {}) {
    super(code, message, options);
  }
}
