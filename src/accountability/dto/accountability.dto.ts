import { IsDateString, IsIn, IsOptional, IsUUID } from 'class-validator';
import { PageQuery } from '../../common/pagination.js';
import { AUDIT_ACTIONS } from '../../audit/audit-event.js';

export class SearchAuditEventsQuery extends PageQuery {
  /** Events that touched this data subject */
  @IsOptional()
  @IsUUID('4')
  subjectId?: string;

  /** Events by this user */
  @IsOptional()
  @IsUUID('4')
  actorId?: string;

  @IsOptional()
  @IsDateString({ strict: true })
  from?: string;

  @IsOptional()
  @IsDateString({ strict: true })
  to?: string;

  @IsOptional()
  @IsIn(AUDIT_ACTIONS)
  action?: string;

  @IsOptional()
  @IsIn(['success', 'denied', 'error'])
  outcome?: string;
}

export class AccessLogQuery extends PageQuery {
  @IsOptional()
  @IsDateString({ strict: true })
  from?: string;

  @IsOptional()
  @IsDateString({ strict: true })
  to?: string;
}
