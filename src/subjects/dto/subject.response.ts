export class AddressResponse {
  street!: string;
  houseNumber!: string;
  postcode!: string;
  municipalityCode!: string;
}

export class GuardianResponse {
  name!: string;
  relation!: string;
  phone!: string | null;
}

export class SubjectResponse {
  id!: string;
  familyName?: string;
  givenNames?: string;
  dateOfBirth?: string;
  address?: AddressResponse;
  phone?: string | null;
  guardians?: GuardianResponse[];
  sex?: string;
  preferredLanguage?: string | null;
  interpreterNeeded?: boolean;
  isMinor?: boolean;
  addressVerifiedAt?: string | null;
  duplicateStatus?: string;
  possibleDuplicateOfId?: string | null;
  mergedIntoId?: string | null;
  lvbSuspected?: boolean;
  mentalHealthConcern?: boolean;
  version?: number;
}

export class MergeResponse {
  mergeId!: string;
  fromSubjectId!: string;
  intoSubjectId!: string;
  /** The case that now carries the referrals */
  caseId!: string;
  /** The duplicate's case closed as MERGED_DUPLICATE, when the survivor had an open case */
  closedCaseId!: string | null;
}
