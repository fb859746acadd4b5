import { ApiProperty } from '@nestjs/swagger';

export class ExportAccepted {
  exportId!: string;
  /** queued */
  status!: string;
}

export class ExportRefusal {
  code!: string;
  message!: string;
  @ApiProperty({ type: 'object', additionalProperties: true })
  details!: Record<string, unknown>;
}

export class ExportResponse {
  id!: string;
  projectId!: string;
  releaseId!: string;
  /** queued, running, verified, refused, failed_verification or expired */
  status!: string;
  @ApiProperty({ type: 'object', additionalProperties: true })
  request!: Record<string, unknown>;
  /** The signed manifest: achieved k and ℓ, suppression, risk, information loss, file hashes */
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true })
  manifest!: Record<string, unknown> | null;
  refusal!: ExportRefusal | null;
  createdAt!: string;
  finishedAt!: string | null;
  /** The file can be downloaded until then */
  expiresAt!: string | null;
}

export class ExportRegisterEntry {
  id!: string;
  projectId!: string;
  releaseId!: string;
  requestedBy!: string;
  status!: string;
  manifestSha256!: string | null;
  exported!: number | null;
  kAchieved!: number | null;
  createdAt!: string;
}

export class ExportRegisterPage {
  items!: ExportRegisterEntry[];
  nextCursor!: string | null;
}

export class TableRegisterEntry {
  id!: string;
  seq!: number;
  seriesId!: string;
  releaseId!: string;
  projectId!: string | null;
  catalogueName!: string | null;
  requestSha256!: string;
  @ApiProperty({ type: 'object', additionalProperties: true })
  request!: Record<string, unknown>;
  chainSha256!: string;
  createdAt!: string;
}

export class TableRegisterPage {
  items!: TableRegisterEntry[];
  nextCursor!: string | null;
  /** The hash chain over every register row re-computed from the database */
  chainVerified!: boolean;
}
