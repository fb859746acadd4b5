-- Cluster-wide roles for a production server (run once as a superuser, before the first migration).
-- The embedded database and CI create doorstep_app without LOGIN in the first migration instead.
--
--   doorstep_owner     owns every table, function and trigger; cannot log in
--   doorstep_migrator  logs in to run migrations (member of doorstep_owner)
--   doorstep_app       the API: DML on business tables, INSERT and SELECT only on audit tables
--
-- Passwords are set outside this file (ALTER ROLE ... PASSWORD from your secret store).
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'doorstep_owner') THEN
    CREATE ROLE doorstep_owner NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'doorstep_migrator') THEN
    CREATE ROLE doorstep_migrator LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS IN ROLE doorstep_owner;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'doorstep_app') THEN
    CREATE ROLE doorstep_app LOGIN NOINHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
  ELSE
    ALTER ROLE doorstep_app LOGIN NOINHERIT;
  END IF;
  -- The sealer (appends to audit_chain) and verifier roles; created without LOGIN by the migrations too.
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'doorstep_sealer') THEN
    CREATE ROLE doorstep_sealer NOLOGIN;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'doorstep_verifier') THEN
    CREATE ROLE doorstep_verifier NOLOGIN;
  END IF;
END $$;

-- The in-process sealer switches to doorstep_sealer for its own transactions (SET LOCAL ROLE); with
-- NOINHERIT the API's request transactions never hold the sealer's INSERT on audit_chain. For full
-- separation run the API with AUDIT_SEALER_ENABLED=false and one sealer instance under its own login.
GRANT doorstep_sealer TO doorstep_app;
GRANT doorstep_verifier TO doorstep_app;

-- Timeouts that bound every request's work (access-and-audit.md §5.4).
ALTER ROLE doorstep_app SET statement_timeout = '5s';
ALTER ROLE doorstep_app SET lock_timeout = '3s';
ALTER ROLE doorstep_app SET idle_in_transaction_session_timeout = '15s';
