//! The PostgreSQL writer's held rows ([`PostgresStore`] keeps a batch's rows in memory and sends them at
//! `COMMIT`): a row refused then fails the whole batch and leaves nothing of it, the next batch goes through, and
//! reads inside a batch see the rows it holds. Against a real cluster; a second connection looks at what is
//! stored.

use crate::util::*;
use collector::ledger::StoredEvent;
use collector::storage::postgres::PostgresStore;
use collector::storage::{NewMail, RecordData, RecordRow, RecordStatus, Store, SubjectRow};
use consent::Locale;
use std::collections::BTreeMap;

fn count(db: &mut postgres::Client, table: &str) -> i64 {
    db.query_one(&format!("SELECT count(*) FROM {table}"), &[]).unwrap().get(0)
}

/// Every table a submission writes, counted.
fn counts(db: &mut postgres::Client) -> [i64; 6] {
    ["used_nonces", "subjects", "records", "record_data", "events", "mail_queue"].map(|t| count(db, t))
}

/// A cluster with a fresh ledger database: the store under test and a second connection to look with.
fn fresh() -> (PgCluster, PostgresStore, postgres::Client) {
    let pg = PgCluster::start();
    pg.create_database("batch");
    let store = PostgresStore::open(&pg.url("batch")).unwrap();
    let db = pg.client("batch");
    (pg, store, db)
}

fn subject(id: &str, email: Option<&str>) -> SubjectRow {
    SubjectRow {
        subject_id: id.into(),
        site: "site".into(),
        email: email.map(Into::into),
        created_at: 1,
        last_activity_at: 1,
        anonymised_at: None,
    }
}

/// The rows of one submission, as the ledger writes them: one operation inside its savepoint.
fn submission(store: &mut PostgresStore, n: u64, email: &str) -> Result<(), collector::storage::StoreError> {
    let (subject_id, record_id) = (format!("s{n}"), format!("r{n}"));
    store.savepoint()?;
    assert!(store.use_nonce(&format!("nonce-{n}"), 10_000)?);
    store.put_subject(&subject(&subject_id, Some(email)))?;
    store.put_record(&RecordRow {
        record_id: record_id.clone(),
        subject_id: subject_id.clone(),
        site: "site".into(),
        cta: "join".into(),
        status: RecordStatus::Pending,
        choices: BTreeMap::from([("community".into(), true)]),
        notice_version: "v1".into(),
        locale: Locale::Fr,
        device: None,
        created_at: 1,
        updated_at: 1,
        confirmed_at: None,
    })?;
    store.put_record_data(&RecordData {
        record_id: record_id.clone(),
        subject_id: subject_id.clone(),
        data: "{}".into(),
    })?;
    let seq = store.head()?.map_or(0, |(seq, _)| seq) + 1;
    let body = format!("{{\"kind\":\"submitted\",\"seq\":{seq},\"subject_id\":\"{subject_id}\"}}");
    store.append_event(&StoredEvent { seq, hash: format!("{seq:064}"), body })?;
    store.enqueue_mail(&NewMail { to: email.into(), job: format!("{{\"record_id\":\"{record_id}\"}}") }, 1)?;
    store.release()
}

/// An operator's rule that the third submission of a batch breaks: PostgreSQL refuses its subject when the held
/// rows are sent at `COMMIT`. The batch's two good submissions go with it, nothing of the batch is stored, and the
/// store takes the next batch as if nothing happened.
#[test]
fn a_row_refused_at_commit_fails_the_whole_batch_and_the_next_batch_goes_through() {
    let (_pg, mut store, mut db) = fresh();
    db.batch_execute("ALTER TABLE subjects ADD CONSTRAINT no_curie CHECK (email NOT LIKE '%curie%')").unwrap();

    store.begin().unwrap();
    submission(&mut store, 1, "ada@example.org").unwrap();
    submission(&mut store, 2, "grace@example.org").unwrap();
    // Held, the refused row is accepted by its operation: nothing reached PostgreSQL yet.
    submission(&mut store, 3, "marie.curie@example.org").unwrap();
    assert_eq!(counts(&mut db), [0; 6], "the batch's rows are held until COMMIT");
    let refused = store.commit().unwrap_err().to_string();
    assert!(refused.contains("23514") && refused.contains("no_curie"), "{refused}");

    assert_eq!(counts(&mut db), [0; 6], "nothing of the refused batch is stored");
    assert_eq!(store.head().unwrap(), None, "the store's head is the stored one again");

    // The next batch (the same nonces and numbers: none of them was used) commits.
    store.begin().unwrap();
    submission(&mut store, 1, "ada@example.org").unwrap();
    submission(&mut store, 2, "grace@example.org").unwrap();
    store.commit().unwrap();
    assert_eq!(counts(&mut db), [2; 6]);
    let seqs: Vec<i64> =
        db.query("SELECT seq FROM events ORDER BY seq", &[]).unwrap().iter().map(|r| r.get(0)).collect();
    assert_eq!(seqs, [1, 2], "the chain has no gap where the refused batch was");
    assert_eq!(store.head().unwrap().map(|(seq, _)| seq), Some(2));
}

/// Reads inside a batch see the rows it holds and not the ones an undone operation held: a nonce used twice in
/// one batch is refused the second time, a subject written is found by its email and by its id, a later row that
/// gives the address up hides it, and the chain head is the held event.
#[test]
fn reads_inside_a_batch_see_its_held_rows() {
    let (_pg, mut store, mut db) = fresh();

    store.begin().unwrap();
    store.savepoint().unwrap();
    assert!(store.use_nonce("twice", 10_000).unwrap());
    store.release().unwrap();
    store.savepoint().unwrap();
    assert!(!store.use_nonce("twice", 10_000).unwrap(), "a nonce used earlier in the same batch");
    store.release().unwrap();

    store.savepoint().unwrap();
    store.put_subject(&subject("s1", Some("ada@example.org"))).unwrap();
    let found = store.subject_by_email("site", "ada@example.org").unwrap();
    assert_eq!(found.map(|s| s.subject_id), Some("s1".to_owned()), "a subject created and read in one batch");
    assert_eq!(store.subject_by_email("other-site", "ada@example.org").unwrap(), None, "another site's address");
    store.release().unwrap();

    // An operation undone: its held nonce and subject are forgotten, not sent at COMMIT.
    store.savepoint().unwrap();
    assert!(store.use_nonce("undone", 10_000).unwrap());
    store.put_subject(&subject("s2", Some("grace@example.org"))).unwrap();
    store.rollback_to_savepoint().unwrap();
    store.savepoint().unwrap();
    assert_eq!(store.subject_by_email("site", "grace@example.org").unwrap(), None);
    assert!(store.use_nonce("undone", 10_000).unwrap(), "the undone operation's nonce is free again");
    store.release().unwrap();

    let event = StoredEvent { seq: 1, hash: "h1".into(), body: "{\"kind\":\"submitted\",\"seq\":1}".into() };
    store.savepoint().unwrap();
    store.append_event(&event).unwrap();
    assert_eq!(store.head().unwrap(), Some((1, "h1".to_owned())), "the held event is the head");
    store.release().unwrap();
    assert_eq!(counts(&mut db), [0; 6], "all of it still held");

    // A read that is not answered beside the held rows sends them first, inside the transaction.
    store.savepoint().unwrap();
    assert_eq!(store.subject("s1").unwrap().and_then(|s| s.email), Some("ada@example.org".to_owned()));
    store.release().unwrap();
    // The address given up by a later row of the same subject: no longer found by it.
    store.savepoint().unwrap();
    store.put_subject(&subject("s1", None)).unwrap();
    assert_eq!(store.subject_by_email("site", "ada@example.org").unwrap(), None);
    store.release().unwrap();
    store.commit().unwrap();

    assert_eq!(counts(&mut db), [2, 1, 0, 0, 1, 0], "two nonces, one subject, one event");
    let email: Option<String> = db.query_one("SELECT email FROM subjects", &[]).unwrap().get(0);
    assert_eq!(email, None, "the subject's latest row was stored");

    // In the next batch the stored nonce is refused as the held one was.
    store.begin().unwrap();
    store.savepoint().unwrap();
    assert!(!store.use_nonce("twice", 10_000).unwrap(), "a nonce a committed batch used");
    store.release().unwrap();
    store.commit().unwrap();
}
