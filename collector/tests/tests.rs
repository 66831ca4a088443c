//! Integration tests: the real `collector` binary on loopback, signed submissions, the ledger read from its
//! SQLite file (or, in `postgres`, from a PostgreSQL cluster the test starts). One binary, one module per topic.

mod util;

mod actions;
mod campaign;
mod changes;
mod concurrency;
mod dates;
mod download;
mod escaping;
mod import;
mod insertion;
mod keys;
mod leaks;
mod lifecycle;
mod limits;
mod manage_imported;
mod operating;
mod postgres;
mod postgres_batch;
mod profile;
mod profile_reminder;
mod protocol_doc;
mod proxies;
mod rectification;
mod rejections;
mod retention;
mod site_relay;
mod sites_folder;
mod staff_auth;
mod staff_campaigns;
mod staff_console;
mod staff_rights;
mod submissions;
mod tampering;
mod writer;
