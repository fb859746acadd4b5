import { IsUUID } from 'class-validator';
import { OptionalField } from '../../common/validators.js';

export class IndicatorsQuery {
  /** A published release; default the latest */
  @OptionalField()
  @IsUUID('4')
  releaseId?: string;
}
