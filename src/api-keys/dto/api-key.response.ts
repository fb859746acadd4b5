export class ApiKeyResponse {
  id!: string;
  keyId!: string;
  organisationId!: string;
  name!: string;
  createdAt!: string;
  expiresAt!: string;
  revokedAt!: string | null;
  lastUsedAt!: string | null;
}

export class CreatedApiKeyResponse extends ApiKeyResponse {
  /** The full key `dsk_<keyId>_<secret>`; shown only in this response */
  key!: string;
}

export class ApiKeyPage {
  items!: ApiKeyResponse[];
  nextCursor!: string | null;
}
