-- Campaigns (issue 14): messages a school sends its graduates under soft opt-in (CPCE L.34-5), or to the people
-- whose consent from before is to reconfirm; the objections they answer with, and the addresses that bounce.
-- Nothing here is part of the consent ledger's chain: an objection is also an `objected` ledger event.

-- One campaign: the template as given (Markdown, its SHA-256), the audience, the pace.
CREATE TABLE campaigns (
    campaign_id     TEXT PRIMARY KEY,
    site            TEXT NOT NULL,
    audience        TEXT NOT NULL,
    subject_line    TEXT NOT NULL,
    template        TEXT NOT NULL,
    template_sha256 TEXT NOT NULL,
    rate_per_minute INTEGER NOT NULL,
    created_by      TEXT NOT NULL,
    created_at      INTEGER NOT NULL
);

-- One row per recipient: the durable queue. No address is copied here: the message is composed when sent, from
-- the subject as they then are (an erased subject is not written to). `email_sha256` (of the normalised
-- address) is what an objection and a bounce are keyed by. `state`: queued → sending (claimed until
-- `lease_until`) → sent | bounced | skipped | failed; a `sending` row whose lease ran out is `uncertain`: its
-- sender died between the claim and the outcome, and it is never sent again (at most once).
CREATE TABLE campaign_recipients (
    id              INTEGER PRIMARY KEY,
    campaign_id     TEXT NOT NULL,
    subject_id      TEXT NOT NULL,
    record_id       TEXT NOT NULL,
    email_sha256    TEXT NOT NULL,
    state           TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    lease_until     INTEGER,
    outcome         TEXT,
    updated_at      INTEGER NOT NULL,
    UNIQUE (campaign_id, subject_id)
);
CREATE INDEX campaign_recipients_due ON campaign_recipients (campaign_id, state, next_attempt_at);

-- Objections, forever: keyed by site and address hash (not subject), so that a re-import of the same address
-- still finds it. `basis`: soft_opt_in or legacy.
CREATE TABLE objections (
    site         TEXT NOT NULL,
    email_sha256 TEXT NOT NULL,
    basis        TEXT NOT NULL,
    subject_id   TEXT NOT NULL,
    campaign_id  TEXT,
    objected_at  INTEGER NOT NULL,
    PRIMARY KEY (site, email_sha256, basis)
);

-- Addresses an SMTP server refused for good (5xx): no email of the collector goes to them again.
CREATE TABLE undeliverable (
    site         TEXT NOT NULL,
    email_sha256 TEXT NOT NULL,
    reason       TEXT NOT NULL,
    marked_at    INTEGER NOT NULL,
    PRIMARY KEY (site, email_sha256)
);
