import { OptionalField } from '../../common/validators.js';
import { IsIn } from 'class-validator';

export class LabelsQuery {
  /** `nl` (default) or `en` */
  @OptionalField()
  @IsIn(['nl', 'en'])
  lang?: 'nl' | 'en';
}
