-- People, roles, login sessions, one-time links, sign-in throttling and the audit log.
--
-- Platform-wide tables (users, login_sessions, account_tokens, login_throttle) are read and
-- written by the accounts code outside tenant transactions. Tenant-owned tables (memberships,
-- invitations, audit_log) carry partner_id and row-level security like every other tenant table.

CREATE TABLE users (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email              text NOT NULL CHECK (length(email) BETWEEN 3 AND 254 AND email LIKE '%_@_%'),
    name               text NOT NULL DEFAULT '' CHECK (length(name) <= 200),
    password_hash      text,  -- argon2id; NULL until the person chooses a password
    is_platform_admin  boolean NOT NULL DEFAULT false,
    created_at         timestamptz NOT NULL DEFAULT now(),
    password_changed_at timestamptz,
    disabled_at        timestamptz
);
-- Case-insensitive uniqueness without the citext extension.
CREATE UNIQUE INDEX users_email_lower ON users (lower(email));

CREATE TABLE memberships (
    user_id     bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    partner_id  bigint NOT NULL REFERENCES partners(id) ON DELETE CASCADE,
    role        text NOT NULL CHECK (role IN ('owner', 'admin', 'operator', 'viewer')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, partner_id)
);
CREATE INDEX memberships_partner ON memberships (partner_id);

-- Server-side sign-ins. The browser holds a random token; only its SHA-256 is stored, so a copy
-- of the database does not let anyone sign in.
CREATE TABLE login_sessions (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_hash    text NOT NULL UNIQUE,
    user_id       bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    partner_id    bigint REFERENCES partners(id) ON DELETE SET NULL,  -- the partner in use
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_seen_at  timestamptz NOT NULL DEFAULT now(),
    idle_expires_at      timestamptz NOT NULL,
    absolute_expires_at  timestamptz NOT NULL,
    address       text NOT NULL DEFAULT '',
    user_agent    text NOT NULL DEFAULT '',
    revoked_at    timestamptz
);
CREATE INDEX login_sessions_user ON login_sessions (user_id) WHERE revoked_at IS NULL;

-- One-time links: first-run setup of the platform admin and password resets.
CREATE TABLE account_tokens (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    purpose     text NOT NULL CHECK (purpose IN ('setup', 'reset')),
    token_hash  text NOT NULL UNIQUE,
    user_id     bigint REFERENCES users(id) ON DELETE CASCADE,  -- NULL for 'setup'
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    CHECK (purpose = 'setup' OR user_id IS NOT NULL)
);

CREATE TABLE invitations (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    partner_id  bigint NOT NULL REFERENCES partners(id) ON DELETE CASCADE,
    email       text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    role        text NOT NULL CHECK (role IN ('owner', 'admin', 'operator', 'viewer')),
    token_hash  text NOT NULL UNIQUE,
    invited_by  bigint REFERENCES users(id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    used_by     bigint REFERENCES users(id) ON DELETE SET NULL,
    revoked_at  timestamptz
);
CREATE INDEX invitations_partner ON invitations (partner_id, created_at);

-- Failed sign-ins per key ('account:<email>' or 'address:<ip>'), whether or not the account
-- exists, so the throttle itself reveals nothing.
CREATE TABLE login_throttle (
    key            text PRIMARY KEY,
    failures       integer NOT NULL DEFAULT 0,
    window_start   timestamptz NOT NULL DEFAULT now(),
    locked_until   timestamptz
);

-- Who did what, when, from where. partner_id is NULL for platform-level events (a platform
-- admin's own sign-in, plan definitions); tenants never see those rows.
CREATE TABLE audit_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    partner_id  bigint REFERENCES partners(id) ON DELETE CASCADE,
    at          timestamptz NOT NULL DEFAULT now(),
    actor_id    bigint REFERENCES users(id) ON DELETE SET NULL,
    actor_email text NOT NULL DEFAULT '',
    action      text NOT NULL,
    detail      text NOT NULL DEFAULT '',
    address     text NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_partner_at ON audit_log (partner_id, at DESC);
CREATE INDEX audit_log_at ON audit_log (at DESC);

-- Row-level security for the tenant-owned tables.
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['memberships', 'invitations', 'audit_log']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format(
            'CREATE POLICY tenant_isolation ON %I USING (partner_id = p88_current_partner()) '
            'WITH CHECK (partner_id = p88_current_partner())', t);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO p88_tenant', t);
    END LOOP;
END
$$;

-- A tenant may see the people who belong to it, and never their password hashes.
GRANT SELECT (id, email, name, is_platform_admin, created_at, disabled_at) ON users TO p88_tenant;
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_members ON users USING (
    EXISTS (SELECT 1 FROM memberships m
            WHERE m.user_id = users.id AND m.partner_id = p88_current_partner())
);

GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO p88_tenant;
