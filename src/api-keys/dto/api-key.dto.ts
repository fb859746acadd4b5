import { OptionalField } from '../../common/validators.js';
import { IsDateString, IsString, IsUUID, MaxLength, MinLength } from 'class-validator';
import { PageQuery } from '../../common/pagination.js';

export class CreateApiKeyDto {
  /** A bank or police-intake organisation with the right to refer */
  @IsUUID('4')
  organisationId!: string;

  /** What the key is for, e.g. the referring system's name */
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name!: string;

  /** At most one year ahead; default one year */
  @OptionalField()
  @IsDateString({ strict: true })
  expiresAt?: string;
}

export class ListApiKeysQuery extends PageQuery {}
