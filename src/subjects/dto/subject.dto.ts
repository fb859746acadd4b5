import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsDateString, IsIn, IsOptional, IsString, IsUUID, Matches, MaxLength, MinLength, ValidateNested } from 'class-validator';
import { SEXES } from '../../common/domain-enums.js';
import { IsCleanText, IsPastDate, NotInFuture } from '../../common/validators.js';
import { AddressDto, GuardianDto, PHONE } from '../../referrals/dto/referral.dto.js';

/** Rectification by a coordinator; every change is audited. */
export class UpdateSubjectDto {
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  @IsCleanText()
  givenNames?: string;

  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  @IsCleanText()
  familyName?: string;

  @IsOptional()
  @IsString()
  @IsPastDate()
  dateOfBirth?: string;

  @IsOptional()
  @IsIn(SEXES)
  sex?: string;

  /** A new address; it counts as unverified unless addressVerifiedAt is given too */
  @IsOptional()
  @ValidateNested()
  @Type(() => AddressDto)
  address?: AddressDto;

  /** When the address was checked (guard G4) */
  @IsOptional()
  @IsDateString({ strict: true })
  @NotInFuture()
  addressVerifiedAt?: string;

  @IsOptional()
  @IsString()
  @Matches(PHONE)
  phone?: string;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(4)
  @ValidateNested({ each: true })
  @Type(() => GuardianDto)
  guardians?: GuardianDto[];

  @IsOptional()
  @IsString()
  @Matches(/^[a-z]{2,3}$/)
  preferredLanguage?: string;

  @IsOptional()
  @IsBoolean()
  interpreterNeeded?: boolean;

  /** Special-category data (Art. 9 GDPR): suspected mild intellectual disability */
  @IsOptional()
  @IsBoolean()
  lvbSuspected?: boolean;

  /** Special-category data (Art. 9 GDPR) */
  @IsOptional()
  @IsBoolean()
  mentalHealthConcern?: boolean;
}

export class MergeSubjectDto {
  /** The subject this possible duplicate is the same person as */
  @IsUUID('4')
  intoSubjectId!: string;
}
