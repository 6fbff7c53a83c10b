-- A large participant import is COPY'd into a temporary table inside the tenant transaction
-- (p88.participants.store). PUBLIC may create temporary tables by default, but a hardened
-- server may have revoked that, so the tenant role gets the right of its own.
DO $$
BEGIN
    EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO p88_tenant', current_database());
END
$$;
