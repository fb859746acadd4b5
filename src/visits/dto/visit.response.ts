export class VisitorResponse {
  userId!: string;
  role!: string;
}

export class AddressSnapshotResponse {
  street!: string;
  houseNumber!: string;
  postcode!: string;
  municipalityCode!: string;
}

export class VisitResponse {
  id!: string;
  caseId?: string;
  plannedStart?: string;
  plannedEnd?: string;
  weekday?: string;
  timeSlot?: string;
  status?: string;
  cancelReason?: string | null;
  visitors?: VisitorResponse[];
  addressSnapshot?: AddressSnapshotResponse;
  safetyNotes?: string | null;
  overrideReason?: string | null;
  overrideComment?: string | null;
  overrideByUserId?: string | null;
  overrideAt?: string | null;
  /** e.g. SAME_WEEKDAY_AS_EARLIER_ATTEMPT */
  warnings?: string[];
  version?: number;
}

export class TabletSubject {
  id!: string;
  displayName?: string;
  dateOfBirth?: string;
  isMinor?: boolean;
  phone?: string | null;
  guardians?: Array<Record<string, unknown>>;
  preferredLanguage?: string | null;
  interpreterNeeded?: boolean;
}

export class PreviousAttempt {
  attemptNo!: number;
  occurredAt!: string;
  weekday!: string;
  timeSlot!: string;
  result!: string;
  cardLeft!: boolean;
}

/** What a visitor needs at the door, and nothing more. */
export class TabletVisit extends VisitResponse {
  caseState?: string;
  subject?: TabletSubject;
  previousAttempts?: PreviousAttempt[];
}

export class VisitPage {
  items!: TabletVisit[];
  nextCursor!: string | null;
}

export class AttemptResponse {
  id!: string;
  visitId!: string;
  caseId!: string;
  attemptNo!: number;
  occurredAt!: string;
  weekday!: string;
  timeSlot!: string;
  result!: string;
  countsTowardMax!: boolean;
  cardLeft!: boolean;
  spokeWith!: string;
  recordedByUserId!: string;
  onBehalfOfUserId!: string | null;
  /** The case's state after this attempt */
  caseState!: string;
  warnings!: string[];
  version!: number;
}
