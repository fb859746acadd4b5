import type { Role } from '../../config/app-config.js';

export class MeResponse {
  id!: string;
  username!: string;
  displayName!: string;
  roles!: Role[];
  organisationId!: string;
  districtIds!: string[];
  mfaEnrolled!: boolean;
  /** True when the role needs MFA and the user must enrol before anything else */
  mfaEnrolmentRequired!: boolean;
}

export class ApiKeyPrincipalResponse {
  apiKeyId!: string;
  organisationId!: string;
  roles!: Role[];
}

export class LoginResponse {
  /** Bearer token; shown once */
  token!: string;
  expiresAt!: string;
  user!: MeResponse;
}

export class MfaEnrollResponse {
  /** Base32 TOTP seed; shown once */
  secret!: string;
  otpauthUrl!: string;
}

export class MfaActivateResponse {
  /** Ten single-use codes; shown once */
  recoveryCodes!: string[];
  /** A new session token: enrolment rotates the session */
  token!: string;
  expiresAt!: string;
}

export class StepUpResponse {
  /** End of the fresh-MFA window */
  validUntil!: string;
}
