-- The yearly « mettez à jour votre profil » reminder (issue 15.2): per site and subject, when the last one was
-- queued and when they asked for no more. Keyed by subject, not by address: an opt-out follows an address
-- change. The opt-out is also an `objected` ledger event (basis `profile_reminder`); no personal data here.
CREATE TABLE profile_reminders (
    site         TEXT NOT NULL,
    subject_id   TEXT NOT NULL,
    last_sent_at INTEGER,
    opted_out_at INTEGER,
    PRIMARY KEY (site, subject_id)
);
