-- token: an API key by its key id, with what intake needs of its organisation (type, right to refer, covenant)
SELECT k.id, k.secret_sha256 AS "secretSha256", k.organisation_id AS "organisationId", k.expires_at AS "expiresAt",
       k.revoked_at AS "revokedAt", k.last_used_at AS "lastUsedAt", o.active AS "orgActive", o.can_refer AS "canRefer",
       o.covenant_signed_at AS "covenantSignedAt", o.type AS "orgType"
  FROM api_keys k JOIN organisations o ON o.id = k.organisation_id
 WHERE k.key_id = :key_id;
