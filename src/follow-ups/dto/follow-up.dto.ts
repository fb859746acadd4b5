import { Type } from 'class-transformer';
import { IsBoolean, IsDateString, IsIn, IsInt, IsString, Max, MaxLength, Min } from 'class-validator';
import { CARE_STATUSES, FOLLOW_UP_CHANNELS, FOLLOW_UP_RESULTS, YES_NO_UNKNOWN } from '../../common/domain-enums.js';
import { PageQuery } from '../../common/pagination.js';
import { IsCleanText, NotInFuture, OptionalField } from '../../common/validators.js';

export class CreateFollowUpDto {
  /** When the next contact is due */
  @IsDateString({ strict: true })
  dueAt!: string;
}

/** Record a follow-up contact (If-Match). */
export class UpdateFollowUpDto {
  @OptionalField()
  @IsDateString({ strict: true })
  dueAt?: string;

  @OptionalField()
  @IsDateString({ strict: true })
  @NotInFuture()
  occurredAt?: string;

  @OptionalField()
  @IsIn(FOLLOW_UP_CHANNELS)
  channel?: string;

  @OptionalField()
  @IsIn(FOLLOW_UP_RESULTS)
  result?: string;

  /** The status of care as the young person reports it */
  @OptionalField()
  @IsIn(CARE_STATUSES)
  careStatusReported?: string;

  @OptionalField()
  @IsIn(YES_NO_UNKNOWN)
  reApproachedByRecruiter?: string;

  @OptionalField()
  @IsIn(YES_NO_UNKNOWN)
  newIncidentReported?: string;

  /** 1–5 */
  @OptionalField()
  @IsInt()
  @Min(1)
  @Max(5)
  awarenessNow?: number;

  @OptionalField()
  @IsBoolean()
  needsNewCare?: boolean;

  /** Youth worker only (≤ 1,000) */
  @OptionalField()
  @IsString()
  @MaxLength(1000)
  @IsCleanText()
  notes?: string;
}

export class ListFollowUpsQuery extends PageQuery {
  /** overdue: due and not done; upcoming: not yet due; all (default) */
  @OptionalField()
  @IsIn(['overdue', 'upcoming', 'all'])
  due?: 'overdue' | 'upcoming' | 'all';

  /** Include contacts already made */
  @OptionalField()
  @Type(() => String)
  @IsIn(['true', 'false'])
  includeDone?: 'true' | 'false';
}
