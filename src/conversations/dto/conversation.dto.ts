import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsDateString,
  IsIn,
  IsInt,
  IsObject,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { ACKNOWLEDGEMENTS, CARE_SHARED_FIELDS, CONSENT_GIVERS, CONVERSATION_LOCATIONS, INTENTS, PARENT_ABSENT_REASONS, RECRUITMENT_CHANNELS, TOPICS } from '../../common/domain-enums.js';
import { IsCleanText, NotInFuture, OptionalField } from '../../common/validators.js';

export class FollowUpConsentDto {
  @IsBoolean()
  given!: boolean;

  /** Who consented; the rule depends on the subject's age (under 12 a parent, 12–15 both, 16+ the subject) */
  @OptionalField()
  @IsIn(CONSENT_GIVERS)
  givenBy?: string;
}

export class CareShareConsentDto {
  @IsBoolean()
  given!: boolean;

  /** What may be shared with a care provider */
  @OptionalField()
  @IsArray()
  @ArrayUnique()
  @IsIn(CARE_SHARED_FIELDS, { each: true })
  scope?: string[];
}

/** The preventive conversation: coded answers, no statement text. */
export class CreateConversationDto {
  /** Defaults to the time of the CONVERSATION_HELD attempt */
  @OptionalField()
  @IsDateString({ strict: true })
  @NotInFuture()
  heldAt?: string;

  @OptionalField()
  @IsInt()
  @Min(1)
  @Max(600)
  durationMin?: number;

  @IsIn(CONVERSATION_LOCATIONS)
  location!: string;

  /** For a minor: true, or a parentAbsentReason */
  @OptionalField()
  @IsBoolean()
  parentPresent?: boolean;

  @OptionalField()
  @IsIn(PARENT_ABSENT_REASONS)
  parentAbsentReason?: string;

  /** Required with parentAbsentReason OTHER */
  @OptionalField()
  @IsString()
  @MinLength(1)
  @MaxLength(300)
  @IsCleanText()
  parentAbsentComment?: string;

  @OptionalField()
  @IsBoolean()
  interpreterUsed?: boolean;

  @IsArray()
  @ArrayMaxSize(TOPICS.length)
  @ArrayUnique()
  @IsIn(TOPICS, { each: true })
  topicsCovered!: string[];

  @OptionalField()
  @IsIn(RECRUITMENT_CHANNELS)
  recruitmentChannel?: string;

  @IsIn(ACKNOWLEDGEMENTS)
  subjectAcknowledgesInvolvement!: string;

  @OptionalField()
  @IsBoolean()
  coercionIndicated?: boolean;

  @OptionalField()
  @IsBoolean()
  debtIndicated?: boolean;

  /** 1–5 */
  @OptionalField()
  @IsInt()
  @Min(1)
  @Max(5)
  awarenessBefore?: number;

  /** 1–5 */
  @OptionalField()
  @IsInt()
  @Min(1)
  @Max(5)
  awarenessAfter?: number;

  @OptionalField()
  @IsIn(INTENTS)
  intendsToRefuseFutureRequests?: string;

  @IsObject()
  @ValidateNested()
  @Type(() => FollowUpConsentDto)
  consentFollowUpContact!: FollowUpConsentDto;

  @OptionalField()
  @IsObject()
  @ValidateNested()
  @Type(() => CareShareConsentDto)
  consentCareDataShare?: CareShareConsentDto;

  @OptionalField()
  @IsBoolean()
  researchConsent?: boolean;

  /** Youth worker only: what was agreed with the young person (≤ 500) */
  @OptionalField()
  @IsString()
  @MaxLength(500)
  @IsCleanText()
  agreements?: string;

  /** Youth worker only (≤ 1,000) */
  @OptionalField()
  @IsString()
  @MaxLength(1000)
  @IsCleanText()
  youthWorkNotes?: string;

  /** A coordinator recording for a visitor names the visitor */
  @OptionalField()
  @IsUUID('4')
  onBehalfOfUserId?: string;
}
