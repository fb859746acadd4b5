import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsDateString,
  IsIn,
  IsObject,
  IsString,
  IsUUID,
  MaxLength,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { ATTEMPT_RESULTS, OVERRIDE_REASONS, SPOKE_WITH, VISIT_CANCEL_REASONS } from '../../common/domain-enums.js';
import { PageQuery } from '../../common/pagination.js';
import { IsCleanText, NotInFuture, OptionalField } from '../../common/validators.js';

export class VisitOverrideDto {
  /** Why the visit goes without the police–youth-work pair */
  @IsIn(OVERRIDE_REASONS)
  reason!: string;

  @IsString()
  @MinLength(1)
  @MaxLength(300)
  @IsCleanText()
  comment!: string;
}

export class CreateVisitDto {
  @IsDateString({ strict: true })
  plannedStart!: string;

  @IsDateString({ strict: true })
  plannedEnd!: string;

  /** One police officer and one youth worker with access to the case's district, unless overridden */
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(4)
  @ArrayUnique()
  @IsUUID('4', { each: true })
  visitorIds!: string[];

  /** Shown to both visitors; at most 300 characters */
  @OptionalField()
  @IsString()
  @MaxLength(300)
  @IsCleanText()
  safetyNotes?: string;

  @OptionalField()
  @IsObject()
  @ValidateNested()
  @Type(() => VisitOverrideDto)
  override?: VisitOverrideDto;

  /** SUBJECT_REQUESTED when planning again after UNREACHABLE or REFUSED */
  @OptionalField()
  @IsIn(['SUBJECT_REQUESTED'])
  reasonCode?: string;
}

export class CancelVisitDto {
  @IsIn(VISIT_CANCEL_REASONS)
  reason!: string;
}

/** Reschedule, change visitors or safety notes, or cancel (If-Match). */
export class UpdateVisitDto {
  @OptionalField()
  @IsDateString({ strict: true })
  plannedStart?: string;

  @OptionalField()
  @IsDateString({ strict: true })
  plannedEnd?: string;

  @OptionalField()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(4)
  @ArrayUnique()
  @IsUUID('4', { each: true })
  visitorIds?: string[];

  @OptionalField()
  @IsString()
  @MaxLength(300)
  @IsCleanText()
  safetyNotes?: string;

  @OptionalField()
  @IsObject()
  @ValidateNested()
  @Type(() => VisitOverrideDto)
  override?: VisitOverrideDto;

  @OptionalField()
  @IsObject()
  @ValidateNested()
  @Type(() => CancelVisitDto)
  cancel?: CancelVisitDto;
}

export class ListVisitsQuery extends PageQuery {
  /** Start of the window (default: today 00:00 in Europe/Amsterdam) */
  @OptionalField()
  @IsDateString({ strict: true })
  from?: string;

  /** End of the window (default: the end of tomorrow); at most 31 days after `from` */
  @OptionalField()
  @IsDateString({ strict: true })
  to?: string;

  /** Only visits the caller is a visitor on (default true for visitors) */
  @OptionalField()
  @IsIn(['true', 'false'])
  mine?: 'true' | 'false';

  @OptionalField()
  @IsIn(['PLANNED', 'DONE', 'CANCELLED'])
  status?: string;
}

export class CreateAttemptDto {
  /** When the visitors stood at the door; not in the future */
  @IsDateString({ strict: true })
  @NotInFuture()
  occurredAt!: string;

  @IsIn(ATTEMPT_RESULTS)
  result!: string;

  /** A card with contact details was left */
  @IsBoolean()
  cardLeft!: boolean;

  @IsIn(SPOKE_WITH)
  spokeWith!: string;

  /** A coordinator recording for a visitor names the visitor */
  @OptionalField()
  @IsUUID('4')
  onBehalfOfUserId?: string;
}
