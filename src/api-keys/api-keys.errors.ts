import { DomainError, type DomainErrorOptions } from '../common/errors.js';

type ApiKeyCode = 'NOT_FOUND' | 'VALIDATION_FAILED';

export class ApiKeyError extends DomainError {
  constructor(code: ApiKeyCode, message: string, options: DomainErrorOptions = {}) {
    super(code, message, options);
  }
}
