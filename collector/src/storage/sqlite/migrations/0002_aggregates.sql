-- Counts that outlive the personal data (issue 5, retention "keep only aggregates"). When a subject is
-- anonymised (end of retention, or withdrawal from everything), each value they counted under in `stats` is
-- incremented here, in the same transaction as the deletion. Counts only: no subject id, no email.
CREATE TABLE aggregates (
    site      TEXT NOT NULL,
    dimension TEXT NOT NULL,
    value     TEXT NOT NULL,
    subjects  INTEGER NOT NULL,
    PRIMARY KEY (site, dimension, value)
) WITHOUT ROWID;

-- Whether an answer was ever "yes": a consent ended by retention or withdrawn still counts in the aggregates
-- as one that existed. Rows written before this column were "yes" at most when they still are.
ALTER TABLE consents ADD COLUMN ever_granted INTEGER NOT NULL DEFAULT 0;
UPDATE consents SET ever_granted = granted;

-- A subject's events, for their art. 20 download, without scanning the chain.
CREATE INDEX events_subject ON events(json_extract(body, '$.subject_id'));
