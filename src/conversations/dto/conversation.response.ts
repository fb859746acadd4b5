export class FollowUpConsentResponse {
  given!: boolean;
  givenBy!: string | null;
}

export class CareShareConsentResponse {
  given!: boolean;
  scope!: string[];
}

/** A conversation; youth-work-only fields appear only for youth workers. */
export class ConversationResponse {
  id!: string;
  attemptId?: string;
  caseId?: string;
  heldAt?: string;
  durationMin?: number | null;
  location?: string;
  parentPresent?: boolean | null;
  parentAbsentReason?: string | null;
  parentAbsentComment?: string | null;
  interpreterUsed?: boolean;
  topicsCovered?: string[];
  recruitmentChannel?: string | null;
  subjectAcknowledgesInvolvement?: string;
  coercionIndicated?: boolean;
  debtIndicated?: boolean;
  awarenessBefore?: number | null;
  awarenessAfter?: number | null;
  intendsToRefuseFutureRequests?: string | null;
  consentFollowUpContact?: FollowUpConsentResponse;
  consentCareDataShare?: CareShareConsentResponse;
  researchConsent?: boolean | null;
  agreements?: string | null;
  youthWorkNotes?: string | null;
  recordedByUserId?: string;
  version?: number;
}
