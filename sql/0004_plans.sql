-- Plans and subscriptions, daily usage, payment history, API keys.
--
-- A partner without a current subscription has no limits: a single-company install never meets
-- a plan it did not ask for. The platform admin assigns plans on a shared install.

CREATE TABLE plans (
    id                          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug                        text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    name                        text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    -- NULL means no limit.
    max_active_displays         integer CHECK (max_active_displays >= 0),
    max_sessions_per_month      integer CHECK (max_sessions_per_month >= 0),
    max_participants_per_event  integer CHECK (max_participants_per_event >= 0),
    max_api_requests_per_day    integer CHECK (max_api_requests_per_day >= 0),
    read_retention_days         integer NOT NULL DEFAULT 30 CHECK (read_retention_days >= 1),
    price_note                  text NOT NULL DEFAULT '' CHECK (length(price_note) <= 200),
    created_at                  timestamptz NOT NULL DEFAULT now()
);

INSERT INTO plans (slug, name, max_active_displays, max_sessions_per_month,
                   max_participants_per_event, max_api_requests_per_day, read_retention_days,
                   price_note)
VALUES ('starter', 'Starter', 2, 4, 1000, 5000, 30, 'for clubs timing a few races a year'),
       ('club', 'Club', 10, 20, 10000, 50000, 90, 'for regional timing companies'),
       ('pro', 'Pro', NULL, NULL, NULL, NULL, 365, 'for marathons and national series');

CREATE TABLE subscriptions (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    partner_id  bigint NOT NULL REFERENCES partners(id) ON DELETE CASCADE,
    plan_id     bigint NOT NULL REFERENCES plans(id),
    starts_on   date NOT NULL,
    ends_on     date,
    status      text NOT NULL CHECK (status IN ('trial', 'active', 'past_due', 'cancelled')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_on IS NULL OR ends_on >= starts_on)
);
CREATE INDEX subscriptions_partner ON subscriptions (partner_id, starts_on DESC);

-- Counted per partner per UTC day. Reads ingested are counted from timing_reads instead.
CREATE TABLE usage_daily (
    partner_id       bigint NOT NULL REFERENCES partners(id) ON DELETE CASCADE,
    day              date NOT NULL,
    api_requests     bigint NOT NULL DEFAULT 0,
    active_displays  integer NOT NULL DEFAULT 0,  -- the day's peak
    peak_viewers     integer NOT NULL DEFAULT 0,
    PRIMARY KEY (partner_id, day)
);

CREATE TABLE payments (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    partner_id    bigint NOT NULL REFERENCES partners(id) ON DELETE CASCADE,
    paid_on       date NOT NULL,
    amount        numeric(12, 2) NOT NULL CHECK (amount >= 0),
    currency      text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    method        text NOT NULL CHECK (length(method) BETWEEN 1 AND 50),
    reference     text NOT NULL DEFAULT '' CHECK (length(reference) <= 100),
    note          text NOT NULL DEFAULT '' CHECK (length(note) <= 500),
    period_start  date,
    period_end    date,
    recorded_by   bigint REFERENCES users(id) ON DELETE SET NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (period_end IS NULL OR period_start IS NULL OR period_end >= period_start)
);
CREATE INDEX payments_partner ON payments (partner_id, paid_on DESC);

-- Keys for the data API. Keys are 256-bit random, so a SHA-256 is enough to store them safely
-- and lets a request be matched with one index lookup.
CREATE TABLE api_keys (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    partner_id    bigint NOT NULL REFERENCES partners(id) ON DELETE CASCADE,
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    prefix        text NOT NULL,  -- the first characters, to recognise a key in the list
    key_hash      text NOT NULL UNIQUE,
    created_by    bigint REFERENCES users(id) ON DELETE SET NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz,
    revoked_at    timestamptz
);
CREATE INDEX api_keys_partner ON api_keys (partner_id, created_at);

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['subscriptions', 'usage_daily', 'payments', 'api_keys']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format(
            'CREATE POLICY tenant_isolation ON %I USING (partner_id = p88_current_partner()) '
            'WITH CHECK (partner_id = p88_current_partner())', t);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO p88_tenant', t);
    END LOOP;
END
$$;

-- The plan catalogue is not secret: every partner may read it to see what it could move to.
GRANT SELECT ON plans TO p88_tenant;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO p88_tenant;
