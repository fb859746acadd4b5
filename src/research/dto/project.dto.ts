import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsBoolean, IsDateString, IsIn, IsObject, IsString, IsUUID, Length, MaxLength, ValidateNested } from 'class-validator';
import { PageQuery } from '../../common/pagination.js';
import { IsCleanText, IsPastDate, OptionalField } from '../../common/validators.js';
import { EXPORTABLE_COLUMNS } from '../exports/export-request.js';

export const LEGAL_ROUTES = ['ART_89_SAFEGUARDS', 'CONSENT'] as const;
export const RESEARCH_MODES = ['sdc', 'export'] as const;

export class ProjectMemberDto {
  /** A user with the researcher role */
  @IsUUID('4')
  userId!: string;

  /** Date the researcher signed the confidentiality statement */
  @IsPastDate()
  confidentialitySignedOn!: string;
}

export class CreateProjectDto {
  @IsString()
  @Length(1, 200)
  @IsCleanText()
  title!: string;

  /** Reference of the data access committee's decision */
  @IsString()
  @Length(1, 100)
  @IsCleanText()
  dacReference!: string;

  /** Why the project needs the data (internal, ≤ 500 characters) */
  @IsString()
  @Length(1, 500)
  @IsCleanText()
  purpose!: string;

  @IsIn(LEGAL_ROUTES)
  legalRoute!: string;

  @OptionalField()
  @IsString()
  @MaxLength(100)
  @IsCleanText()
  ethicsReference?: string;

  /** Special-category variables; statistics report them only for projects approved for them */
  @OptionalField()
  @IsBoolean()
  includesSensitive?: boolean;

  /** `sdc` (statistics) and/or `export` (record-level, pseudonymised) */
  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn(RESEARCH_MODES, { each: true })
  modes!: string[];

  /** Finest registry level per dimension the project may use (absent: level 0) */
  @OptionalField()
  @IsObject()
  finestLevels?: Record<string, number>;

  /** Columns an export of this project may contain */
  @OptionalField()
  @IsArray()
  @ArrayUnique()
  @ArrayMaxSize(EXPORTABLE_COLUMNS.length)
  @IsIn(EXPORTABLE_COLUMNS, { each: true })
  exportColumns?: string[];

  /** End of the project; default 12 months, at most 36 months from now */
  @OptionalField()
  @IsDateString({ strict: true })
  expiresAt?: string;

  /** Named researchers */
  @IsArray()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => ProjectMemberDto)
  members!: ProjectMemberDto[];
}

/** Changes to a project (If-Match): members, scope and expiry are the privacy officer's. */
export class UpdateProjectDto {
  @OptionalField()
  @IsString()
  @Length(1, 200)
  @IsCleanText()
  title?: string;

  @OptionalField()
  @IsString()
  @Length(1, 100)
  @IsCleanText()
  dacReference?: string;

  @OptionalField()
  @IsString()
  @Length(1, 500)
  @IsCleanText()
  purpose?: string;

  @OptionalField()
  @IsIn(LEGAL_ROUTES)
  legalRoute?: string;

  @OptionalField()
  @IsString()
  @MaxLength(100)
  @IsCleanText()
  ethicsReference?: string;

  @OptionalField()
  @IsBoolean()
  includesSensitive?: boolean;

  @OptionalField()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn(RESEARCH_MODES, { each: true })
  modes?: string[];

  @OptionalField()
  @IsObject()
  finestLevels?: Record<string, number>;

  @OptionalField()
  @IsArray()
  @ArrayUnique()
  @ArrayMaxSize(EXPORTABLE_COLUMNS.length)
  @IsIn(EXPORTABLE_COLUMNS, { each: true })
  exportColumns?: string[];

  @OptionalField()
  @IsDateString({ strict: true })
  expiresAt?: string;

  @OptionalField()
  @IsArray()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => ProjectMemberDto)
  members?: ProjectMemberDto[];
}

export class ListProjectsQuery extends PageQuery {}
