import { ArrayMaxSize, ArrayUnique, IsArray, IsBoolean, IsDateString, IsIn, IsOptional, IsString, IsUUID, MaxLength, MinLength } from 'class-validator';
import { PageQuery } from '../../common/pagination.js';
import { ORGANISATION_TYPES, type OrganisationType } from '../organisation-types.js';

export class CreateOrganisationDto {
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name!: string;

  @IsIn(ORGANISATION_TYPES)
  type!: OrganisationType;

  @IsOptional()
  @IsUUID('4')
  parentId?: string;

  /** May submit referrals (banks, police intake) */
  @IsOptional()
  @IsBoolean()
  canRefer?: boolean;

  /** Districts served (youth work, care providers) */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @ArrayUnique()
  @IsUUID('4', { each: true })
  servedAreaIds?: string[];

  /** When the data-sharing covenant was signed; without it the organisation gets no case data */
  @IsOptional()
  @IsDateString({ strict: true })
  covenantSignedAt?: string;

  @IsOptional()
  @IsString()
  @MaxLength(50)
  covenantVersion?: string;
}

export class UpdateOrganisationDto {
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name?: string;

  @IsOptional()
  @IsBoolean()
  canRefer?: boolean;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @ArrayUnique()
  @IsUUID('4', { each: true })
  servedAreaIds?: string[];

  @IsOptional()
  @IsDateString({ strict: true })
  covenantSignedAt?: string;

  @IsOptional()
  @IsString()
  @MaxLength(50)
  covenantVersion?: string;

  @IsOptional()
  @IsBoolean()
  active?: boolean;
}

export class ListOrganisationsQuery extends PageQuery {
  @IsOptional()
  @IsIn(ORGANISATION_TYPES)
  type?: OrganisationType;
}
