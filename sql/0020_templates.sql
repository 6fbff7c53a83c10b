-- Display templates (layout documents as JSON, validated by p88.layouts before they are stored)
-- and the images they reference. Both are tenant-owned and behind row-level security.

CREATE TABLE templates (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    partner_id  bigint NOT NULL REFERENCES partners(id) ON DELETE CASCADE,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    document    jsonb NOT NULL CHECK (jsonb_typeof(document) = 'object'),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    -- Free text (a user's e-mail or name) so this migration does not depend on the users table.
    updated_by  text
);
CREATE INDEX templates_partner ON templates (partner_id, lower(name));

-- Image bytes live in the database: backups and several `p88 serve` processes then see the same
-- files, and the size cap (checked by the application) keeps rows small.
CREATE TABLE template_images (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    partner_id    bigint NOT NULL REFERENCES partners(id) ON DELETE CASCADE,
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    content_type  text NOT NULL CHECK (content_type IN ('image/png', 'image/jpeg', 'image/webp')),
    size          integer NOT NULL CHECK (size > 0),
    sha256        text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    data          bytea NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    -- The same file uploaded twice by one partner is stored once.
    UNIQUE (partner_id, sha256)
);

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['templates', 'template_images']
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
