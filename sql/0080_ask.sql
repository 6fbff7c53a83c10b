-- Ask: questions in plain words, answered by SQL that runs as a role which can read nothing but
-- a few curated views, and only the asking company's rows of them (p88.ask, p88.db.ask).
--
-- p88_ask logs in (the ask pool). It is no superuser, cannot bypass row-level security and is
-- a member of no role, so `SET ROLE` and set_config('role', ...) fail for it. It may SELECT the
-- ask_* views below and, because they are security_invoker views (they read the tables with
-- the asker's rights, so a restore that changes their owner changes nothing), the columns of
-- the tables they show, under the policies below.
-- Which company a question reads is not a setting the asked SQL could change: p88 writes it,
-- over its own (owner) connection, into ask_bindings for the ask connection's backend before
-- each question; p88_ask_binding() reads it back for that backend only. p88_ask may neither
-- write nor read ask_bindings, and a SET of p88.partner_id changes nothing: its policies are
-- restrictive, so every other policy's rows are cut to the bound company as well.
-- The views live in the public schema (a restore replaces that schema whole).

CREATE EXTENSION IF NOT EXISTS pg_trgm;  -- loose matching of event names (p88.ask.builtin)

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'p88_ask') THEN
        CREATE ROLE p88_ask LOGIN NOSUPERUSER NOBYPASSRLS NOINHERIT NOCREATEDB NOCREATEROLE
            NOREPLICATION;
    END IF;
END
$$;

-- The company (and, for an API key limited to one event, the event) of the question running
-- on one ask backend. Rewritten before every question; unlogged: nothing here outlives a crash.
CREATE UNLOGGED TABLE ask_bindings (
    pid            integer PRIMARY KEY,
    backend_start  timestamptz NOT NULL,
    partner_id     bigint NOT NULL,
    event_name     text,
    bound_at       timestamptz NOT NULL DEFAULT now()
);
REVOKE ALL ON ask_bindings FROM PUBLIC;

-- The binding of this backend, if p88 wrote one for it (a reused pid with another start time
-- is not bound). SECURITY DEFINER: it reads ask_bindings, which its callers may not.
CREATE FUNCTION p88_ask_binding(OUT partner_id bigint, OUT event_name text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT b.partner_id, b.event_name FROM public.ask_bindings b
    WHERE b.pid = pg_backend_pid()
      AND b.backend_start = (SELECT a.backend_start FROM pg_stat_get_activity(pg_backend_pid()) a)
$$;
REVOKE ALL ON FUNCTION p88_ask_binding() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION p88_ask_binding() TO p88_ask;

-- Restrictive: ANDed with every permissive policy (tenant_isolation included), so no setting
-- of p88.partner_id can widen what p88_ask sees. The permissive twin lets rows through at
-- all. `(SELECT ...)` makes each an init plan: evaluated once per query, not once per row.
DO $$
DECLARE
    t text;
    tables_by_event text[] := ARRAY['timing_sessions', 'participants'];
    tables_by_session text[] := ARRAY['results_rows', 'timing_locations', 'timing_reads'];
    rule text;
BEGIN
    FOREACH t IN ARRAY tables_by_event || tables_by_session
    LOOP
        IF t = ANY (tables_by_event) THEN
            rule := 'partner_id = (SELECT partner_id FROM p88_ask_binding()) AND '
                    '((SELECT event_name FROM p88_ask_binding()) IS NULL OR '
                    'event_name = (SELECT event_name FROM p88_ask_binding()))';
        ELSE
            rule := 'partner_id = (SELECT partner_id FROM p88_ask_binding()) AND '
                    '((SELECT event_name FROM p88_ask_binding()) IS NULL OR session_id IN '
                    '(SELECT s.id FROM timing_sessions s '
                    'WHERE s.event_name = (SELECT event_name FROM p88_ask_binding())))';
        END IF;
        EXECUTE format('CREATE POLICY ask_bound ON %I AS PERMISSIVE FOR SELECT '
                       'TO p88_ask USING (%s)', t, rule);
        EXECUTE format('CREATE POLICY ask_bound_only ON %I AS RESTRICTIVE FOR SELECT '
                       'TO p88_ask USING (%s)', t, rule);
    END LOOP;
END
$$;

GRANT SELECT (id, partner_id, event_name, day, status) ON timing_sessions TO p88_ask;
GRANT SELECT (partner_id, event_name, bib, first_name, last_name, gender, age, age_group, city,
              state, country, team, wave, course, division) ON participants TO p88_ask;
GRANT SELECT (session_id, partner_id, bib, name, course, wave, gender, age, age_group, division,
              status, placed, start_at, finish_at, gun_time, chip_time, ranking_time, splits)
    ON results_rows TO p88_ask;
GRANT SELECT (id, partner_id, session_id, name) ON timing_locations TO p88_ask;
GRANT SELECT (partner_id, session_id, location_id, tag, local_time) ON timing_reads
    TO p88_ask;

-- One timing session = one event on one day, as the timer sees it.
CREATE VIEW ask_events WITH (security_invoker = true) AS
SELECT s.id AS event_id,
       s.event_name AS event,
       s.day,
       extract(year FROM s.day)::integer AS year,
       s.status,
       (SELECT count(*) FROM participants p
        WHERE p.partner_id = s.partner_id AND p.event_name = s.event_name) AS participants,
       (SELECT count(*) FROM results_rows r
        WHERE r.session_id = s.id AND r.status = 'finished') AS finishers
FROM timing_sessions s;

-- Everyone entered in an event, as the participant file says (events by name: a two-day event
-- lists its runners once per day).
CREATE VIEW ask_participants WITH (security_invoker = true) AS
SELECT s.id AS event_id,
       p.event_name AS event,
       s.day,
       extract(year FROM s.day)::integer AS year,
       p.bib,
       btrim(p.first_name || ' ' || p.last_name) AS name,
       p.first_name,
       p.last_name,
       p.gender,
       p.age,
       p.age_group,
       p.city,
       p.state,
       p.country,
       p.team AS club,
       p.wave,
       p.course,
       p.division
FROM participants p
LEFT JOIN timing_sessions s ON s.partner_id = p.partner_id AND s.event_name = p.event_name;

-- The results engine's result per runner, with places ranked the engine's way: per course,
-- placed runners by ranking time, equal times sharing a place (rank()).
CREATE VIEW ask_results WITH (security_invoker = true) AS
SELECT r.session_id AS event_id,
       s.event_name AS event,
       s.day,
       extract(year FROM s.day)::integer AS year,
       r.bib,
       r.name,
       r.course,
       r.wave,
       r.gender,
       r.age,
       r.age_group,
       r.division,
       coalesce(p.city, '') AS city,
       coalesce(p.state, '') AS state,
       coalesce(p.country, '') AS country,
       coalesce(p.team, '') AS club,
       r.status,
       CASE WHEN r.placed THEN rank() OVER (PARTITION BY r.session_id, r.course, r.placed
                                            ORDER BY r.ranking_time) END AS place,
       CASE WHEN r.placed AND r.gender IS NOT NULL THEN
           rank() OVER (PARTITION BY r.session_id, r.course, r.placed, r.gender
                        ORDER BY r.ranking_time) END AS gender_place,
       CASE WHEN r.placed AND r.age_group IS NOT NULL THEN
           rank() OVER (PARTITION BY r.session_id, r.course, r.placed, r.age_group
                        ORDER BY r.ranking_time) END AS age_group_place,
       make_interval(secs => r.ranking_time / 100.0) AS time,
       make_interval(secs => r.chip_time / 100.0) AS chip_time,
       make_interval(secs => r.gun_time / 100.0) AS gun_time,
       r.start_at::time AS start_time_of_day,
       r.finish_at::time AS finish_time_of_day
FROM results_rows r
JOIN timing_sessions s ON s.id = r.session_id
LEFT JOIN participants p
    ON p.partner_id = r.partner_id AND p.event_name = s.event_name AND p.bib = r.bib;

-- Each runner's intermediate times, in course order.
CREATE VIEW ask_splits WITH (security_invoker = true) AS
SELECT r.session_id AS event_id,
       s.event_name AS event,
       s.day,
       r.bib,
       r.name,
       r.course,
       split.ordinality::integer AS split_number,
       split.value ->> 'point' AS point,
       make_interval(secs => (split.value ->> 'elapsed')::bigint / 100.0) AS elapsed,
       (timestamp '1970-01-01' + make_interval(secs => (split.value ->> 'time')::bigint / 100.0))::time
           AS time_of_day
FROM results_rows r
JOIN timing_sessions s ON s.id = r.session_id
CROSS JOIN LATERAL jsonb_array_elements(r.splits) WITH ORDINALITY AS split(value, ordinality);

-- What each timing point saw: reads and distinct tags, first and last read.
CREATE VIEW ask_reads WITH (security_invoker = true) AS
SELECT s.id AS event_id,
       s.event_name AS event,
       s.day,
       l.name AS point,
       count(r.tag) AS reads,
       count(DISTINCT r.tag) AS tags,
       min(r.local_time)::time AS first_read,
       max(r.local_time)::time AS last_read
FROM timing_locations l
JOIN timing_sessions s ON s.id = l.session_id
LEFT JOIN timing_reads r ON r.location_id = l.id
GROUP BY s.id, s.event_name, s.day, l.id, l.name;

GRANT SELECT ON ask_events, ask_participants, ask_results, ask_splits, ask_reads TO p88_ask;

-- The company's questions: the Ask page's history and what its CSV links run again.
CREATE TABLE ask_questions (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    partner_id  bigint NOT NULL REFERENCES partners(id) ON DELETE CASCADE,
    asked_by    bigint REFERENCES users(id) ON DELETE SET NULL,
    api_key_id  bigint REFERENCES api_keys(id) ON DELETE SET NULL,
    question    text NOT NULL CHECK (length(question) BETWEEN 1 AND 1000),
    engine      text NOT NULL CHECK (engine IN ('builtin', 'ollama', 'openai', 'none')),
    sql         text NOT NULL DEFAULT '',
    understood  text NOT NULL DEFAULT '',
    outcome     text NOT NULL CHECK (outcome IN ('answered', 'not_understood', 'refused',
                                                 'failed')),
    row_count   integer,
    elapsed_ms  integer NOT NULL,
    asked_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ask_questions_partner ON ask_questions (partner_id, asked_at DESC);

ALTER TABLE ask_questions ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON ask_questions USING (partner_id = p88_current_partner())
    WITH CHECK (partner_id = p88_current_partner());
GRANT SELECT, INSERT, UPDATE, DELETE ON ask_questions TO p88_tenant;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO p88_tenant;
