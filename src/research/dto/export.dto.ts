import { ArrayMinSize, ArrayUnique, IsArray, IsIn, IsInt, IsNumber, Max, Min } from 'class-validator';
import { OptionalField } from '../../common/validators.js';
import { EXPORTABLE_COLUMNS } from '../exports/export-request.js';

export class CreateExportDto {
  /** Columns from the project's allowlist; QIs are generalised by the search, never below the project's finest level */
  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn(EXPORTABLE_COLUMNS, { each: true })
  columns!: string[];

  /** Minimum persons per equivalence class; may only be raised above 5 */
  @OptionalField()
  @IsInt()
  @Min(2)
  @Max(1000)
  k?: number;

  /** Distinct values of outcome and re-referral per class; may only be raised above 2 */
  @OptionalField()
  @IsInt()
  @Min(1)
  @Max(10)
  l?: number;

  /** Share of persons the search may suppress; may only be lowered below 0.05 */
  @OptionalField()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  suppressionLimit?: number;

  /** `project`: pseudonyms link with the project's other exports, and k holds on the join; `export`: a fresh key, joins nothing */
  @IsIn(['project', 'export'])
  linkageScope!: 'project' | 'export';
}
