export class ReleaseCounts {
  /** Persons in the release */
  included!: number;
  /** Persons whose quarter's 120-day process window has not closed at the cutoff */
  pendingWindow!: number;
  /** Index visits recorded after their quarter was frozen: left out so frozen cells never change */
  lateRegistrations!: number;
}

export class CatalogueEntry {
  name!: string;
  tableId!: string | null;
  /** Refusal code when the release cannot carry this table (e.g. TABLE_TOO_SPARSE) */
  refusal!: string | null;
}

export class ReleaseResponse {
  id!: string;
  /** `YYYY-Qn` of the cutoff */
  code!: string;
  cutoff!: string;
  seriesId!: string;
  /** BUILDING, BUILT, PUBLISHED, RETIRED or FAILED */
  status!: string;
  months!: string[];
  registryVersion!: string | null;
  registrySha256!: string | null;
  sourceSha256!: string | null;
  softwareVersion!: string | null;
  gitCommit!: string | null;
  counts!: ReleaseCounts | null;
  catalogue!: CatalogueEntry[];
  failureCode!: string | null;
  builtAt!: string | null;
  publishedAt!: string | null;
  createdAt!: string;
  version!: number;
}

export class ReleaseAccepted {
  releaseId!: string;
  status!: string;
}

export class ReleasePage {
  items!: ReleaseResponse[];
  nextCursor!: string | null;
}

export class SigningKeyResponse {
  keyId!: string;
  alg!: string;
  publicKeyPem!: string;
}

export class SigningKeyList {
  items!: SigningKeyResponse[];
}
