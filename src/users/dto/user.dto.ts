import { OptionalField } from '../../common/validators.js';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsBoolean, IsIn, IsString, IsUUID, Matches, MaxLength, MinLength } from 'class-validator';
import { ROLES, type Role } from '../../config/app-config.js';
import { PageQuery } from '../../common/pagination.js';

export class CreateUserDto {
  /** 3–64 characters: lower-case letters, digits, dot, dash, underscore */
  @IsString()
  @Matches(/^[a-z0-9._-]{3,64}$/)
  username!: string;

  @IsString()
  @MinLength(1)
  @MaxLength(200)
  displayName!: string;

  @IsUUID('4')
  organisationId!: string;

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(3)
  @ArrayUnique()
  @IsIn(ROLES, { each: true })
  roles!: Role[];

  /** District ids (areas of level DISTRICT) */
  @OptionalField()
  @IsArray()
  @ArrayMaxSize(20)
  @ArrayUnique()
  @IsUUID('4', { each: true })
  districtIds?: string[];

  /** At least 15 characters; common passwords and the username are refused */
  @IsString()
  @MinLength(1)
  @MaxLength(128)
  password!: string;
}

export class UpdateUserDto {
  @OptionalField()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  displayName?: string;

  @OptionalField()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(3)
  @ArrayUnique()
  @IsIn(ROLES, { each: true })
  roles?: Role[];

  @OptionalField()
  @IsArray()
  @ArrayMaxSize(20)
  @ArrayUnique()
  @IsUUID('4', { each: true })
  districtIds?: string[];

  @OptionalField()
  @IsBoolean()
  active?: boolean;
}

export class ListUsersQuery extends PageQuery {
  /** Only users holding this role */
  @OptionalField()
  @IsIn(ROLES)
  role?: Role;

  /** Only users working in this district */
  @OptionalField()
  @IsUUID('4')
  districtId?: string;

  /** Only active (true) or inactive (false) users */
  @OptionalField()
  @Type(() => String)
  @IsIn(['true', 'false'])
  active?: 'true' | 'false';
}
