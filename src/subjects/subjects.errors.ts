import { DomainError, type DomainErrorOptions } from '../common/errors.js';

type SubjectCode = 'NOT_FOUND' | 'FORBIDDEN' | 'VALIDATION_FAILED' | 'UNKNOWN_MUNICIPALITY' | 'VERSION_CONFLICT' | 'CONFLICT';

export class SubjectError extends DomainError {
  constructor(code: SubjectCode, message: string, options: DomainErrorOptions = {}) {
    super(code, message, options);
  }
}
