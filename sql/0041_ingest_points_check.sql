-- The collector's batches check, inside their own statement, that the points they wrote to are
-- still what the writer's cache says (p88/ingest/finish.py). A failed check aborts the statement
-- with SQLSTATE P0088, so a live batch can be one statement (one round trip, no BEGIN/COMMIT)
-- and still be all-or-nothing; the writer then forgets its cached ids and writes it again.
CREATE FUNCTION p88_points_unchanged(unchanged boolean) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT unchanged THEN
        RAISE EXCEPTION 'a point of this batch was deleted or merged away; retrying with fresh ids'
            USING ERRCODE = 'P0088';
    END IF;
    RETURN true;
END
$$;
