export class AuditEventResponse {
  eventId!: string;
  occurredAt!: string;
  requestId!: string;
  actorType!: string;
  actorUserId!: string | null;
  actorApiKeyId!: string | null;
  actorRole!: string | null;
  actorOrgId!: string | null;
  onBehalfOfUserId!: string | null;
  authMethod!: string;
  action!: string;
  route!: string;
  outcome!: string;
  httpStatus!: number;
  errorCode!: string | null;
  objectType!: string;
  objectIds!: string[];
  subjectIds!: string[];
  fieldClasses!: string[];
  filterKeys!: string[];
  processingActivity!: string;
  breakGlass!: boolean;
  breakGlassGrantId!: string | null;
  recipientOrgId!: string | null;
}

export class AuditEventPage {
  items!: AuditEventResponse[];
  nextCursor!: string | null;
}

export class AccessLogActor {
  type!: string;
  userId!: string | null;
  /** Resolved at read time, never stored in the audit row */
  displayName!: string | null;
  role!: string | null;
  organisationId!: string | null;
  organisationName!: string | null;
}

export class AccessLogEntry {
  occurredAt!: string;
  actor!: AccessLogActor;
  action!: string;
  objectType!: string;
  processingActivity!: string;
  outcome!: string;
  httpStatus!: number;
  fieldClasses!: string[];
  /** Police-origin data was involved: the Wpg route applies to this part */
  wpgOrigin!: boolean;
  breakGlass!: boolean;
  /** The reason given for emergency access, from the grant */
  breakGlassReason!: string | null;
  onBehalfOfUserId!: string | null;
}

export class AccessLogPage {
  subjectId!: string;
  items!: AccessLogEntry[];
  nextCursor!: string | null;
}

export class VerifyFindingResponse {
  code!: string;
  position?: number;
  detail!: string;
}

export class VerifyCheckpointResponse {
  no!: number;
  chainPos!: number;
  createdAt!: string;
}

export class VerifyResponse {
  ok!: boolean;
  checkedEvents!: number;
  /** 0 for a full run; otherwise the signed checkpoint the run continued from */
  fromPosition!: number;
  lastCheckpoint!: VerifyCheckpointResponse | null;
  firstBadSequence?: number;
  findings!: VerifyFindingResponse[];
}
