import { DomainError, type DomainErrorOptions } from '../common/errors.js';

export type ResearchErrorCode =
  | 'TABLE_TOO_COMPLEX'
  | 'TABLE_TOO_LARGE'
  | 'TABLE_TOO_SPARSE'
  | 'FILTER_NOT_ALLOWED'
  | 'TABLE_NOT_PROTECTABLE'
  | 'EXPORT_INFEASIBLE'
  | 'LEVEL_NOT_ALLOWED'
  | 'MODE_NOT_ALLOWED'
  | 'PROJECT_EXPIRED'
  | 'RESEARCH_MODE_CONFLICT'
  | 'EXPORT_NOT_READY'
  | 'PROJECT_KEY_SHREDDED'
  | 'EXPORT_EXPIRED'
  | 'DISCLOSURE_CHECK_FAILED'
  | 'VALIDATION_FAILED';

/** The research module's one exception type (research-data.md §5.9); `details` never carries person data. */
export class ResearchError extends DomainError {
  declare readonly code: ResearchErrorCode;
  constructor(code: ResearchErrorCode, message: string, options: DomainErrorOptions = {}) {
    super(code, message, options);
    this.name = 'ResearchError';
  }
}
