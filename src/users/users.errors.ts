import { DomainError, type DomainErrorOptions } from '../common/errors.js';

type UserCode = 'NOT_FOUND' | 'FORBIDDEN' | 'VALIDATION_FAILED' | 'CONFLICT' | 'VERSION_CONFLICT';

export class UserError extends DomainError {
  constructor(code: UserCode, message: string, options: DomainErrorOptions = {}) {
    super(code, message, options);
  }
}
