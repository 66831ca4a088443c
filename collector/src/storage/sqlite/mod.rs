//! The embedded SQLite backend: one file `ledger.sqlite3` in the data folder, WAL with `synchronous=FULL`, so
//! a commit is on disk when it returns. All SQL of the collector lives here and in `migrations/`.

pub mod campaign;
pub mod console;
pub mod profile_reminder;
pub mod staff;

use super::{
    AggregateRow, ConsentRow, NewMail, QueuedMail, RecordData, RecordRow, RecordStatus, Store, StoreError, SubjectRow,
};
use crate::storage::StoredEvent;
use consent::Locale;
use rusqlite::{Connection, OptionalExtension, Row, params};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The migrations, in order; `PRAGMA user_version` counts those applied.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_init.sql"),
    include_str!("migrations/0002_aggregates.sql"),
    include_str!("migrations/0003_staff.sql"),
    include_str!("migrations/0004_campaigns.sql"),
    include_str!("migrations/0005_staff_throttle.sql"),
    include_str!("migrations/0006_profile_reminder.sql"),
];

/// The database file inside a data folder.
pub fn database_path(data_dir: &Path) -> PathBuf {
    data_dir.join("ledger.sqlite3")
}

/// A connection to the collector's SQLite database.
pub struct SqliteStore {
    conn: Connection,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SqliteStore")
    }
}

/// SQLite integers are signed; sequence numbers never come near 2^63.
fn seq_sql(seq: u64) -> i64 {
    i64::try_from(seq).unwrap_or(i64::MAX)
}

fn db(e: rusqlite::Error) -> StoreError {
    StoreError::Database(e.to_string())
}

impl SqliteStore {
    /// Opens (creating and migrating if needed) the database of a data folder.
    pub fn open(data_dir: &Path) -> Result<SqliteStore, StoreError> {
        let conn = Connection::open(database_path(data_dir)).map_err(db)?;
        // busy_timeout first: staff commands open the file while `serve` writes, and even switching to WAL
        // (a no-op when already set) may wait for a lock. WAL + FULL: a commit returns once the WAL is fsynced.
        conn.busy_timeout(std::time::Duration::from_secs(10)).map_err(db)?;
        conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;").map_err(db)?;
        // Every operation of a group commit runs in its own savepoint, whose undo journal SQLite keeps in a
        // temporary file by default: under load that file's writes took ≈ 15 % of the collector's CPU. In memory
        // it costs nothing durable — the WAL commit is still what makes an operation last.
        conn.execute_batch("PRAGMA temp_store = MEMORY;").map_err(db)?;
        // More distinct statements run per operation than rusqlite's default cache of 16 holds.
        conn.set_prepared_statement_cache_capacity(64);
        let mut store = SqliteStore { conn };
        store.migrate()?;
        Ok(store)
    }

    /// Opens a read-only connection for the read pool ([`crate::reader`]): a write through it fails.
    pub fn open_reader(data_dir: &Path) -> Result<SqliteStore, StoreError> {
        let store = SqliteStore::open(data_dir)?;
        store.conn.execute_batch("PRAGMA query_only = ON;").map_err(db)?;
        Ok(store)
    }

    fn migrate(&mut self) -> Result<(), StoreError> {
        let applied: i64 = self.conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(db)?;
        let applied = usize::try_from(applied).unwrap_or(0);
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(applied) {
            let tx = self.conn.transaction().map_err(db)?;
            tx.execute_batch(sql).map_err(db)?;
            tx.execute_batch(&format!("PRAGMA user_version = {}", i + 1)).map_err(db)?;
            tx.commit().map_err(db)?;
        }
        Ok(())
    }

    /// Runs one statement without parameters, prepared once: SAVEPOINT/RELEASE run twice per operation.
    fn exec(&self, sql: &str) -> Result<(), StoreError> {
        self.conn.prepare_cached(sql).and_then(|mut stmt| stmt.execute([])).map(drop).map_err(db)
    }
}

fn record_from_row(row: &Row<'_>) -> rusqlite::Result<(RecordRow, String, String, String)> {
    Ok((
        RecordRow {
            record_id: row.get(0)?,
            subject_id: row.get(1)?,
            site: row.get(2)?,
            cta: row.get(3)?,
            status: RecordStatus::Pending,
            choices: BTreeMap::new(),
            notice_version: row.get(6)?,
            locale: Locale::Fr,
            device: row.get(8)?,
            created_at: row.get(9)?,
            updated_at: row.get(10)?,
            confirmed_at: row.get(11)?,
        },
        row.get::<_, String>(4)?,
        row.get::<_, String>(5)?,
        row.get::<_, String>(7)?,
    ))
}

fn finish_record(parts: (RecordRow, String, String, String)) -> Result<RecordRow, StoreError> {
    let (mut record, status, choices, locale) = parts;
    record.status = RecordStatus::parse(&status).ok_or_else(|| StoreError::Corrupt(format!("status {status}")))?;
    record.choices = serde_json::from_str(&choices).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    record.locale = Locale::from_tag(&locale);
    Ok(record)
}

const RECORD_COLUMNS: &str = "record_id, subject_id, site, cta, status, choices, notice_version, locale, device, \
                              created_at, updated_at, confirmed_at";

fn subject_from_row(row: &Row<'_>) -> rusqlite::Result<SubjectRow> {
    Ok(SubjectRow {
        subject_id: row.get(0)?,
        site: row.get(1)?,
        email: row.get(2)?,
        created_at: row.get(3)?,
        last_activity_at: row.get(4)?,
        anonymised_at: row.get(5)?,
    })
}

const SUBJECT_COLUMNS: &str = "subject_id, site, email, created_at, last_activity_at, anonymised_at";

fn consent_from_row(row: &Row<'_>) -> rusqlite::Result<ConsentRow> {
    Ok(ConsentRow {
        subject_id: row.get(0)?,
        purpose: row.get(1)?,
        granted: row.get(2)?,
        record_id: row.get(3)?,
        updated_at: row.get(4)?,
    })
}

const CONSENT_COLUMNS: &str = "c.subject_id, c.purpose, c.granted, c.record_id, c.updated_at";

impl SqliteStore {
    fn records_where(&self, clause: &str, args: impl rusqlite::Params) -> Result<Vec<RecordRow>, StoreError> {
        let mut stmt =
            self.conn.prepare_cached(&format!("SELECT {RECORD_COLUMNS} FROM records WHERE {clause}")).map_err(db)?;
        let rows = stmt.query_map(args, record_from_row).map_err(db)?;
        rows.map(|r| r.map_err(db).and_then(finish_record)).collect()
    }

    fn consents_where(&self, clause: &str, args: impl rusqlite::Params) -> Result<Vec<ConsentRow>, StoreError> {
        let sql = format!(
            "SELECT {CONSENT_COLUMNS} FROM consents c JOIN subjects s ON s.subject_id = c.subject_id WHERE {clause} \
             ORDER BY c.updated_at, c.subject_id"
        );
        let mut stmt = self.conn.prepare_cached(&sql).map_err(db)?;
        let rows = stmt.query_map(args, consent_from_row).map_err(db)?;
        rows.map(|r| r.map_err(db)).collect()
    }
}

impl Store for SqliteStore {
    fn begin(&mut self) -> Result<(), StoreError> {
        self.exec("BEGIN IMMEDIATE")
    }
    fn commit(&mut self) -> Result<(), StoreError> {
        self.exec("COMMIT")
    }
    fn rollback(&mut self) -> Result<(), StoreError> {
        self.exec("ROLLBACK")
    }
    fn begin_snapshot(&mut self) -> Result<(), StoreError> {
        // In WAL mode a deferred transaction's snapshot is taken at its first read: take it now.
        self.exec("BEGIN DEFERRED")?;
        self.conn.query_row("SELECT count(*) FROM sqlite_schema", [], |_| Ok(())).map_err(db)
    }
    fn expect_bulk_write(&mut self) -> Result<(), StoreError> {
        // The default cache (2 MB) holds a few hundred pages: 100,000 rows in four tables and their indexes
        // evicted and re-read pages through the WAL for most of the import's time. Up to 1 GiB, as used.
        self.exec("PRAGMA cache_size = -1048576")
    }
    fn savepoint(&mut self) -> Result<(), StoreError> {
        self.exec("SAVEPOINT op")
    }
    fn release(&mut self) -> Result<(), StoreError> {
        self.exec("RELEASE op")
    }
    fn rollback_to_savepoint(&mut self) -> Result<(), StoreError> {
        self.exec("ROLLBACK TO op")?;
        self.exec("RELEASE op")
    }

    fn head(&mut self) -> Result<Option<(u64, String)>, StoreError> {
        self.conn
            .query_row("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1", [], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
            })
            .optional()
            .map_err(db)
            .map(|head| head.map(|(seq, hash)| (seq.unsigned_abs(), hash)))
    }

    fn append_event(&mut self, event: &StoredEvent) -> Result<(), StoreError> {
        let mut stmt =
            self.conn.prepare_cached("INSERT INTO events (seq, hash, body) VALUES (?1, ?2, ?3)").map_err(db)?;
        stmt.execute(params![seq_sql(event.seq), event.hash, event.body]).map_err(db)?;
        Ok(())
    }

    fn events_after(&mut self, after_seq: u64, limit: usize) -> Result<Vec<StoredEvent>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT seq, hash, body FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2")
            .map_err(db)?;
        let rows = stmt
            .query_map(params![seq_sql(after_seq), limit as i64], |r| {
                Ok(StoredEvent { seq: r.get::<_, i64>(0)?.unsigned_abs(), hash: r.get(1)?, body: r.get(2)? })
            })
            .map_err(db)?;
        rows.map(|r| r.map_err(db)).collect()
    }

    fn put_site(&mut self, site: &str, config_toml: &str, at: i64) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO sites (site, config_toml, updated_at) VALUES (?1, ?2, ?3) ON CONFLICT(site) DO UPDATE \
                 SET config_toml = excluded.config_toml, updated_at = excluded.updated_at",
                params![site, config_toml, at],
            )
            .map_err(db)?;
        Ok(())
    }

    fn sites(&mut self) -> Result<Vec<(String, String)>, StoreError> {
        let mut stmt = self.conn.prepare("SELECT site, config_toml FROM sites ORDER BY site").map_err(db)?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).map_err(db)?;
        rows.map(|r| r.map_err(db)).collect()
    }

    fn put_notice(&mut self, version: &str, canonical: &str, at: i64) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT OR IGNORE INTO notices (version, canonical, first_seen) VALUES (?1, ?2, ?3)",
                params![version, canonical, at],
            )
            .map_err(db)?;
        Ok(())
    }

    fn notice(&mut self, version: &str) -> Result<Option<String>, StoreError> {
        self.conn
            .query_row("SELECT canonical FROM notices WHERE version = ?1", [version], |r| r.get(0))
            .optional()
            .map_err(db)
    }

    fn use_nonce(&mut self, nonce: &str, exp_ms: i64) -> Result<bool, StoreError> {
        let mut stmt =
            self.conn.prepare_cached("INSERT OR IGNORE INTO used_nonces (nonce, exp) VALUES (?1, ?2)").map_err(db)?;
        Ok(stmt.execute(params![nonce, exp_ms]).map_err(db)? == 1)
    }

    fn prune_nonces(&mut self, now_ms: i64) -> Result<usize, StoreError> {
        self.conn.execute("DELETE FROM used_nonces WHERE exp < ?1", [now_ms]).map_err(db)
    }

    fn subject_by_email(&mut self, site: &str, email: &str) -> Result<Option<SubjectRow>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT {SUBJECT_COLUMNS} FROM subjects WHERE site = ?1 AND email = ?2"))
            .map_err(db)?;
        stmt.query_row(params![site, email], subject_from_row).optional().map_err(db)
    }

    fn subject(&mut self, subject_id: &str) -> Result<Option<SubjectRow>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT {SUBJECT_COLUMNS} FROM subjects WHERE subject_id = ?1"))
            .map_err(db)?;
        stmt.query_row([subject_id], subject_from_row).optional().map_err(db)
    }

    fn put_subject(&mut self, s: &SubjectRow) -> Result<(), StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "INSERT OR REPLACE INTO subjects ({SUBJECT_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
            ))
            .map_err(db)?;
        stmt.execute(params![s.subject_id, s.site, s.email, s.created_at, s.last_activity_at, s.anonymised_at])
            .map_err(db)?;
        Ok(())
    }

    fn subjects_inactive_since(&mut self, before_ms: i64) -> Result<Vec<SubjectRow>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {SUBJECT_COLUMNS} FROM subjects WHERE anonymised_at IS NULL AND last_activity_at < ?1 \
                 ORDER BY last_activity_at"
            ))
            .map_err(db)?;
        let rows = stmt.query_map([before_ms], subject_from_row).map_err(db)?;
        rows.map(|r| r.map_err(db)).collect()
    }

    fn put_record(&mut self, r: &RecordRow) -> Result<(), StoreError> {
        let choices = serde_json::to_string(&r.choices).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "INSERT OR REPLACE INTO records ({RECORD_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
            ))
            .map_err(db)?;
        stmt.execute(params![
            r.record_id,
            r.subject_id,
            r.site,
            r.cta,
            r.status.as_str(),
            choices,
            r.notice_version,
            r.locale.tag(),
            r.device,
            r.created_at,
            r.updated_at,
            r.confirmed_at
        ])
        .map_err(db)?;
        Ok(())
    }

    fn record(&mut self, record_id: &str) -> Result<Option<RecordRow>, StoreError> {
        Ok(self.records_where("record_id = ?1", [record_id])?.into_iter().next())
    }

    fn records_of_subject(&mut self, subject_id: &str) -> Result<Vec<RecordRow>, StoreError> {
        self.records_where("subject_id = ?1 ORDER BY created_at, record_id", [subject_id])
    }

    fn latest_record_of_device(&mut self, site: &str, device: &str) -> Result<Option<RecordRow>, StoreError> {
        Ok(self
            .records_where("site = ?1 AND device = ?2 ORDER BY created_at DESC, rowid DESC LIMIT 1", [site, device])?
            .into_iter()
            .next())
    }

    fn pending_before(&mut self, before_ms: i64) -> Result<Vec<RecordRow>, StoreError> {
        self.records_where("status = 'pending' AND created_at < ?1 ORDER BY created_at", [before_ms])
    }

    fn put_record_data(&mut self, d: &RecordData) -> Result<(), StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("INSERT OR REPLACE INTO record_data (record_id, subject_id, data) VALUES (?1, ?2, ?3)")
            .map_err(db)?;
        stmt.execute(params![d.record_id, d.subject_id, d.data]).map_err(db)?;
        Ok(())
    }

    fn record_data(&mut self, record_id: &str) -> Result<Option<RecordData>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT record_id, subject_id, data FROM record_data WHERE record_id = ?1")
            .map_err(db)?;
        stmt.query_row([record_id], |r| Ok(RecordData { record_id: r.get(0)?, subject_id: r.get(1)?, data: r.get(2)? }))
            .optional()
            .map_err(db)
    }

    fn delete_record_data(&mut self, record_id: &str) -> Result<(), StoreError> {
        self.conn.execute("DELETE FROM record_data WHERE record_id = ?1", [record_id]).map_err(db)?;
        Ok(())
    }

    fn all_record_data(&mut self) -> Result<Vec<RecordData>, StoreError> {
        let mut stmt =
            self.conn.prepare("SELECT record_id, subject_id, data FROM record_data ORDER BY record_id").map_err(db)?;
        let rows = stmt
            .query_map([], |r| Ok(RecordData { record_id: r.get(0)?, subject_id: r.get(1)?, data: r.get(2)? }))
            .map_err(db)?;
        rows.map(|r| r.map_err(db)).collect()
    }

    fn put_consent(&mut self, c: &ConsentRow) -> Result<(), StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "INSERT INTO consents (subject_id, purpose, granted, record_id, updated_at, ever_granted) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?3) ON CONFLICT (subject_id, purpose) DO UPDATE SET \
                 granted = excluded.granted, record_id = excluded.record_id, updated_at = excluded.updated_at, \
                 ever_granted = max(consents.ever_granted, excluded.granted)",
            )
            .map_err(db)?;
        stmt.execute(params![c.subject_id, c.purpose, c.granted, c.record_id, c.updated_at]).map_err(db)?;
        Ok(())
    }

    fn consents_of(&mut self, subject_id: &str) -> Result<Vec<ConsentRow>, StoreError> {
        self.consents_where("c.subject_id = ?1", [subject_id])
    }

    fn delete_consents(&mut self, subject_id: &str) -> Result<(), StoreError> {
        self.conn.execute("DELETE FROM consents WHERE subject_id = ?1", [subject_id]).map_err(db)?;
        Ok(())
    }

    fn granted(&mut self, site: &str, purpose: &str) -> Result<Vec<ConsentRow>, StoreError> {
        self.consents_where(
            "s.site = ?1 AND c.purpose = ?2 AND c.granted = 1 AND s.anonymised_at IS NULL",
            [site, purpose],
        )
    }

    fn granted_all(&mut self, site: &str) -> Result<Vec<ConsentRow>, StoreError> {
        self.consents_where("s.site = ?1 AND c.granted = 1 AND s.anonymised_at IS NULL", [site])
    }

    fn ever_granted(&mut self, subject_id: &str) -> Result<Vec<ConsentRow>, StoreError> {
        self.consents_where("c.subject_id = ?1 AND c.ever_granted = 1", [subject_id])
    }

    fn add_aggregate(&mut self, site: &str, dimension: &str, value: &str, n: u64) -> Result<(), StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "INSERT INTO aggregates (site, dimension, value, subjects) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT (site, dimension, value) DO UPDATE SET subjects = subjects + excluded.subjects",
            )
            .map_err(db)?;
        stmt.execute(params![site, dimension, value, i64::try_from(n).unwrap_or(i64::MAX)]).map_err(db)?;
        Ok(())
    }

    fn aggregates(&mut self, site: &str) -> Result<Vec<AggregateRow>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT dimension, value, subjects FROM aggregates WHERE site = ?1 ORDER BY dimension, value",
            )
            .map_err(db)?;
        let rows = stmt
            .query_map([site], |r| {
                Ok(AggregateRow {
                    dimension: r.get(0)?,
                    value: r.get(1)?,
                    subjects: r.get::<_, i64>(2)?.unsigned_abs(),
                })
            })
            .map_err(db)?;
        rows.map(|r| r.map_err(db)).collect()
    }

    fn events_of_subject(&mut self, subject_id: &str) -> Result<Vec<StoredEvent>, StoreError> {
        // Same expression as the `events_subject` index, so that SQLite uses it.
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT seq, hash, body FROM events WHERE json_extract(body, '$.subject_id') = ?1 ORDER BY seq",
            )
            .map_err(db)?;
        let rows = stmt
            .query_map([subject_id], |r| {
                Ok(StoredEvent { seq: r.get::<_, i64>(0)?.unsigned_abs(), hash: r.get(1)?, body: r.get(2)? })
            })
            .map_err(db)?;
        rows.map(|r| r.map_err(db)).collect()
    }

    fn enqueue_mail(&mut self, mail: &NewMail, now_ms: i64) -> Result<(), StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "INSERT INTO mail_queue (to_addr, message, attempts, next_attempt_at, created_at) VALUES (?1, ?2, 0, ?3, ?3)",
            )
            .map_err(db)?;
        // The `message` column holds the job (see `NewMail`).
        stmt.execute(params![mail.to, mail.job, now_ms]).map_err(db)?;
        Ok(())
    }

    fn claim_mail(&mut self, now_ms: i64, limit: usize, lease_until_ms: i64) -> Result<Vec<QueuedMail>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "UPDATE mail_queue SET next_attempt_at = ?3 WHERE id IN \
                 (SELECT id FROM mail_queue WHERE next_attempt_at <= ?1 ORDER BY id LIMIT ?2) \
                 RETURNING id, to_addr, message, attempts",
            )
            .map_err(db)?;
        let rows = stmt
            .query_map(params![now_ms, limit as i64, lease_until_ms], |r| {
                Ok(QueuedMail { id: r.get(0)?, to: r.get(1)?, job: r.get(2)?, attempts: r.get(3)? })
            })
            .map_err(db)?;
        let mut claimed = rows.map(|r| r.map_err(db)).collect::<Result<Vec<_>, _>>()?;
        // RETURNING follows no ORDER BY: oldest first, as they were queued.
        claimed.sort_by_key(|m| m.id);
        Ok(claimed)
    }

    fn mail_sent(&mut self, id: i64) -> Result<(), StoreError> {
        self.conn.execute("DELETE FROM mail_queue WHERE id = ?1", [id]).map_err(db)?;
        Ok(())
    }

    fn mail_retry(&mut self, id: i64, attempts: u32, next_attempt_ms: i64) -> Result<(), StoreError> {
        self.conn
            .execute(
                "UPDATE mail_queue SET attempts = ?2, next_attempt_at = ?3 WHERE id = ?1",
                params![id, attempts, next_attempt_ms],
            )
            .map_err(db)?;
        Ok(())
    }

    fn delete_mail_of_record(&mut self, record_id: &str) -> Result<(), StoreError> {
        // The job is JSON naming its record (`MailJob`); the address sits in `to_addr`.
        self.conn
            .execute("DELETE FROM mail_queue WHERE json_extract(message, '$.record_id') = ?1", [record_id])
            .map_err(db)?;
        Ok(())
    }

    fn mail_queue_len(&mut self) -> Result<u64, StoreError> {
        self.conn
            .query_row("SELECT count(*) FROM mail_queue", [], |r| r.get::<_, i64>(0))
            .map_err(db)
            .map(i64::unsigned_abs)
    }

    fn backend(&mut self) -> super::Backend<'_> {
        super::Backend::Sqlite(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A database made before the aggregates (migration 1 only) is upgraded in place: answers that are "yes"
    /// count as given, and from then on a "yes" stays counted when it becomes "no".
    #[test]
    fn migration_2_upgrades_a_version_1_database() {
        let dir = tempfile::tempdir().unwrap();
        {
            let conn = Connection::open(database_path(dir.path())).unwrap();
            conn.execute_batch(MIGRATIONS[0]).unwrap();
            conn.execute_batch(
                "PRAGMA user_version = 1;
                 INSERT INTO subjects VALUES ('s1', 'site', 'a@example.org', 1, 1, NULL);
                 INSERT INTO consents VALUES ('s1', 'community', 1, 'r1', 1), ('s1', 'events', 0, 'r1', 1);",
            )
            .unwrap();
        }
        let mut store = SqliteStore::open(dir.path()).unwrap();
        let given: Vec<String> = store.ever_granted("s1").unwrap().into_iter().map(|c| c.purpose).collect();
        assert_eq!(given, ["community"]);
        let ended = ConsentRow {
            subject_id: "s1".into(),
            purpose: "community".into(),
            granted: false,
            record_id: "r1".into(),
            updated_at: 2,
        };
        store.put_consent(&ended).unwrap();
        assert_eq!(store.ever_granted("s1").unwrap()[0].purpose, "community");
        assert!(!store.consents_of("s1").unwrap()[0].granted);
        store.add_aggregate("site", "promo", "2015", 1).unwrap();
        store.add_aggregate("site", "promo", "2015", 2).unwrap();
        let rows = store.aggregates("site").unwrap();
        assert_eq!(rows, [AggregateRow { dimension: "promo".into(), value: "2015".into(), subjects: 3 }]);
    }
}
