//! The console's queries on whichever database the collector runs on: each function passes the console's own
//! connection to the SQLite or PostgreSQL version in `storage/{sqlite,postgres}/console.rs`.

use super::requests::RightsRequest;
use crate::ledger::StoredEvent;
use crate::proof::Checkpoint;
use crate::staff::StaffConn;
use crate::storage::StoreError;
use crate::storage::postgres::console as pg;
use crate::storage::sqlite::console as lite;

macro_rules! on_either {
    ($(#[$doc:meta] $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty;)*) => {$(
        #[$doc]
        pub fn $name(conn: &mut StaffConn, $($arg: $ty),*) -> Result<$ret, StoreError> {
            match conn {
                StaffConn::Sqlite(c) => lite::$name(c, $($arg),*),
                StaffConn::Postgres(c) => pg::$name(c, $($arg),*),
            }
        }
    )*};
}

on_either! {
    /// Events after `after`, with the signed data of submissions still held.
    events_with_data(after: u64, limit: usize) -> Vec<(StoredEvent, Option<String>)>;
    /// Events after `after`.
    events_after(after: u64, limit: usize) -> Vec<StoredEvent>;
    /// The last chain checkpoint.
    checkpoint() -> Option<Checkpoint>;
    /// Records a chain checkpoint.
    put_checkpoint(c: &Checkpoint) -> ();
    /// Inserts or replaces a rights request.
    put_request(q: &RightsRequest) -> ();
    /// A rights request.
    request(id: &str) -> Option<RightsRequest>;
    /// A site's rights requests.
    requests_of_site(site: &str) -> Vec<RightsRequest>;
}
