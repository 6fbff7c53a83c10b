-- Corrections made through the data API (POST /api/v1/sessions/<id>/corrections): who made or
-- undid one is then an API key, not a person; the corrections page shows it as such.
ALTER TABLE results_corrections
    ADD COLUMN created_by_key bigint REFERENCES api_keys(id) ON DELETE SET NULL,
    ADD COLUMN undone_by_key  bigint REFERENCES api_keys(id) ON DELETE SET NULL;
