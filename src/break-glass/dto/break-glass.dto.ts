import { IsIn, IsString, MaxLength, MinLength } from 'class-validator';
import { BREAK_GLASS_REVIEW_OUTCOMES } from '../../common/domain-enums.js';
import { PageQuery } from '../../common/pagination.js';
import { IsCleanText, OptionalField } from '../../common/validators.js';

export class BreakGlassDto {
  /** Why this case must be opened now: at least 20 characters, at most 500 */
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  @IsCleanText()
  reason!: string;
}

export class ListGrantsQuery extends PageQuery {
  /** `false`: the review queue */
  @OptionalField()
  @IsIn(['true', 'false'])
  reviewed?: 'true' | 'false';
}

export class ReviewGrantDto {
  @IsIn(BREAK_GLASS_REVIEW_OUTCOMES)
  outcome!: string;

  @OptionalField()
  @IsString()
  @MaxLength(1000)
  @IsCleanText()
  note?: string;
}
