//! Integration tests: the real `collector` binary on loopback, signed submissions, the ledger read from its
//! SQLite file. One binary, one module per topic.

mod util;

mod actions;
mod download;
mod lifecycle;
mod protocol_doc;
mod proxies;
mod rejections;
mod retention;
mod submissions;
mod tampering;
