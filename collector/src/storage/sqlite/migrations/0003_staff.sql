-- The staff console (issue 13): accounts, their sessions and one-time links, and the audit log.
-- Nothing here is part of the consent ledger's chain; the audit log has a chain of its own.

-- Staff accounts. `sites` is a JSON array of site ids (the account sees only these). `password_hash` is a PHC
-- string (Argon2id), NULL until the invitation link is used. `totp_last_step` is the 30-second step of the last
-- code accepted: a code of that step or an earlier one is refused (replay).
CREATE TABLE staff_accounts (
    account_id     TEXT PRIMARY KEY,
    email          TEXT NOT NULL UNIQUE,
    role           TEXT NOT NULL,
    sites          TEXT NOT NULL,
    locale         TEXT NOT NULL DEFAULT 'fr',
    password_hash  TEXT,
    totp_secret    TEXT,
    totp_last_step INTEGER,
    disabled_at    INTEGER,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);

-- Signed-in sessions. The cookie holds a random id; only its SHA-256 is stored, so a copy of the database opens
-- no session. `stage` is `password` between a correct password and the TOTP code, then `full`.
CREATE TABLE staff_sessions (
    session_hash TEXT PRIMARY KEY,
    account_id   TEXT NOT NULL,
    stage        TEXT NOT NULL,
    csrf_token   TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL
);
CREATE INDEX staff_sessions_account ON staff_sessions (account_id);

-- One-time links (invitation: set the first password; reset: choose a new one), stored hashed like sessions.
CREATE TABLE staff_tokens (
    token_hash TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    purpose    TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
);
CREATE INDEX staff_tokens_account ON staff_tokens (account_id);

-- The audit log: append-only and hash-chained like the ledger (`body` is RFC 8785 JSON holding `prev_hash`,
-- `hash` its SHA-256), naming the account; no personal data of subjects.
CREATE TABLE staff_audit (
    seq  INTEGER PRIMARY KEY,
    hash TEXT NOT NULL,
    body TEXT NOT NULL
);

-- Rights requests received outside the manage page (letter, email to the DPO), logged and answered by staff
-- (console/requests.rs). `requester` is the address or name as the request gave it; `steps` a JSON array of
-- what was done, by whom, when. `received_on` is a day number (days since 1970-01-01): the art. 12(3) month
-- runs from it.
CREATE TABLE rights_requests (
    request_id  TEXT PRIMARY KEY,
    site        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    channel     TEXT NOT NULL,
    requester   TEXT NOT NULL,
    subject_id  TEXT,
    received_on INTEGER NOT NULL,
    status      TEXT NOT NULL,
    answer      TEXT,
    steps       TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX rights_requests_site ON rights_requests (site, status, received_on);

-- How far the chain was verified from genesis (proof bundles re-check only what came after).
CREATE TABLE chain_checkpoints (
    seq        INTEGER PRIMARY KEY,
    hash       TEXT NOT NULL,
    checked_at INTEGER NOT NULL
);
