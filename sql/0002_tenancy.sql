-- Row-level security: the second wall between tenants.
-- Web and API requests run their queries under `SET LOCAL ROLE p88_tenant` with the partner set
-- per transaction (p88.db.tenancy). p88_tenant is not a superuser, owns no table and has no
-- BYPASSRLS, so every policy below applies to it even when the application forgets a filter.
-- The collector's ingest runs as the connecting (owner) role: it is trusted to stamp partner_id.

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'p88_tenant') THEN
        CREATE ROLE p88_tenant NOLOGIN NOSUPERUSER NOBYPASSRLS NOINHERIT;
    END IF;
END
$$;

-- The connecting role must be able to SET ROLE p88_tenant.
DO $$
BEGIN
    EXECUTE format('GRANT p88_tenant TO %I', current_user);
END
$$;

GRANT USAGE ON SCHEMA public TO p88_tenant;

-- The partner of the current transaction; NULL (no rows visible) when unset.
CREATE FUNCTION p88_current_partner() RETURNS bigint
LANGUAGE sql STABLE AS $$ SELECT nullif(current_setting('p88.partner_id', true), '')::bigint $$;

GRANT SELECT ON partners TO p88_tenant;
ALTER TABLE partners ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON partners USING (id = p88_current_partner());

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['collector_credentials', 'timing_sessions', 'timing_locations',
                             'timing_reads', 'gun_times', 'collector_resume',
                             'collector_connections']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format(
            'CREATE POLICY tenant_isolation ON %I USING (partner_id = p88_current_partner()) '
            'WITH CHECK (partner_id = p88_current_partner())', t);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO p88_tenant', t);
    END LOOP;
END
$$;

GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO p88_tenant;
