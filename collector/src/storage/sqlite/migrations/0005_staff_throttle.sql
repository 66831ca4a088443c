-- The staff sign-in throttle, in the database so that every collector of one database counts the same failures.
-- `key` is a keyed hash (HMAC-SHA-256 with a secret derived from the collector's key) of the address typed or of
-- the client's network: neither is kept in clear, and neither can be found by hashing guesses.
CREATE TABLE staff_throttle (
    key TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    last_failure INTEGER NOT NULL,
    blocked_until INTEGER NOT NULL
);
CREATE INDEX staff_throttle_last_failure ON staff_throttle (last_failure);
