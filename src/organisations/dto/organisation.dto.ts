import { OptionalField } from '../../common/validators.js';
import { ArrayMaxSize, ArrayUnique, IsArray, IsBoolean, IsDateString, IsIn, IsString, IsUUID, MaxLength, MinLength } from 'class-validator';
import { PageQuery } from '../../common/pagination.js';
import { ORGANISATION_TYPES, type OrganisationType } from '../organisation-types.js';

export class CreateOrganisationDto {
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name!: string;

  @IsIn(ORGANISATION_TYPES)
  type!: OrganisationType;

  @OptionalField()
  @IsUUID('4')
  parentId?: string;

  /** May submit referrals (banks, police intake) */
  @OptionalField()
  @IsBoolean()
  canRefer?: boolean;

  /** Districts served (youth work, care providers) */
  @OptionalField()
  @IsArray()
  @ArrayMaxSize(50)
  @ArrayUnique()
  @IsUUID('4', { each: true })
  servedAreaIds?: string[];

  /** When the data-sharing covenant was signed; without it the organisation gets no case data */
  @OptionalField()
  @IsDateString({ strict: true })
  covenantSignedAt?: string;

  @OptionalField()
  @IsString()
  @MaxLength(50)
  covenantVersion?: string;
}

export class UpdateOrganisationDto {
  @OptionalField()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name?: string;

  @OptionalField()
  @IsBoolean()
  canRefer?: boolean;

  @OptionalField()
  @IsArray()
  @ArrayMaxSize(50)
  @ArrayUnique()
  @IsUUID('4', { each: true })
  servedAreaIds?: string[];

  @OptionalField()
  @IsDateString({ strict: true })
  covenantSignedAt?: string;

  @OptionalField()
  @IsString()
  @MaxLength(50)
  covenantVersion?: string;

  @OptionalField()
  @IsBoolean()
  active?: boolean;
}

export class ListOrganisationsQuery extends PageQuery {
  @OptionalField()
  @IsIn(ORGANISATION_TYPES)
  type?: OrganisationType;
}
