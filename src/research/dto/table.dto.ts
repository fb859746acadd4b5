import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsInt, IsString, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { OptionalField } from '../../common/validators.js';
import { MEASURE_NAMES } from '../tables/measures.js';

export class TableDimensionDto {
  /** A research dimension: age, sex, geo, period, referral_source, attempts, first_attempt_delay, prior_referrals, outcome */
  @IsString()
  @Matches(/^[a-z_0-9]{1,40}$/)
  name!: string;

  /** Registry level: 0 is the finest */
  @IsInt()
  @Min(0)
  @Max(10)
  level!: number;
}

export class TableFilterDto {
  @IsString()
  @Matches(/^[a-z_0-9]{1,40}$/)
  dimension!: string;

  @IsInt()
  @Min(0)
  @Max(10)
  level!: number;

  /** Whole hierarchy nodes of this level: codes from the release registry */
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(200)
  @IsString({ each: true })
  @MaxLength(40, { each: true })
  in!: string[];
}

export class CreateTableDto {
  /** What each cell counts: `persons`, or a rate with its denominator */
  @IsIn(MEASURE_NAMES)
  measure!: string;

  /** Up to three classifying dimensions plus period */
  @IsArray()
  @ArrayMaxSize(4)
  @ValidateNested({ each: true })
  @Type(() => TableDimensionDto)
  dimensions!: TableDimensionDto[];

  @OptionalField()
  @IsArray()
  @ArrayMaxSize(4)
  @ValidateNested({ each: true })
  @Type(() => TableFilterDto)
  filters?: TableFilterDto[];
}
