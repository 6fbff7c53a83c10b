-- What reading an upload found (columns, a sample, the row count, the row problems with the
-- columns last chosen), so the mapping page shows it without reading the whole file again.
-- NULL for uploads kept before this column existed: the page reads those once and fills it in.
ALTER TABLE participant_uploads ADD COLUMN summary jsonb;
