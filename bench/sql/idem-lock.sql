-- lock: the transaction-scoped advisory lock on (caller, Idempotency-Key); false → 409 (a duplicate in flight)
SELECT pg_try_advisory_xact_lock(hashtextextended(:lock_key, 0)) AS ok;
