-- token: the session behind a bearer token, its user's current rights and whether the account is active
-- (the app's AuthRepository.sessionByToken, as one autocommit statement).
SELECT s.id AS "sessionId", u.id AS "userId", u.roles, u.district_ids AS "districtIds", u.organisation_id AS "organisationId",
       u.rights_version AS "rightsVersion", u.active, o.active AS "orgActive", s.last_seen_at AS "lastSeenAt",
       s.expires_at AS "expiresAt", s.revoked_at AS "revokedAt", s.mfa_verified_at AS "mfaVerifiedAt",
       s.auth_method AS "authMethod", s.restricted
  FROM sessions s JOIN users u ON u.id = s.user_id JOIN organisations o ON o.id = u.organisation_id
 WHERE s.token_sha256 = :token_sha256;
