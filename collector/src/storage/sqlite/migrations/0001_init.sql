-- The ledger: append-only, hash-chained. `body` is the event's RFC 8785 JSON, `hash` its SHA-256.
CREATE TABLE events (
    seq  INTEGER PRIMARY KEY,
    hash TEXT NOT NULL,
    body TEXT NOT NULL
);

-- Each site's consent.toml, so that staff commands need only the data folder.
CREATE TABLE sites (
    site        TEXT PRIMARY KEY,
    config_toml TEXT NOT NULL,
    updated_at  INTEGER NOT NULL
);

-- Every notice version's full text, kept forever (the copy of the information shown).
CREATE TABLE notices (
    version    TEXT PRIMARY KEY,
    canonical  TEXT NOT NULL,
    first_seen INTEGER NOT NULL
);

-- Challenge nonces already used, kept until their token expires. Keyed by expiry first: expiries grow with
-- time, so inserts append instead of landing on random pages, and pruning is a range delete.
CREATE TABLE used_nonces (
    exp   INTEGER NOT NULL,
    nonce TEXT NOT NULL,
    PRIMARY KEY (exp, nonce)
) WITHOUT ROWID;

-- Subjects. `email` is personal data: NULL once erased or anonymised.
CREATE TABLE subjects (
    subject_id       TEXT PRIMARY KEY,
    site             TEXT NOT NULL,
    email            TEXT,
    created_at       INTEGER NOT NULL,
    last_activity_at INTEGER NOT NULL,
    anonymised_at    INTEGER
);
CREATE UNIQUE INDEX subjects_email ON subjects(site, email) WHERE email IS NOT NULL;
CREATE INDEX subjects_activity ON subjects(last_activity_at) WHERE anonymised_at IS NULL;

-- Records: the current state, a projection of the ledger.
CREATE TABLE records (
    record_id      TEXT PRIMARY KEY,
    subject_id     TEXT NOT NULL,
    site           TEXT NOT NULL,
    cta            TEXT NOT NULL,
    status         TEXT NOT NULL,
    choices        TEXT NOT NULL,
    notice_version TEXT NOT NULL,
    locale         TEXT NOT NULL,
    device         TEXT,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    confirmed_at   INTEGER
);
CREATE INDEX records_subject ON records(subject_id);
CREATE INDEX records_device ON records(site, device) WHERE device IS NOT NULL;
CREATE INDEX records_pending ON records(created_at) WHERE status = 'pending';

-- Personal data beside the chain: the signed submission. Erasure deletes the row; the chain keeps its hash.
CREATE TABLE record_data (
    record_id  TEXT PRIMARY KEY,
    subject_id TEXT NOT NULL,
    data       TEXT NOT NULL
);
CREATE INDEX record_data_subject ON record_data(subject_id);

-- Each subject's current answer per purpose.
CREATE TABLE consents (
    subject_id TEXT NOT NULL,
    purpose    TEXT NOT NULL,
    granted    INTEGER NOT NULL,
    record_id  TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (subject_id, purpose)
) WITHOUT ROWID;
CREATE INDEX consents_purpose ON consents(purpose, granted);

-- The durable email queue.
CREATE TABLE mail_queue (
    id              INTEGER PRIMARY KEY,
    to_addr         TEXT NOT NULL,
    message         TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    created_at      INTEGER NOT NULL
);
CREATE INDEX mail_queue_due ON mail_queue(next_attempt_at);
