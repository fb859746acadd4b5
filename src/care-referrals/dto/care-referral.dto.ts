import { ArrayMaxSize, ArrayUnique, IsArray, IsIn, IsString, IsUUID, MaxLength } from 'class-validator';
import { CARE_SHARED_FIELDS, CARE_STATUSES, CARE_TYPES } from '../../common/domain-enums.js';
import { IsCleanText, OptionalField } from '../../common/validators.js';

export class CreateCareReferralDto {
  @IsIn(CARE_TYPES)
  type!: string;

  /** The debt service, care provider or bank the young person is referred to */
  @OptionalField()
  @IsUUID('4')
  providerOrganisationId?: string;

  /** Usually PROPOSED; ACCEPTED_BY_SUBJECT or DECLINED when decided during the conversation */
  @OptionalField()
  @IsIn(['PROPOSED', 'ACCEPTED_BY_SUBJECT', 'DECLINED'])
  status?: string;

  /** Youth worker only (≤ 1,000) */
  @OptionalField()
  @IsString()
  @MaxLength(1000)
  @IsCleanText()
  notes?: string;
}

export class UpdateCareReferralDto {
  @OptionalField()
  @IsIn(CARE_STATUSES)
  status?: string;

  @OptionalField()
  @IsUUID('4')
  providerOrganisationId?: string;

  /** What was shared with the provider; required when the status becomes SENT */
  @OptionalField()
  @IsArray()
  @ArrayMaxSize(CARE_SHARED_FIELDS.length)
  @ArrayUnique()
  @IsIn(CARE_SHARED_FIELDS, { each: true })
  dataSharedFields?: string[];

  @OptionalField()
  @IsString()
  @MaxLength(1000)
  @IsCleanText()
  notes?: string;
}
