import { OptionalField } from '../../common/validators.js';
import { IsDateString, IsIn, IsUUID } from 'class-validator';
import { PageQuery } from '../../common/pagination.js';
import { AUDIT_ACTIONS } from '../../audit/audit-event.js';

export class SearchAuditEventsQuery extends PageQuery {
  /** Events that touched this data subject */
  @OptionalField()
  @IsUUID('4')
  subjectId?: string;

  /** Events by this user */
  @OptionalField()
  @IsUUID('4')
  actorId?: string;

  @OptionalField()
  @IsDateString({ strict: true })
  from?: string;

  @OptionalField()
  @IsDateString({ strict: true })
  to?: string;

  @OptionalField()
  @IsIn(AUDIT_ACTIONS)
  action?: string;

  @OptionalField()
  @IsIn(['success', 'denied', 'error'])
  outcome?: string;
}

export class AccessLogQuery extends PageQuery {
  @OptionalField()
  @IsDateString({ strict: true })
  from?: string;

  @OptionalField()
  @IsDateString({ strict: true })
  to?: string;
}

export class VerifyQuery {
  /** `true`: recompute the whole chain instead of continuing from the last verified checkpoint */
  @OptionalField()
  @IsIn(['true', 'false'])
  full?: 'true' | 'false';
}
