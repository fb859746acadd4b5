export class ProjectMemberResponse {
  userId!: string;
  confidentialitySignedOn!: string;
}

export class ProjectResponse {
  id!: string;
  title!: string;
  dacReference!: string;
  purpose!: string;
  legalRoute!: string;
  ethicsReference!: string | null;
  includesSensitive!: boolean;
  /** DRAFT, APPROVED, SUSPENDED or ENDED */
  status!: string;
  modes!: string[];
  finestLevels!: Record<string, number>;
  exportColumns!: string[];
  startsAt!: string;
  expiresAt!: string;
  /** Past `expiresAt`: research routes answer 403 PROJECT_EXPIRED */
  expired!: boolean;
  /** The pseudonymisation key was destroyed: pseudonyms of this project can never be recomputed */
  keyShredded!: boolean;
  approvedBy!: string | null;
  approvedAt!: string | null;
  endedAt!: string | null;
  members!: ProjectMemberResponse[];
  createdBy!: string;
  createdAt!: string;
  version!: number;
}

export class ProjectPage {
  items!: ProjectResponse[];
  nextCursor!: string | null;
}
