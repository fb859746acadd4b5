import { Matches } from 'class-validator';
import { PageQuery } from '../../common/pagination.js';

export class BuildReleaseDto {
  /** Data cutoff: the last day of a quarter (`YYYY-03-31`, `-06-30`, `-09-30` or `-12-31`), not in the future */
  @Matches(/^\d{4}-(03-31|06-30|09-30|12-31)$/, { message: 'cutoff must be the last day of a quarter, YYYY-MM-DD' })
  cutoff!: string;
}

export class ListReleasesQuery extends PageQuery {}
