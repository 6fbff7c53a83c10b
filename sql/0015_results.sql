-- Results: a timing session's results setup, the timer's corrections, what is published, and
-- the engine's current results kept for readers that speak SQL (exports by query, Ask).
-- The engine itself (p88.results) computes everything from the stored reads, participants,
-- gun times, setup and corrections; nothing here is an input it could disagree with.

-- The setup as the page, the CLI and the API edit it (p88.results.document): courses, points,
-- waves and bib ranges, age groups. One per session; none yet means "suggested" (not saved).
CREATE TABLE results_setups (
    session_id    bigint PRIMARY KEY REFERENCES timing_sessions(id) ON DELETE CASCADE,
    partner_id    bigint NOT NULL REFERENCES partners(id) ON DELETE CASCADE,
    document      jsonb NOT NULL CHECK (jsonb_typeof(document) = 'object'),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    updated_by    bigint REFERENCES users(id) ON DELETE SET NULL,
    -- Public results: /r/<public_token> shows them while published_at is set (a draft 404s).
    public_token  text UNIQUE CHECK (length(public_token) BETWEEN 16 AND 64),
    published_at  timestamptz,
    -- The timer says the results are final: the public pages drop their "provisional" banner.
    final_at      timestamptz
);

-- Corrections: inputs beside the reads, never edits of them. Undo marks a row; it stays, so
-- the audit trail (who, when, what) is whole.
CREATE TABLE results_corrections (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    partner_id    bigint NOT NULL REFERENCES partners(id) ON DELETE CASCADE,
    session_id    bigint NOT NULL REFERENCES timing_sessions(id) ON DELETE CASCADE,
    kind          text NOT NULL CHECK (kind IN ('manual_time', 'status', 'ignore_read',
                      'change_wave', 'change_course', 'move_gun', 'confirm', 'close_course')),
    bib           text NOT NULL DEFAULT '' CHECK (length(bib) <= 32),
    payload       jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(payload) = 'object'),
    -- What the row showed before, as the timer saw it (for the audit page and the undo check).
    before        jsonb,
    reason        text NOT NULL DEFAULT '' CHECK (length(reason) <= 500),
    created_by    bigint REFERENCES users(id) ON DELETE SET NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    undone_by     bigint REFERENCES users(id) ON DELETE SET NULL,
    undone_at     timestamptz
);
CREATE INDEX results_corrections_session ON results_corrections (session_id, id);

-- One row per participant: the engine's result, rewritten when it changes. Places are not
-- stored (one finisher moves thousands); readers rank by (placed, ranking_time) per course,
-- which is the engine's own order (p88.results.standings), restated in the results view.
CREATE TABLE results_rows (
    session_id    bigint NOT NULL REFERENCES timing_sessions(id) ON DELETE CASCADE,
    partner_id    bigint NOT NULL REFERENCES partners(id) ON DELETE CASCADE,
    bib           text NOT NULL,
    name          text NOT NULL DEFAULT '',
    course        text,
    wave          text NOT NULL DEFAULT '',
    gender        text,
    age           integer,
    age_group     text,
    division      text NOT NULL DEFAULT '',
    status        text NOT NULL CHECK (status IN ('finished', 'running', 'dnf', 'dns', 'dq')),
    placed        boolean NOT NULL,
    -- Event-local wall clock (times of day) and hundredths of a second (elapsed times).
    gun_at        timestamp(2),
    start_at      timestamp(2),
    finish_at     timestamp(2),
    gun_time      bigint,
    chip_time     bigint,
    ranking_time  bigint,
    splits        jsonb NOT NULL DEFAULT '[]',
    flags         text[] NOT NULL DEFAULT '{}',
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (session_id, bib)
);
CREATE INDEX results_rows_ranking ON results_rows (session_id, course, placed, ranking_time);

ALTER TABLE results_setups ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON results_setups USING (partner_id = p88_current_partner())
    WITH CHECK (partner_id = p88_current_partner());
GRANT SELECT, INSERT, UPDATE, DELETE ON results_setups TO p88_tenant;

ALTER TABLE results_corrections ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON results_corrections USING (partner_id = p88_current_partner())
    WITH CHECK (partner_id = p88_current_partner());
GRANT SELECT, INSERT, UPDATE, DELETE ON results_corrections TO p88_tenant;

ALTER TABLE results_rows ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON results_rows USING (partner_id = p88_current_partner())
    WITH CHECK (partner_id = p88_current_partner());
GRANT SELECT, INSERT, UPDATE, DELETE ON results_rows TO p88_tenant;

GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO p88_tenant;
