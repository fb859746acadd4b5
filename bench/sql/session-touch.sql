-- last_seen_at moves at most once a minute (not per request); the same rule as the app
UPDATE sessions SET last_seen_at = :touch_at WHERE id = :session_id AND last_seen_at < :touch_at;
