-- The data API's push stream sends reads (and the passings they make) in id order, and a client
-- resumes after the last id it got: so no read may be sent while a read with a lower id can
-- still be stored. Ids come from timing_reads_id_seq; ingest writers (several at once) draw them
-- inside their transactions, which commit in any order.
--
-- nextval() takes a lock on the sequence that its transaction holds until it ends. So: read the
-- last id drawn, THEN list the transactions holding that lock. Once all of those have ended,
-- every read with an id up to the head is stored (and visible) or never will be. The two steps
-- run in this order inside the function; the caller waits for the holders (p88.db.api_stream).
CREATE FUNCTION p88_reads_id_head(OUT head bigint, OUT holders text[])
LANGUAGE plpgsql AS $$
DECLARE
    called boolean;
BEGIN
    SELECT last_value, is_called INTO head, called FROM timing_reads_id_seq;
    IF NOT called THEN
        head := head - 1;
    END IF;
    SELECT coalesce(array_agg(l.virtualtransaction), '{}') INTO holders
    FROM pg_locks l
    WHERE l.locktype = 'relation' AND l.relation = 'timing_reads_id_seq'::regclass;
END
$$;
