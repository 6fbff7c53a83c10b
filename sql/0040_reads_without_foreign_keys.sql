-- Ingest speed: timing_reads loses its two foreign keys.
--
-- Each FOREIGN KEY fired a row-level RI check on every inserted read (two per read), which cost
-- PostgreSQL about a third of the deduplicating insert. The collector's writer now takes the
-- same locks once per batch instead (p88.ingest.writer.FINISH_BATCH: FOR KEY SHARE on the
-- batch's points and their sessions, checked against the ids it used, held until commit), so
-- no batch commits reads of a point or session that is gone. Any other code that inserts
-- reads must take the same care.
--
-- What ON DELETE CASCADE did is kept by the statement-level triggers below: deleting a session
-- or a point (a merge, a partner removal, a cascade from either) deletes its reads, once per
-- statement rather than once per row. SECURITY DEFINER: like the RI cascade they replace, they
-- act as the table owner, so a tenant's delete under row-level security still removes them.

ALTER TABLE timing_reads
    DROP CONSTRAINT timing_reads_session_id_fkey,
    DROP CONSTRAINT timing_reads_location_id_fkey;

CREATE FUNCTION timing_reads_delete_of_locations() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    DELETE FROM timing_reads r USING gone g WHERE r.location_id = g.id;
    RETURN NULL;
END
$$;

CREATE FUNCTION timing_reads_delete_of_sessions() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    DELETE FROM timing_reads r USING gone g WHERE r.session_id = g.id;
    RETURN NULL;
END
$$;

CREATE TRIGGER timing_reads_follow_locations
    AFTER DELETE ON timing_locations REFERENCING OLD TABLE AS gone
    FOR EACH STATEMENT EXECUTE FUNCTION timing_reads_delete_of_locations();

CREATE TRIGGER timing_reads_follow_sessions
    AFTER DELETE ON timing_sessions REFERENCING OLD TABLE AS gone
    FOR EACH STATEMENT EXECUTE FUNCTION timing_reads_delete_of_sessions();
