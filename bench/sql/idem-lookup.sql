-- lookup: a stored answer for this key replays (same fingerprint) or conflicts (another body); taken after the lock
SELECT fingerprint, status_code AS "statusCode", body, headers FROM idempotency_keys WHERE scope = :idem_scope AND key = :idem_key AND expires_at > :now::timestamptz;
