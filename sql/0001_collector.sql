-- Partners (tenants), collector credentials, timing sessions and their reads.
-- Every tenant-owned row carries partner_id; row-level security is added by a later migration.

CREATE TABLE partners (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug        text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at  timestamptz NOT NULL DEFAULT now()
);

INSERT INTO partners (slug, name) VALUES ('default', 'Default timing company');

-- The User/Password that ChronoTrack middleware (SimpleClient) sends in `authorize~user~secret`.
-- secret_hash is argon2id and always set; secret_plain is kept only for challenge methods
-- (hmac-*, seed-*), whose check needs the password itself.
CREATE TABLE collector_credentials (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    partner_id    bigint NOT NULL REFERENCES partners(id) ON DELETE CASCADE,
    username      text NOT NULL UNIQUE CHECK (username ~ '^[A-Za-z0-9._-]{1,64}$'),
    secret_hash   text NOT NULL,
    secret_plain  text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    revoked_at    timestamptz
);
CREATE INDEX collector_credentials_partner ON collector_credentials (partner_id);

-- What the hardware streams under one event name on one local day.
CREATE TABLE timing_sessions (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    partner_id    bigint NOT NULL REFERENCES partners(id) ON DELETE CASCADE,
    event_name    text NOT NULL,
    day           date NOT NULL,
    timezone      text NOT NULL,
    name          text NOT NULL,
    status        text NOT NULL DEFAULT 'live' CHECK (status IN ('live', 'ended')),
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_read_at  timestamptz,
    UNIQUE (partner_id, event_name, day)
);

CREATE TABLE timing_locations (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    partner_id    bigint NOT NULL REFERENCES partners(id) ON DELETE CASCADE,
    session_id    bigint NOT NULL REFERENCES timing_sessions(id) ON DELETE CASCADE,
    name          text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (session_id, name)
);

-- One observation. local_time is the event's wall clock as the hardware reported it.
CREATE TABLE timing_reads (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    partner_id     bigint NOT NULL,
    session_id     bigint NOT NULL REFERENCES timing_sessions(id) ON DELETE CASCADE,
    location_id    bigint NOT NULL REFERENCES timing_locations(id) ON DELETE CASCADE,
    tag            text NOT NULL,
    local_time     timestamp(2) NOT NULL,
    lap            integer NOT NULL,
    reader_id      text NOT NULL,
    gator          integer NOT NULL,
    sequence       bigint NOT NULL,
    connection_id  text NOT NULL,
    received_at    timestamptz NOT NULL
);
-- The dedup key: resumes, rewinds and two clients on one point all collapse here.
CREATE UNIQUE INDEX timing_reads_dedup
    ON timing_reads (session_id, location_id, tag, local_time, reader_id, gator);

CREATE TABLE gun_times (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    partner_id    bigint NOT NULL,
    session_id    bigint NOT NULL REFERENCES timing_sessions(id) ON DELETE CASCADE,
    location_id   bigint REFERENCES timing_locations(id) ON DELETE CASCADE,
    local_time    timestamp(2) NOT NULL,
    wave          text,
    source        text NOT NULL DEFAULT 'hardware' CHECK (source IN ('hardware', 'manual')),
    sequence      bigint,
    reader_id     text,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX gun_times_hardware_dedup
    ON gun_times (session_id, location_id, local_time) WHERE source = 'hardware';

-- Highest sequence durably stored per middleware connection id and point: the resume point.
CREATE TABLE collector_resume (
    partner_id     bigint NOT NULL REFERENCES partners(id) ON DELETE CASCADE,
    connection_id  text NOT NULL,
    location       text NOT NULL,
    last_sequence  bigint NOT NULL,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (partner_id, connection_id, location)
);

CREATE TABLE collector_connections (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    partner_id     bigint REFERENCES partners(id) ON DELETE CASCADE,
    peer           text NOT NULL,
    program        text,
    program_version text,
    connection_id  text,
    event_name     text,
    connected_at   timestamptz NOT NULL,
    closed_at      timestamptz,
    reads          bigint NOT NULL DEFAULT 0,
    close_reason   text
);
CREATE INDEX collector_connections_partner ON collector_connections (partner_id, connected_at);
