import { Type } from 'class-transformer';
import { IsDateString, IsIn, IsObject, IsString, IsUUID, MaxLength, MinLength, ValidateNested } from 'class-validator';
import { CASE_STATES, CLOSURE_REASONS, HOLD_REASONS, PRIORITIES, TRANSITION_REASONS, type CaseState } from '../../common/domain-enums.js';
import { PageQuery } from '../../common/pagination.js';
import { NotInFuture, OptionalField } from '../../common/validators.js';

export class ListCasesQuery extends PageQuery {
  @OptionalField()
  @IsIn(CASE_STATES)
  state?: CaseState;

  @OptionalField()
  @IsUUID('4')
  districtId?: string;

  /** Coordinators: cases they manage; visitors: cases they visit */
  @OptionalField()
  @IsIn(['true', 'false'])
  assignedToMe?: 'true' | 'false';

  @OptionalField()
  @IsIn(['true', 'false'])
  overdue?: 'true' | 'false';

  /** Cases with a new signal the coordinator has not reviewed */
  @OptionalField()
  @IsIn(['true', 'false'])
  hasUnreviewedSignal?: 'true' | 'false';
}

export class TransitionDto {
  /** Target state */
  @IsIn(CASE_STATES)
  to!: CaseState;

  /** A closure reason when closing; SUBJECT_REQUESTED, ATTEMPTS_STOPPED … for other moves */
  @OptionalField()
  @IsIn([...CLOSURE_REASONS, ...TRANSITION_REASONS])
  reasonCode?: string;

  @OptionalField()
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  comment?: string;

  /** Required when going ON_HOLD */
  @OptionalField()
  @IsIn(HOLD_REASONS)
  holdReason?: string;

  /** Required when going ON_HOLD; at most `triage.maxHoldDays` ahead */
  @OptionalField()
  @IsDateString({ strict: true })
  holdUntil?: string;
}

export class PoliceClearanceDto {
  /** When the police confirmed there is no investigative interest */
  @IsDateString({ strict: true })
  @NotInFuture()
  confirmedAt!: string;

  @IsUUID('4')
  policeOrganisationId!: string;

  /** The police's reference for the confirmation */
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  reference!: string;
}

export class UpdateCaseDto {
  /** A coordinator who manages the case */
  @OptionalField()
  @IsUUID('4')
  caseManagerId?: string;

  @OptionalField()
  @IsIn(PRIORITIES)
  priority?: string;

  /** The police "no investigative interest" confirmation (guard G2) */
  @OptionalField()
  @IsObject()
  @ValidateNested()
  @Type(() => PoliceClearanceDto)
  policeClearance?: PoliceClearanceDto;
}
