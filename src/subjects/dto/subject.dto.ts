import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsDateString,
  IsIn,
  IsObject,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { SEXES } from '../../common/domain-enums.js';
import { IsCleanText, IsPastDate, NotInFuture, OptionalField } from '../../common/validators.js';
import { AddressDto, GuardianDto, PHONE } from '../../referrals/dto/referral.dto.js';

/** Rectification by a coordinator; every change is audited. */
export class UpdateSubjectDto {
  @OptionalField()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  @IsCleanText()
  givenNames?: string;

  @OptionalField()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  @IsCleanText()
  familyName?: string;

  @OptionalField()
  @IsString()
  @IsPastDate()
  dateOfBirth?: string;

  @OptionalField()
  @IsIn(SEXES)
  sex?: string;

  /** A new address; it counts as unverified unless addressVerifiedAt is given too */
  @OptionalField()
  @IsObject()
  @ValidateNested()
  @Type(() => AddressDto)
  address?: AddressDto;

  /** When the address was checked (guard G4) */
  @OptionalField()
  @IsDateString({ strict: true })
  @NotInFuture()
  addressVerifiedAt?: string;

  @OptionalField()
  @IsString()
  @Matches(PHONE)
  phone?: string;

  @OptionalField()
  @IsArray()
  @ArrayMaxSize(4)
  @ValidateNested({ each: true })
  @Type(() => GuardianDto)
  guardians?: GuardianDto[];

  @OptionalField()
  @IsString()
  @Matches(/^[a-z]{2,3}$/)
  preferredLanguage?: string;

  @OptionalField()
  @IsBoolean()
  interpreterNeeded?: boolean;

  /** Special-category data (Art. 9 GDPR): suspected mild intellectual disability */
  @OptionalField()
  @IsBoolean()
  lvbSuspected?: boolean;

  /** Special-category data (Art. 9 GDPR) */
  @OptionalField()
  @IsBoolean()
  mentalHealthConcern?: boolean;
}

export class MergeSubjectDto {
  /** The subject this possible duplicate is the same person as */
  @IsUUID('4')
  intoSubjectId!: string;
}
