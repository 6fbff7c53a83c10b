-- The data API (/api/v1): what a key may do, for which event, until when; and the answers to
-- writes sent with an Idempotency-Key, so a retried write is done once.

-- Keys made before scopes existed could only be offered to read: they keep exactly that.
ALTER TABLE api_keys
    ADD COLUMN scopes text[] NOT NULL DEFAULT ARRAY['read']::text[]
        CHECK (cardinality(scopes) BETWEEN 1 AND 5
               AND scopes <@ ARRAY['read', 'write:participants', 'write:results',
                                   'write:displays', 'stream']::text[]),
    -- NULL: every event of the company; else the one event (timing sessions' event_name).
    ADD COLUMN event_name text CHECK (length(event_name) BETWEEN 1 AND 200),
    ADD COLUMN expires_at timestamptz;

-- One row per write sent with an Idempotency-Key header, per key. `request_hash` covers the
-- method, path and body: the same Idempotency-Key with a different request is refused rather
-- than answered with another request's result. The body never holds a secret (a rotated
-- display link is derived again from the caller's key and `salt`, never stored).
CREATE TABLE api_idempotency (
    partner_id       bigint NOT NULL REFERENCES partners(id) ON DELETE CASCADE,
    api_key_id       bigint NOT NULL REFERENCES api_keys(id) ON DELETE CASCADE,
    idempotency_key  text NOT NULL CHECK (length(idempotency_key) BETWEEN 1 AND 200),
    request_hash     bytea NOT NULL CHECK (length(request_hash) = 32),
    status           integer NOT NULL CHECK (status BETWEEN 200 AND 599),
    body             text NOT NULL,
    salt             bytea,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (api_key_id, idempotency_key)
);
CREATE INDEX api_idempotency_created ON api_idempotency (created_at);

ALTER TABLE api_idempotency ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON api_idempotency USING (partner_id = p88_current_partner())
    WITH CHECK (partner_id = p88_current_partner());
GRANT SELECT, INSERT, UPDATE, DELETE ON api_idempotency TO p88_tenant;

