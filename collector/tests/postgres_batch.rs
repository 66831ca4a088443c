//! The PostgreSQL writer's held rows ([`PostgresStore`] keeps a batch's rows in memory and sends them at
//! `COMMIT`): a row refused then fails the whole batch and leaves nothing of it, the next batch goes through, and
//! reads inside a batch see the rows it holds. The writer's read-ahead (a batch's nonces and emails asked for at
//! once, `storage/postgres/prefetch.rs`): a batch of submissions sends no statement of its own, and its answers
//! are those the reads one by one gave — with the batch's own rows, rows it sent early, and another collector's
//! commit just before it. Against a real cluster; a second connection looks at what is stored.

use crate::util::*;
use collector::ledger::{Ledger, LedgerError, NewSubmission, StoredEvent};
use collector::metrics::Metrics;
use collector::storage::postgres::PostgresStore;
use collector::storage::{Backend, NewMail, RecordData, RecordRow, RecordStatus, Store, SubjectRow};
use collector::writer::Writer;
use consent::Locale;
use consent::protocol::ProblemType;
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

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
    store.insert_record(&RecordRow {
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
    store.insert_record_data(&RecordData {
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

    let event = StoredEvent {
        seq: 1,
        hash: "h1".into(),
        body: "{\"kind\":\"submitted\",\"seq\":1,\"subject_id\":\"s1\"}".into(),
    };
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

/// Far in the future: the nonces stay used.
const EXP: i64 = 4_102_444_800_000;
const NOW: i64 = 1_800_000_000_000;

/// A verified submission as the route hands it to the writer; `n` makes its ids unique.
fn new_submission(n: u32, email: &str, nonce: &str) -> NewSubmission {
    NewSubmission {
        record_id: format!("record-{n}"),
        new_subject_id: format!("subject-{n}"),
        site: "site".into(),
        email: email.into(),
        cta: "join".into(),
        choices: BTreeMap::from([("community".into(), true)]),
        notice_version: "v1".into(),
        locale: Locale::Fr,
        device: format!("device-{n}"),
        payload_sha256: "0".repeat(64),
        data: "{}".into(),
        nonce: nonce.into(),
        nonce_exp_ms: EXP,
        mail: Some(NewMail { to: email.into(), job: format!("{{\"record_id\":\"record-{n}\"}}") }),
    }
}

/// The writer of a collector on this database (opened here, outside any runtime, as `serve` does).
fn pg_writer(pg: &PgCluster) -> Writer {
    let ledger = Ledger::open(Box::new(PostgresStore::open(&pg.url("batch")).unwrap())).unwrap();
    Writer::start(ledger, Arc::new(Metrics::default())).unwrap()
}

type Queued<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

/// Puts an operation in the writer's queue now (its first poll sends it) and returns its answer to await later.
fn queued<'a, T>(operation: impl Future<Output = T> + 'a) -> Queued<'a, T> {
    let mut operation: Queued<'a, T> = Box::pin(operation);
    let poll = operation.as_mut().poll(&mut Context::from_waker(Waker::noop()));
    assert!(matches!(poll, Poll::Pending), "answered before its batch committed");
    operation
}

fn answer<T>(operation: Queued<'_, T>) -> T {
    tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(operation)
}

fn round_trips(ledger: &mut Ledger) -> u64 {
    match ledger.store().backend() {
        Backend::Postgres(store) => store.round_trips(),
        Backend::Sqlite(_) => unreachable!("a PostgreSQL ledger"),
    }
}

/// Runs `submissions` as one batch of the writer (queued while an operation holds the writer thread), and
/// returns their answers and the batch's round trips to PostgreSQL, from `BEGIN` to `COMMIT` included.
fn one_batch(writer: &Writer, submissions: Vec<NewSubmission>) -> (Vec<Result<u64, LedgerError>>, u64) {
    let (release, held) = std::sync::mpsc::channel::<()>();
    let (started, running) = std::sync::mpsc::channel::<u64>();
    let blocker = queued(writer.run(move |l| {
        let _ = started.send(round_trips(l));
        let _ = held.recv();
        Ok(())
    }));
    let before = running.recv().unwrap();
    let answers: Vec<_> = submissions.into_iter().map(|s| queued(writer.submit(s, NOW))).collect();
    release.send(()).unwrap();
    answer(blocker).unwrap();
    let answers: Vec<_> = answers.into_iter().map(|a| answer(a).map(|appended| appended.seq)).collect();
    // Not `queued`: nothing is held now, so the idle writer may well answer within the first poll.
    let after = answer(Box::pin(writer.run(|l| Ok(round_trips(l))))).unwrap();
    // Between the two counts: the blocker's COMMIT, the batch, then the next batch's BEGIN and head read.
    (answers, after - before - 3)
}

fn refused_as_reused(answer: &Result<u64, LedgerError>) -> bool {
    matches!(answer, Err(LedgerError::Refused(ProblemType::ChallengeReused)))
}

/// The writer asks for a batch's nonces and emails at once: a batch of submissions costs the same round trips
/// whatever its size (BEGIN with the lock, the head and the reads ahead in one statement, the held rows in one
/// statement, COMMIT), where asking one by one cost two more for each submission.
#[test]
fn a_batch_of_submissions_waits_on_the_same_round_trips_whatever_its_size() {
    let (pg, _store, mut db) = fresh();
    let writer = pg_writer(&pg);
    let batch =
        |from: u32, n: u32| (from..from + n).map(|i| new_submission(i, &format!("p{i}@example.org"), &format!("n{i}")));
    // The first batch also prepares its statements.
    let (answers, _) = one_batch(&writer, batch(0, 2).collect());
    assert!(answers.iter().all(Result::is_ok), "{answers:?}");
    let (answers, one) = one_batch(&writer, batch(10, 1).collect());
    assert!(answers.iter().all(Result::is_ok), "{answers:?}");
    let (answers, thirty_two) = one_batch(&writer, batch(100, 32).collect());
    assert!(answers.iter().all(Result::is_ok), "{answers:?}");
    assert_eq!(thirty_two, one, "a batch of 32 submissions waits on as many round trips as a batch of 1");
    assert_eq!(one, 4, "BEGIN + lock, the head with the reads ahead, the held rows in one statement, COMMIT");
    assert_eq!(counts(&mut db), [35; 6], "every submission stored");
}

/// Two submissions of one batch with one challenge: the read ahead says the nonce is unused, yet the second is
/// refused (the held nonce of the first comes first), and a nonce a committed batch used is refused too.
#[test]
fn a_nonce_used_twice_in_one_batch_is_refused_the_second_time() {
    let (pg, _store, mut db) = fresh();
    let writer = pg_writer(&pg);
    let (answers, _) = one_batch(&writer, vec![new_submission(1, "ada@example.org", "spent")]);
    assert!(answers[0].is_ok(), "{answers:?}");
    let (answers, _) = one_batch(
        &writer,
        vec![
            new_submission(2, "grace@example.org", "twice"),
            new_submission(3, "hedy@example.org", "twice"),
            new_submission(4, "marie@example.org", "spent"),
        ],
    );
    assert!(answers[0].is_ok(), "{answers:?}");
    assert!(refused_as_reused(&answers[1]), "the same nonce again in the batch: {answers:?}");
    assert!(refused_as_reused(&answers[2]), "a nonce an earlier batch used: {answers:?}");
    assert_eq!(counts(&mut db), [2; 6], "only the first use of each nonce is stored");
}

/// One new address twice in one batch: the read ahead says no subject holds it, yet the second submission finds
/// the subject the first one created, and the batch stores one subject (not two, which the unique index would
/// refuse at COMMIT, failing the batch).
#[test]
fn a_new_email_twice_in_one_batch_is_one_subject() {
    let (pg, _store, mut db) = fresh();
    let writer = pg_writer(&pg);
    let (answers, _) = one_batch(
        &writer,
        vec![new_submission(1, "ada@example.org", "n1"), new_submission(2, "ada@example.org", "n2")],
    );
    assert!(answers.iter().all(Result::is_ok), "{answers:?}");
    assert_eq!(counts(&mut db), [2, 1, 2, 2, 2, 2]);
    let owners: Vec<String> =
        db.query("SELECT subject_id FROM records ORDER BY record_id", &[]).unwrap().iter().map(|r| r.get(0)).collect();
    assert_eq!(owners, ["subject-1", "subject-1"], "both records on the subject created first");
}

/// An operation of the batch sends the held rows early (any statement that is not a held row does): the read
/// ahead is then out of date, and a later submission of the batch with the same nonce, or the same new address,
/// is answered from the database again — refused, and on the subject already there.
#[test]
fn answers_read_ahead_are_forgotten_once_the_batch_sends_its_rows_early() {
    let (pg, _store, mut db) = fresh();
    let writer = pg_writer(&pg);
    let (release, held) = std::sync::mpsc::channel::<()>();
    let (started, running) = std::sync::mpsc::channel::<()>();
    let blocker = queued(writer.run(move |_| {
        let _ = started.send(());
        let _ = held.recv();
        Ok(())
    }));
    running.recv().unwrap();
    let first = queued(writer.submit(new_submission(1, "ada@example.org", "n1"), NOW));
    // A read that is not answered beside the held rows: they are sent before it.
    let early = queued(writer.run(|l| Ok(l.store().record("record-1")?.map(|r| r.subject_id))));
    let reused = queued(writer.submit(new_submission(2, "grace@example.org", "n1"), NOW));
    let same_email = queued(writer.submit(new_submission(3, "ada@example.org", "n3"), NOW));
    release.send(()).unwrap();
    answer(blocker).unwrap();
    assert!(answer(first).is_ok());
    assert_eq!(answer(early).unwrap().as_deref(), Some("subject-1"), "the held rows were sent before the read");
    let reused = answer(reused).map(|a| a.seq);
    assert!(refused_as_reused(&reused), "{reused:?}");
    assert!(answer(same_email).is_ok());
    assert_eq!(counts(&mut db), [2, 1, 2, 2, 2, 2]);
    let owner: String =
        db.query_one("SELECT subject_id FROM records WHERE record_id = 'record-3'", &[]).unwrap().get(0);
    assert_eq!(owner, "subject-1");
}

/// Waits until a backend waits on an advisory lock (the writer's `BEGIN`, queued behind another collector).
fn until_a_writer_waits_for_the_lock(db: &mut postgres::Client) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let waiting: i64 = db
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND wait_event = 'advisory'",
                &[],
            )
            .unwrap()
            .get(0);
        if waiting > 0 {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "the writer never waited for the ledger's lock");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

/// Another collector (or a staff command) holds the ledger's lock and writes subjects while our writer's batch
/// waits for the lock: the batch reads after the lock is granted, so it sees them — both a submission read ahead
/// and an operation that reads on its own (whose address an earlier batch of ours had read ahead as unknown).
#[test]
fn subjects_another_collector_commits_just_before_the_batch_are_found() {
    let (pg, mut other, mut db) = fresh();
    let writer = pg_writer(&pg);
    // Batch 1 uses a nonce; batch 2 reads grace's address ahead (no subject) and is refused for that nonce.
    assert!(one_batch(&writer, vec![new_submission(1, "ada@example.org", "spent")]).0[0].is_ok());
    let (answers, _) = one_batch(&writer, vec![new_submission(2, "grace@example.org", "spent")]);
    assert!(refused_as_reused(&answers[0]), "{answers:?}");

    // The other collector takes the lock and writes grace; ours queues a submission for her, then for hedy.
    other.begin().unwrap();
    other.put_subject(&subject("theirs-grace", Some("grace@example.org"))).unwrap();
    let grace = new_submission(3, "grace@example.org", "n3");
    // Through `run`: this operation said nothing beforehand and reads the address itself.
    let unannounced = queued(writer.run(move |l| l.submit(grace, NOW)));
    until_a_writer_waits_for_the_lock(&mut db);
    other.commit().unwrap();
    assert!(answer(unannounced).is_ok());

    other.begin().unwrap();
    other.put_subject(&subject("theirs-hedy", Some("hedy@example.org"))).unwrap();
    let read_ahead = queued(writer.submit(new_submission(4, "hedy@example.org", "n4"), NOW));
    until_a_writer_waits_for_the_lock(&mut db);
    other.commit().unwrap();
    assert!(answer(read_ahead).is_ok());

    let owners: Vec<(String, String)> = db
        .query("SELECT record_id, subject_id FROM records ORDER BY record_id", &[])
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let owners: Vec<(&str, &str)> = owners.iter().map(|(r, s)| (r.as_str(), s.as_str())).collect();
    assert_eq!(
        owners,
        [("record-1", "subject-1"), ("record-3", "theirs-grace"), ("record-4", "theirs-hedy")],
        "each submission on the subject the other collector had just stored"
    );
    assert_eq!(count(&mut db, "subjects"), 3);
}

/// New submissions' records go in with plain INSERTs, rewrites of stored ones as upserts, in one statement: the
/// device's latest record is still the last written (write order kept across the two), a new record rewritten in
/// its own batch keeps its latest values, and an id promised new that is taken refuses the batch.
#[test]
fn new_records_and_rewrites_in_one_batch_keep_the_order_they_were_written_in() {
    let pg = PgCluster::start();
    pg.create_database("store");
    let mut store = PostgresStore::open(&pg.url("store")).unwrap();
    let record = |id: &str| RecordRow {
        record_id: id.into(),
        subject_id: "s1".into(),
        site: "site".into(),
        cta: "join".into(),
        status: RecordStatus::Pending,
        choices: BTreeMap::from([("community".into(), true)]),
        notice_version: "v1".into(),
        locale: Locale::Fr,
        device: Some("device".into()),
        created_at: 100,
        updated_at: 100,
        confirmed_at: None,
    };
    let confirmed = |id: &str| RecordRow { status: RecordStatus::Confirmed, confirmed_at: Some(120), ..record(id) };
    let latest = |store: &mut PostgresStore| {
        store.latest_record_of_device("site", "device").unwrap().map(|r| r.record_id).unwrap_or_default()
    };
    let data = |id: &str, text: &str| RecordData { record_id: id.into(), subject_id: "s1".into(), data: text.into() };

    store.begin().unwrap();
    store.insert_record(&record("r1")).unwrap();
    store.insert_record_data(&data("r1", "first")).unwrap();
    store.commit().unwrap();

    // A new record, then a rewrite of the stored one: the rewrite is the device's latest.
    store.begin().unwrap();
    store.insert_record(&record("r2")).unwrap();
    store.put_record(&confirmed("r1")).unwrap();
    store.put_record_data(&data("r1", "rectified")).unwrap();
    store.commit().unwrap();
    assert_eq!(latest(&mut store), "r1");
    assert_eq!(store.record_data("r1").unwrap().unwrap().data, "rectified");

    // A rewrite, then a new record: the new one is. And a new record rewritten in its own batch keeps its latest.
    store.begin().unwrap();
    store.put_record(&confirmed("r2")).unwrap();
    store.insert_record(&record("r3")).unwrap();
    store.insert_record_data(&data("r3", "as posted")).unwrap();
    store.put_record(&confirmed("r3")).unwrap();
    store.put_record_data(&data("r3", "edited")).unwrap();
    store.commit().unwrap();
    assert_eq!(latest(&mut store), "r3");
    assert_eq!(store.record("r3").unwrap().unwrap().status, RecordStatus::Confirmed);
    assert_eq!(store.record_data("r3").unwrap().unwrap().data, "edited");
    assert_eq!(store.record("r2").unwrap().unwrap().status, RecordStatus::Confirmed);

    // A promise broken: the batch is refused whole, nothing of it stored, the stored record untouched.
    store.begin().unwrap();
    store.insert_record(&record("r4")).unwrap();
    store.insert_record(&record("r1")).unwrap();
    assert!(store.commit().is_err(), "an id promised new that is taken");
    assert_eq!(store.record("r4").unwrap(), None);
    assert_eq!(store.record("r1").unwrap().unwrap().status, RecordStatus::Confirmed);
}

/// While a batch waits for the chain's lock (another collector commits), what arrives joins it before its reads
/// are asked for: one transaction for all, each submission's nonce and email read ahead with the rest.
#[test]
fn operations_that_arrive_while_the_batch_waits_for_the_lock_join_it() {
    let (pg, mut other, mut db) = fresh();
    let writer = pg_writer(&pg);
    other.begin().unwrap();
    other.put_subject(&subject("theirs-grace", Some("grace@example.org"))).unwrap();
    let first = queued(writer.submit(new_submission(1, "ada@example.org", "n1"), NOW));
    until_a_writer_waits_for_the_lock(&mut db);
    let late: Vec<_> = [(2, "grace@example.org", "n2"), (3, "hedy@example.org", "n3"), (4, "ada@example.org", "n1")]
        .into_iter()
        .map(|(n, email, nonce)| queued(writer.submit(new_submission(n, email, nonce), NOW)))
        .collect();
    other.commit().unwrap();
    assert!(answer(first).is_ok());
    let late: Vec<_> = late.into_iter().map(|a| answer(a).map(|appended| appended.seq)).collect();
    assert!(late[0].is_ok() && late[1].is_ok(), "{late:?}");
    assert!(refused_as_reused(&late[2]), "the first submission's nonce, used earlier in the same batch: {late:?}");
    let transactions: i64 = db.query_one("SELECT count(DISTINCT xmin::text) FROM records", &[]).unwrap().get(0);
    assert_eq!(transactions, 1, "the three accepted submissions were committed together");
    let grace: String =
        db.query_one("SELECT subject_id FROM records WHERE record_id = 'record-2'", &[]).unwrap().get(0);
    assert_eq!(grace, "theirs-grace", "the late submission's email was read under the lock");
}
