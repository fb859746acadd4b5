export class FollowUpResponse {
  id!: string;
  caseId?: string;
  sequenceNo?: number;
  dueAt?: string;
  occurredAt?: string | null;
  channel?: string | null;
  result?: string | null;
  careStatusReported?: string | null;
  reApproachedByRecruiter?: string | null;
  newIncidentReported?: string | null;
  awarenessNow?: number | null;
  needsNewCare?: boolean | null;
  overdue?: boolean;
  /** Youth worker only */
  notes?: string | null;
  version?: number;
}

export class FollowUpListItem {
  id!: string;
  caseId!: string;
  districtId!: string;
  sequenceNo!: number;
  dueAt!: string;
  occurredAt!: string | null;
  result!: string | null;
  overdue!: boolean;
  subjectDisplayName!: string;
  version!: number;
}

export class FollowUpPage {
  items!: FollowUpListItem[];
  nextCursor!: string | null;
}
