UPDATE api_keys SET last_used_at = :touch_at WHERE id = :api_key_pk;
