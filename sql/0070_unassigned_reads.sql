-- Reads of middleware that did not authenticate: who they belong to, and sessions handed over.
--
-- Platform-wide tables: written and read by the platform admin's pages and by the collector,
-- on the owner role. p88_tenant gets no privilege on them.

-- The install's settings chosen in the web app, one row at most. `unauthenticated_partner_id`:
-- the company unauthenticated middleware belongs to (first-run setup, or Platform -> Unassigned
-- reads). NULL, or no row: collector.anonymous_partner in p88.toml decides, and that company
-- (`default` unless configured) holds the reads until a platform admin hands them over.
CREATE TABLE platform_settings (
    only_row                   boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    unauthenticated_partner_id bigint REFERENCES partners(id) ON DELETE SET NULL,
    updated_at                 timestamptz NOT NULL DEFAULT now(),
    updated_by                 bigint REFERENCES users(id) ON DELETE SET NULL
);

-- A session of (from partner, event, day) given to another company with everything under it.
-- The collector's writer follows these: reads that still arrive under the old company's name
-- (a connection that stays open, a reconnect, the journal) are stored under the new one.
-- Kept one hop deep by p88.db.handover: no row's to_partner_id is another row's from_partner_id
-- for the same event and day.
CREATE TABLE session_handovers (
    from_partner_id  bigint NOT NULL REFERENCES partners(id) ON DELETE CASCADE,
    event_name       text NOT NULL,
    day              date NOT NULL,
    to_partner_id    bigint NOT NULL REFERENCES partners(id) ON DELETE CASCADE,
    handed_at        timestamptz NOT NULL DEFAULT now(),
    handed_by        bigint REFERENCES users(id) ON DELETE SET NULL,
    PRIMARY KEY (from_partner_id, event_name, day),
    CHECK (from_partner_id <> to_partner_id)
);
CREATE INDEX session_handovers_to ON session_handovers (to_partner_id, event_name, day);

-- A writer that looked for a hand-over before one committed, then waited on the session row the
-- hand-over deleted, would create the session again under the old company and keep filling it.
-- This check runs after the insert, with a fresh snapshot, so it sees the committed hand-over:
-- SQLSTATE P0088 (the stale-ids code of sql/0041) makes the writer forget its ids, look the
-- hand-overs up again and write the batch under the new company. Sessions are created once per
-- race, so the lookup costs nothing on the hot path. SECURITY DEFINER: a tenant's own insert
-- may check too, without a privilege on the table.
CREATE FUNCTION timing_sessions_not_handed_over() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM session_handovers h
               WHERE h.from_partner_id = NEW.partner_id AND h.event_name = NEW.event_name
                 AND h.day = NEW.day) THEN
        RAISE EXCEPTION 'event % of % was handed to another company; retrying under it',
            NEW.event_name, NEW.day
            USING ERRCODE = 'P0088';
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER timing_sessions_follow_handovers
    AFTER INSERT ON timing_sessions
    FOR EACH ROW EXECUTE FUNCTION timing_sessions_not_handed_over();

