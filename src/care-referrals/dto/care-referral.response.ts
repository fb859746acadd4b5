export class CareReferralResponse {
  id!: string;
  caseId?: string;
  type?: string;
  providerOrganisationId?: string | null;
  proposedAt?: string;
  status?: string;
  statusAt?: string;
  dataSharedFields?: string[];
  /** Youth worker only */
  notes?: string | null;
  version?: number;
}
