-- Displays: a template + a timing session + a location filter + a mode, reachable at its own
-- unguessable URL /d/<token>. Only the sha256 of the token is stored: the link is shown when it
-- is created or rotated, and a lost link is replaced by rotating (which also stops the old one).
CREATE TABLE displays (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    partner_id       bigint NOT NULL REFERENCES partners(id) ON DELETE CASCADE,
    name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
    template_id      bigint REFERENCES templates(id) ON DELETE SET NULL,
    session_id       bigint NOT NULL REFERENCES timing_sessions(id) ON DELETE CASCADE,
    -- Location names (a point keeps its name across reconnects and sessions); empty = all.
    locations        text[] NOT NULL DEFAULT '{}',
    mode             text NOT NULL DEFAULT 'finish'
                     CHECK (mode IN ('finish', 'announcer', 'leaderboard')),
    -- min_on_screen_ms, group_window_ms, vip_first, clock_offset_ms, max_per_second,
    -- ignore_window_s, min_lap_s: validated by p88.displays.options before they are stored.
    options          jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(options) = 'object'),
    token_hash       bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    expires_at       timestamptz,
    revoked_at       timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    rotated_at       timestamptz,
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX displays_partner ON displays (partner_id, lower(name));
CREATE INDEX displays_session ON displays (session_id);

ALTER TABLE displays ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON displays USING (partner_id = p88_current_partner())
    WITH CHECK (partner_id = p88_current_partner());
GRANT SELECT, INSERT, UPDATE, DELETE ON displays TO p88_tenant;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO p88_tenant;

-- Resuming a display after a restart reads a session's reads by id.
CREATE INDEX IF NOT EXISTS timing_reads_session_id ON timing_reads (session_id, id);
