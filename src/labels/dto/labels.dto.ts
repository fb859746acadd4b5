import { IsIn, IsOptional } from 'class-validator';

export class LabelsQuery {
  /** `nl` (default) or `en` */
  @IsOptional()
  @IsIn(['nl', 'en'])
  lang?: 'nl' | 'en';
}
