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
  Matches,
  MaxLength,
  MinLength,
  ValidateNested,
} from 'class-validator';
import {
  AMOUNT_BANDS,
  BANK_REGISTRATION_STATUSES,
  FRAUD_TYPES,
  GUARDIAN_RELATIONS,
  REASON_CODES,
  REFERRAL_STATUSES,
  SEXES,
  SOURCE_TYPES,
} from '../../common/domain-enums.js';
import { PageQuery } from '../../common/pagination.js';
import { IsCleanText, IsPastDate, IsPastMonth, NotInFuture, OptionalField } from '../../common/validators.js';

export const POSTCODE = /^[1-9][0-9]{3} ?[A-Za-z]{2}$/;
export const PHONE = /^\+?[0-9][0-9 ()-]{7,18}$/;

export class AddressDto {
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  @IsCleanText()
  street!: string;

  /** House number with an optional addition, e.g. `12`, `12a`, `12-3` */
  @IsString()
  @Matches(/^[1-9][0-9]{0,4}[ -]?[A-Za-z0-9]{0,4}$/)
  houseNumber!: string;

  /** Dutch postcode `1234 AB` */
  @IsString()
  @Matches(POSTCODE)
  postcode!: string;

  /** Municipality name or CBS code (`GM0344`); must lie in a programme district */
  @IsString()
  @MinLength(2)
  @MaxLength(100)
  @IsCleanText()
  municipality!: string;
}

export class GuardianDto {
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  @IsCleanText()
  name!: string;

  @IsIn(GUARDIAN_RELATIONS)
  relation!: string;

  @OptionalField()
  @IsString()
  @Matches(PHONE)
  phone?: string;
}

export class SubjectInputDto {
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  @IsCleanText()
  givenNames!: string;

  @IsString()
  @MinLength(1)
  @MaxLength(100)
  @IsCleanText()
  familyName!: string;

  /** YYYY-MM-DD, not in the future */
  @IsString()
  @IsPastDate()
  dateOfBirth!: string;

  @OptionalField()
  @IsIn(SEXES)
  sex?: string;

  @IsObject()
  @ValidateNested()
  @Type(() => AddressDto)
  address!: AddressDto;

  @OptionalField()
  @IsString()
  @Matches(PHONE)
  phone?: string;

  /** Parents or guardians of a minor */
  @OptionalField()
  @IsArray()
  @ArrayMaxSize(4)
  @ValidateNested({ each: true })
  @Type(() => GuardianDto)
  guardians?: GuardianDto[];
}

export class ReferrerConsentDto {
  @IsBoolean()
  given!: boolean;

  @OptionalField()
  @IsString()
  @IsPastDate()
  date?: string;
}

export class CreateReferralDto {
  @IsIn(SOURCE_TYPES)
  sourceType!: string;

  /** When the signal was received; defaults to now; not in the future */
  @OptionalField()
  @IsDateString({ strict: true })
  @NotInFuture()
  receivedAt?: string;

  /** Covenant article, Wpg provision or referrer consent code from the configured list */
  @IsString()
  @Matches(/^[A-Z0-9_]{2,64}$/)
  legalBasisCode!: string;

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(7)
  @ArrayUnique()
  @IsIn(REASON_CODES, { each: true })
  reasonCodes!: string[];

  /** YYYY-MM: the month of the incident, never the day */
  @OptionalField()
  @IsString()
  @IsPastMonth()
  incidentMonth?: string;

  /** Police registration or bank incident number (police-origin) */
  @OptionalField()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  @IsCleanText()
  externalReference?: string;

  @OptionalField()
  @IsIn(AMOUNT_BANDS)
  amountBand?: string;

  @OptionalField()
  @IsIn(FRAUD_TYPES)
  fraudType?: string;

  @OptionalField()
  @IsIn(BANK_REGISTRATION_STATUSES)
  bankRegistrationStatus?: string;

  @OptionalField()
  @IsObject()
  @ValidateNested()
  @Type(() => ReferrerConsentDto)
  consentObtainedByReferrer?: ReferrerConsentDto;

  @IsObject()
  @ValidateNested()
  @Type(() => SubjectInputDto)
  subject!: SubjectInputDto;

  /** Police-origin free text, at most 500 characters */
  @OptionalField()
  @IsString()
  @MaxLength(500)
  @IsCleanText()
  notes?: string;
}

export class ListReferralsQuery extends PageQuery {
  @OptionalField()
  @IsIn(REFERRAL_STATUSES)
  status?: string;

  @OptionalField()
  @IsUUID('4')
  caseId?: string;
}

export class DecideSignalDto {
  /** Whether the new signal on an open case is taken on */
  @IsIn(['ACCEPTED', 'NOT_ACCEPTED'])
  decision!: 'ACCEPTED' | 'NOT_ACCEPTED';
}
