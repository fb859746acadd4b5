import { Type } from 'class-transformer';
import { IsBoolean, IsDateString, IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { CARE_STATUSES, FOLLOW_UP_CHANNELS, FOLLOW_UP_RESULTS, YES_NO_UNKNOWN } from '../../common/domain-enums.js';
import { PageQuery } from '../../common/pagination.js';
import { IsCleanText, NotInFuture } from '../../common/validators.js';

export class CreateFollowUpDto {
  /** When the next contact is due */
  @IsDateString({ strict: true })
  dueAt!: string;
}

/** Record a follow-up contact (If-Match). */
export class UpdateFollowUpDto {
  @IsOptional()
  @IsDateString({ strict: true })
  dueAt?: string;

  @IsOptional()
  @IsDateString({ strict: true })
  @NotInFuture()
  occurredAt?: string;

  @IsOptional()
  @IsIn(FOLLOW_UP_CHANNELS)
  channel?: string;

  @IsOptional()
  @IsIn(FOLLOW_UP_RESULTS)
  result?: string;

  /** The status of care as the young person reports it */
  @IsOptional()
  @IsIn(CARE_STATUSES)
  careStatusReported?: string;

  @IsOptional()
  @IsIn(YES_NO_UNKNOWN)
  reApproachedByRecruiter?: string;

  @IsOptional()
  @IsIn(YES_NO_UNKNOWN)
  newIncidentReported?: string;

  /** 1–5 */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(5)
  awarenessNow?: number;

  @IsOptional()
  @IsBoolean()
  needsNewCare?: boolean;

  /** Youth worker only (≤ 1,000) */
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  @IsCleanText()
  notes?: string;
}

export class ListFollowUpsQuery extends PageQuery {
  /** overdue: due and not done; upcoming: not yet due; all (default) */
  @IsOptional()
  @IsIn(['overdue', 'upcoming', 'all'])
  due?: 'overdue' | 'upcoming' | 'all';

  /** Include contacts already made */
  @IsOptional()
  @Type(() => String)
  @IsIn(['true', 'false'])
  includeDone?: 'true' | 'false';
}
