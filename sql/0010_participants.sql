-- Participants of an event, per partner. A timing session is partner + event name + day; a
-- display bound to a session joins reads with the participants of that session's event, so
-- participants are keyed by (partner, event name), not by session: a two-day event or a
-- session merged from two shares one list.
CREATE TABLE participants (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    partner_id     bigint NOT NULL REFERENCES partners(id) ON DELETE CASCADE,
    event_name     text NOT NULL CHECK (length(event_name) BETWEEN 1 AND 200),
    bib            text NOT NULL CHECK (length(bib) BETWEEN 1 AND 32),
    -- The chip as the hardware reports it; defaults to the bib, may differ.
    tag            text NOT NULL CHECK (length(tag) BETWEEN 1 AND 64),
    first_name     text NOT NULL DEFAULT '',
    last_name      text NOT NULL DEFAULT '',
    gender         text CHECK (gender IN ('M', 'F', 'X')),
    age            integer CHECK (age BETWEEN 0 AND 120),
    age_group      text NOT NULL DEFAULT '',
    city           text NOT NULL DEFAULT '',
    state          text NOT NULL DEFAULT '',
    country        text NOT NULL DEFAULT '',
    team           text NOT NULL DEFAULT '',
    wave           text NOT NULL DEFAULT '',
    vip            boolean NOT NULL DEFAULT false,
    message        text NOT NULL DEFAULT '',
    pronunciation  text NOT NULL DEFAULT '',
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (partner_id, event_name, bib),
    -- Deferred so one import may swap two runners' chips inside its transaction.
    CONSTRAINT participants_tag_unique UNIQUE (partner_id, event_name, tag)
        DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX participants_names ON participants (partner_id, event_name, last_name, first_name);

ALTER TABLE participants ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON participants USING (partner_id = p88_current_partner())
    WITH CHECK (partner_id = p88_current_partner());
GRANT SELECT, INSERT, UPDATE, DELETE ON participants TO p88_tenant;
-- An uploaded file between "show the detected mapping" and "import": too big for a hidden form
-- field, so it waits here (a day at most; each new upload clears the partner's old ones).
CREATE TABLE participant_uploads (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    partner_id  bigint NOT NULL REFERENCES partners(id) ON DELETE CASCADE,
    event_name  text NOT NULL CHECK (length(event_name) BETWEEN 1 AND 200),
    filename    text NOT NULL DEFAULT '',
    data        bytea NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX participant_uploads_partner ON participant_uploads (partner_id, created_at);

ALTER TABLE participant_uploads ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON participant_uploads USING (partner_id = p88_current_partner())
    WITH CHECK (partner_id = p88_current_partner());
GRANT SELECT, INSERT, UPDATE, DELETE ON participant_uploads TO p88_tenant;

GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO p88_tenant;
