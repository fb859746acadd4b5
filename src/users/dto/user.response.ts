import type { Role } from '../../config/app-config.js';

export class UserResponse {
  id!: string;
  username?: string;
  displayName?: string;
  organisationId?: string;
  roles?: Role[];
  districtIds?: string[];
  active?: boolean;
  mfaEnrolled?: boolean;
  lastLoginAt?: string | null;
  lastAccessReviewAt?: string | null;
  version?: number;
  createdAt?: string;
  updatedAt?: string;
}

export class UserPage {
  items!: UserResponse[];
  nextCursor!: string | null;
}

export class RevokeSessionsResponse {
  revokedSessions!: number;
}
