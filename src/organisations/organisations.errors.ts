import { DomainError, type DomainErrorOptions } from '../common/errors.js';

type OrganisationCode = 'NOT_FOUND' | 'VALIDATION_FAILED' | 'VERSION_CONFLICT';

export class OrganisationError extends DomainError {
  constructor(code: OrganisationCode, message: string, options: DomainErrorOptions = {}) {
    super(code, message, options);
  }
}
