export class BreakGlassGrantCreated {
  grantId!: string;
  expiresAt!: string;
}

export class BreakGlassGrantResponse {
  id!: string;
  caseId!: string;
  userId!: string;
  reason!: string;
  grantedAt!: string;
  expiresAt!: string;
  revokedAt!: string | null;
  reviewedAt!: string | null;
  reviewedBy!: string | null;
  reviewOutcome!: string | null;
  reviewNote!: string | null;
  /** Audit events made under the grant */
  eventCount!: number;
}

export class BreakGlassGrantPage {
  items!: BreakGlassGrantResponse[];
  nextCursor!: string | null;
}
