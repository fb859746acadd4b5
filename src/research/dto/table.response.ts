import { ApiProperty } from '@nestjs/swagger';

export class TableCellResponse {
  /** Code per dimension; `*` is a margin */
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } })
  key!: Record<string, string>;
  persons!: number | null;
  censored?: number | null;
  n?: number | null;
  x?: number | null;
  rate?: number | null;
  ci95?: number[] | null;
  /** Per value: published, suppressed_primary, suppressed_secondary or structural */
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } })
  status!: Record<string, string>;
}

export class TableProtectionResponse {
  tau!: number;
  g!: number;
  p!: number;
  minMeanCellSize!: number;
  primary!: number;
  secondary!: number;
  auditId!: string;
  /** The independent verifier passed this table before it was served */
  verified!: boolean;
}

export class TableDimensionResponse {
  name!: string;
  level!: number;
}

export class TableFilterResponse {
  dimension!: string;
  level!: number;
  in!: string[];
}

export class TableResponse {
  tableId!: string;
  releaseId!: string;
  mode!: string;
  /** True when an identical request was answered before: the stored answer, never recomputed */
  stored!: boolean;
  measure!: string;
  denominator!: string;
  dimensions!: TableDimensionResponse[];
  filters!: TableFilterResponse[];
  cells!: TableCellResponse[];
  protection!: TableProtectionResponse;
}

export class IndicatorTable {
  name!: string;
  title!: string;
  table!: TableResponse | null;
  /** Why the release cannot carry this table, e.g. TABLE_TOO_SPARSE */
  refusal!: string | null;
}

export class IndicatorsResponse {
  releaseId!: string;
  cutoff!: string;
  tables!: IndicatorTable[];
}
