//! The staff console's proof bundle and dashboard model, against a real collector's ledger: a bundle built
//! from the ledger verifies with `collector proof verify` and fails after one byte is changed; the dashboard's
//! read model counts the consents in force exactly as the ledger's own table does.

use crate::download::{confirm, submit};
use crate::util::*;
use collector::ledger::{Ledger, StoredEvent};
use collector::links::{self, LinkKind};
use collector::proof::{ChainCheck, ChainWalk, ProofInput};
use collector::staff::console::insights::Model;
use collector::storage::sqlite::SqliteStore;
use std::io::{Read, Write};

pub(crate) fn manage(c: &Collector, record: &str) -> String {
    links::url(&c.base, LinkKind::Manage, &links::sign(&c.key(), LinkKind::Manage, SITE, record, now_ms(), 90))
}

/// Two subjects whose events interleave; the first confirms and changes a choice.
fn scenario(c: &Collector) -> String {
    let mine = submit(c, &Device::new(7), "marie.curie@example.org");
    let theirs = submit(c, &Device::new(8), "pierre.curie@example.org");
    confirm(c, &mine);
    confirm(c, &theirs);
    let saved = crate::changes::save_choices(c, &manage(c, &mine), &["community"]);
    assert_eq!(saved.status().as_u16(), 200);
    mine
}

pub(crate) fn bundle_of(c: &Collector, email: &str) -> Vec<u8> {
    bundle_with(c, email, |_| {})
}

/// A bundle built, and signed by the collector's key, from what `edit` makes of the ledger's facts: a forgery
/// that only the checks inside the bundle can catch.
pub(crate) fn bundle_with(c: &Collector, email: &str, edit: impl FnOnce(&mut ProofInput)) -> Vec<u8> {
    let mut ledger = Ledger::open(Box::new(SqliteStore::open(&c.data()).unwrap())).unwrap();
    // The subject's own site (a test may run the school example).
    let site: String =
        c.db().query_row("SELECT site FROM subjects WHERE email = ?1", [email], |r| r.get(0)).unwrap_or(SITE.into());
    let record = ledger.latest_record_of_email(&site, email).unwrap().unwrap();
    let file = ledger.subject_file(&record.record_id).unwrap();
    let (notices, successors) = collector::proof::gather(&mut ledger, &file).unwrap();
    let mut walk = ChainWalk::from_genesis();
    for event in ledger.store().events_after(0, 1000).unwrap() {
        walk.step(&event).unwrap();
    }
    let head = walk.checkpoint(now_ms());
    let chain = ChainCheck {
        head_seq: head.seq,
        head_hash: head.hash,
        events_checked: walk.checked(),
        checkpoint: None,
        checked_at: "2026-12-02T10:00:00.000Z".into(),
    };
    let mut input = ProofInput { file, notices, successors, chain, generated_at: now_ms() };
    edit(&mut input);
    collector::proof::build(&input, &c.key()).unwrap()
}

pub(crate) fn verify(c: &Collector, bytes: &[u8]) -> (bool, String) {
    let path = c.dir.path().join("bundle.zip");
    std::fs::write(&path, bytes).unwrap();
    let key = c.key().public().to_base64url();
    let out = c.command(&["proof", "verify", path.to_str().unwrap(), &format!("--key={key}")]);
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Where an entry's data start in the archive: after its local header, name and extra field.
fn data_offset(zip: &[u8], name: &str) -> usize {
    let at = zip.windows(name.len()).position(|w| w == name.as_bytes()).unwrap() - 30;
    let u16_at = |i: usize| usize::from(u16::from_le_bytes([zip[i], zip[i + 1]]));
    at + 30 + u16_at(at + 26) + u16_at(at + 28)
}

/// The archive with one file's content replaced, the ZIP itself well formed (right CRCs).
fn rezip(zip: &[u8], name: &str, change: impl Fn(String) -> String) -> Vec<u8> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        let entry_name = entry.name().unwrap().into_owned();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        if entry_name == name {
            bytes = change(String::from_utf8(bytes).unwrap()).into_bytes();
        }
        out.start_file(entry_name.as_str(), zip::write::SimpleFileOptions::default()).unwrap();
        out.write_all(&bytes).unwrap();
    }
    out.finish().unwrap().into_inner()
}

#[test]
fn a_proof_bundle_verifies_offline_and_fails_after_one_changed_byte() {
    let c = Collector::start(&[]);
    scenario(&c);
    let bundle = bundle_of(&c, "marie.curie@example.org");
    let (ok, out) = verify(&c, &bundle);
    assert!(ok, "{out}");
    assert!(out.contains("proof OK"), "{out}");
    assert!(
        out.contains("1 soumissions signées / signed submissions, 1 notices, 3 événements / events, 1 reçus"),
        "{out}"
    );

    // The receipt inside verifies on its own with `collector receipt verify`, against the ledger too.
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(&bundle[..])).unwrap();
    let receipt_name =
        archive.file_names().filter_map(Result::ok).find(|n| n.starts_with("receipts/")).unwrap().into_owned();
    let mut receipt = String::new();
    archive.by_name(&receipt_name).unwrap().read_to_string(&mut receipt).unwrap();
    let receipt_path = c.dir.path().join("receipt.json");
    std::fs::write(&receipt_path, &receipt).unwrap();
    let out = c.command(&["receipt", "verify", receipt_path.to_str().unwrap(), "--data", c.data().to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));

    // One byte changed inside the compressed data of a file: the archive's own check refuses it.
    for name in ["events.json", "subject.json", "manifest.sig"] {
        let mut tampered = bundle.clone();
        let at = data_offset(&tampered, name) + 3;
        tampered[at] ^= 0x01;
        let (ok, out) = verify(&c, &tampered);
        assert!(!ok, "a changed byte in {name} passed: {out}");
        assert!(out.contains("proof INVALID"), "{out}");
    }
    // One character changed in a well-formed archive: the signed manifest refuses it.
    let forged = rezip(&bundle, "subject.json", |s| s.replacen("marie.curie", "marie.curia", 1));
    let (ok, out) = verify(&c, &forged);
    assert!(!ok && out.contains("subject.json"), "{out}");
    // Another collector's key: refused, whatever the bundle says of itself.
    let path = c.dir.path().join("bundle.zip");
    std::fs::write(&path, &bundle).unwrap();
    let other = consent::signature::CollectorKey::from_seed([9; 32]).public().to_base64url();
    let out = c.command(&["proof", "verify", path.to_str().unwrap(), &format!("--key={other}")]);
    assert!(!out.status.success());
}

#[test]
fn the_dashboard_model_counts_consents_in_force_as_the_ledger_does() {
    let c = Collector::start(&[]);
    let db = c.db();
    let mut model = Model::default();
    // The console reads new events at each page view (and every second in `serve`): here, between steps.
    let mut seen = 0;
    let mut catch_up = |model: &mut Model| {
        let rows: Vec<(StoredEvent, Option<String>)> =
            collector::storage::sqlite::console::events_with_data(&db, seen, 1000).unwrap();
        for (event, data) in &rows {
            model.apply(event.seq, &event.body, data.as_deref());
            seen = event.seq;
        }
    };
    scenario(&c);
    // A third subject confirms, then withdraws everything; a fourth confirms, then erases.
    let third = submit(&c, &Device::new(9), "irene.curie@example.org");
    confirm(&c, &third);
    let fourth = submit(&c, &Device::new(10), "eve.curie@example.org");
    confirm(&c, &fourth);
    catch_up(&mut model);
    assert_eq!(c.client.post(format!("{}/withdraw", manage(&c, &third))).send().unwrap().status().as_u16(), 200);
    let erased = c.client.post(format!("{}/erase", manage(&c, &fourth))).form(&[("confirm", "yes")]).send().unwrap();
    assert_eq!(erased.status().as_u16(), 200);
    catch_up(&mut model);
    let in_force = model.in_force_now(SITE);
    for purpose in ["community", "jobs", "events"] {
        let expected = c.count(&format!("SELECT count(*) FROM consents WHERE purpose = '{purpose}' AND granted = 1"));
        assert_eq!(
            in_force.get(purpose).copied().unwrap_or(0),
            u64::try_from(expected).unwrap(),
            "{purpose}: {in_force:?}"
        );
    }
    assert_eq!(in_force.get("community"), Some(&2), "{in_force:?}");
    assert_eq!(in_force.get("jobs"), Some(&1), "marie took jobs back: {in_force:?}");

    let today = collector::staff::console::period::day_of_ms(now_ms());
    let figures = model.figures(SITE, collector::staff::console::period::Period::last_days(today, 7));
    assert_eq!(figures.submissions, 4);
    assert_eq!(figures.confirmations, 4);
    // Marie's jobs, and Irène's community and jobs: three answers withdrawn by their subjects.
    assert_eq!(figures.withdrawals, 3);
    let pages = &figures.attribution[&collector::staff::console::insights::Dimension::Page];
    // The erased subject is out of the attribution counts; the three others joined from the portrait page.
    assert_eq!(pages.len(), 1, "{pages:?}");
    assert_eq!((pages[0].value.as_str(), pages[0].members, pages[0].consents), ("/portrait/marie/", 3, 6));
}

/// A console session over HTTP: the cookie and the form token.
pub(crate) struct Session {
    pub(crate) base: String,
    pub(crate) cookie: String,
    pub(crate) csrf: String,
    pub(crate) http: reqwest::blocking::Client,
}

fn set_cookie(response: &reqwest::blocking::Response, name: &str) -> String {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .and_then(|v| v.split(';').next())
        .unwrap_or_default()
        .to_owned()
}

pub(crate) fn field(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    page.split(&marker).nth(1).and_then(|r| r.split('"').next()).unwrap_or_default().to_owned()
}

/// `collector staff add`, the password link, then sign-in.
pub(crate) fn sign_in(c: &Collector, email: &str, role: &str, site: &str) -> Session {
    let data = c.data();
    sign_in_on(c, &["--data", data.to_str().unwrap()], email, role, site)
}

/// [`sign_in`] with the account added to the ledger `place` names (`--data DIR` or `--database URL`).
pub(crate) fn sign_in_on(c: &Collector, place: &[&str], email: &str, role: &str, site: &str) -> Session {
    let mut args = vec!["staff", "add", email, "--role", role, "--site", site, "--public-url", &c.base];
    args.extend(place);
    let out = c.command(&args);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let link = stdout.split_whitespace().find(|w| w.contains("/staff/password/")).unwrap().to_owned();
    let http = reqwest::blocking::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let page = http.get(&link).send().unwrap();
    let login = set_cookie(&page, "staff_login");
    let csrf = field(&page.text().unwrap(), "csrf");
    let password = "une phrase de passe assez longue";
    let set = http
        .post(&link)
        .header("Cookie", &login)
        .header("Sec-Fetch-Site", "same-origin")
        .form(&[("csrf", csrf.as_str()), ("password", password), ("confirm", password)])
        .send()
        .unwrap();
    assert_eq!(set.status().as_u16(), 303);
    let signed = http
        .post(c.url("/staff/login"))
        .header("Cookie", &login)
        .header("Sec-Fetch-Site", "same-origin")
        .form(&[("csrf", csrf.as_str()), ("email", email), ("password", password)])
        .send()
        .unwrap();
    let cookie = set_cookie(&signed, "staff_session");
    assert!(!cookie.is_empty(), "signed in");
    let dashboard = http.get(c.url("/staff/dashboard")).header("Cookie", &cookie).send().unwrap().text().unwrap();
    Session { base: c.base.clone(), csrf: field(&dashboard, "csrf"), cookie, http }
}

impl Session {
    pub(crate) fn get(&self, path: &str) -> reqwest::blocking::Response {
        self.http.get(format!("{}{path}", self.base)).header("Cookie", &self.cookie).send().unwrap()
    }
    pub(crate) fn post(&self, path: &str, form: &[(&str, &str)], site_header: &str) -> reqwest::blocking::Response {
        self.http
            .post(format!("{}{path}", self.base))
            .header("Cookie", &self.cookie)
            .header("Sec-Fetch-Site", site_header)
            .form(form)
            .send()
            .unwrap()
    }
}

#[test]
fn staff_of_one_site_get_404_for_another_and_forms_need_their_token() {
    let school = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/ecole-exemple/consent.toml");
    let c = Collector::start(&["--config", school]);
    let record = submit(&c, &Device::new(21), "marie.curie@example.org");
    confirm(&c, &record);
    let subject: String =
        c.db().query_row("SELECT subject_id FROM records WHERE record_id = ?1", [&record], |r| r.get(0)).unwrap();

    // Staff of the school: the association's subject, dashboard and export do not exist for them.
    let school_staff = sign_in(&c, "secretariat@ecole.example.org", "admin", "ecole-exemple");
    assert_eq!(school_staff.get(&format!("/staff/register/{SITE}/{subject}")).status().as_u16(), 404);
    assert_eq!(school_staff.get(&format!("/staff/dashboard?site={SITE}")).status().as_u16(), 404);
    let search = school_staff.get("/staff/register?q=marie.curie%40example.org");
    assert_eq!(search.status().as_u16(), 200, "not a redirect to the subject");
    assert!(search.text().unwrap().contains("Aucune personne"));
    let csrf = school_staff.csrf.clone();
    let export = [("csrf", csrf.as_str()), ("site", SITE), ("purpose", "community"), ("format", "csv")];
    assert_eq!(school_staff.post("/staff/exports", &export, "same-origin").status().as_u16(), 404);
    assert_eq!(
        school_staff
            .post(&format!("/staff/register/{SITE}/{subject}/proof"), &[("csrf", &csrf)], "same-origin")
            .status()
            .as_u16(),
        404
    );

    // Staff of the association see her; without the token, with a forged one, or from another site: refused.
    let staff = sign_in(&c, "secretariat@association.example.org", "staff", SITE);
    assert_eq!(staff.get(&format!("/staff/register/{SITE}/{subject}")).status().as_u16(), 200);
    let good = [("csrf", staff.csrf.as_str()), ("site", SITE), ("purpose", "community"), ("format", "csv")];
    let ok = staff.post("/staff/exports", &good, "same-origin");
    assert_eq!(ok.status().as_u16(), 200);
    assert!(ok.text().unwrap().contains("marie.curie@example.org"));
    let forged =
        [("csrf", "0".repeat(64)), ("site", SITE.into()), ("purpose", "community".into()), ("format", "csv".into())];
    let forged: Vec<(&str, &str)> = forged.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(staff.post("/staff/exports", &forged, "same-origin").status().as_u16(), 403);
    assert_eq!(staff.post("/staff/exports", &good[1..], "same-origin").status().as_u16(), 403);
    assert_eq!(staff.post("/staff/exports", &good, "cross-site").status().as_u16(), 403);
    // A staff account is below admin: no rights requests.
    assert_eq!(staff.get("/staff/requests").status().as_u16(), 403);
    // Markup as a search is text; an oversized search is refused.
    let page = staff.get("/staff/register?q=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E").text().unwrap();
    assert!(!page.contains("<img src=x") && page.contains("&lt;img src=x onerror=alert(1)&gt;"), "{page}");
    assert_eq!(staff.get(&format!("/staff/register?q={}", "a".repeat(400))).status().as_u16(), 413);
    // Nothing changed by the refused requests; each export and view is in the audit chain, which verifies.
    let (ok, out) = c.verify();
    assert!(ok, "{out}");
}

/// The join the PostgreSQL read used to make in SQL (every body cast to `jsonb` twice), kept here as the oracle.
const JOINED_IN_SQL: &str = "SELECT e.seq, d.data FROM events e LEFT JOIN record_data d \
     ON (e.body::jsonb ->> 'kind') = 'submitted' AND d.record_id = (e.body::jsonb ->> 'record_id') \
     WHERE e.seq > $1 ORDER BY e.seq LIMIT $2";

#[test]
fn the_dashboard_reads_from_postgres_the_events_and_data_the_sql_join_gave() {
    let pg = PgCluster::start();
    pg.create_database("ledger");
    let c = Collector::start(&["--database", &pg.url("ledger")]);
    let kept = submit(&c, &Device::new(7), "marie.curie@example.org");
    let erased = submit(&c, &Device::new(8), "pierre.curie@example.org");
    confirm(&c, &kept);
    confirm(&c, &erased);
    let mut db = pg.client("ledger");
    // The second subject's data are no longer held (as after erasure or retention): its submission comes alone.
    db.execute("DELETE FROM record_data WHERE record_id = $1", &[&erased]).unwrap();
    let joined = |db: &mut postgres::Client, after: i64, limit: i64| -> Vec<(u64, Option<String>)> {
        let rows = db.query(JOINED_IN_SQL, &[&after, &limit]).unwrap();
        rows.iter().map(|r| (r.get::<_, i64>(0).unsigned_abs(), r.get(1))).collect()
    };
    let read = |db: &mut postgres::Client, after: u64, limit: usize| -> Vec<(u64, Option<String>)> {
        let rows = collector::storage::postgres::console::events_with_data(db, after, limit).unwrap();
        rows.into_iter().map(|(e, data)| (e.seq, data)).collect()
    };
    let all = read(&mut db, 0, 1000);
    assert_eq!(all, joined(&mut db, 0, 1000));
    assert_eq!(all.len(), 4, "two submissions, two confirmations: {all:?}");
    assert_eq!(all.iter().filter(|(_, data)| data.is_some()).count(), 1, "only the kept submission has data");
    let held: String = db.query_one("SELECT data FROM record_data WHERE record_id = $1", &[&kept]).unwrap().get(0);
    assert_eq!(all[0].1.as_deref(), Some(held.as_str()));
    // Paged as the dashboard reads it.
    assert_eq!(read(&mut db, 1, 2), joined(&mut db, 1, 2));
    assert_eq!(read(&mut db, 1, 2).iter().map(|(seq, _)| *seq).collect::<Vec<_>>(), [2, 3]);
}

#[test]
fn the_dashboard_counts_a_postgres_ledger_through_the_console() {
    let pg = PgCluster::start();
    pg.create_database("ledger");
    let url = pg.url("ledger");
    let c = Collector::start(&["--database", &url]);
    let confirmed = submit(&c, &Device::new(7), "marie.curie@example.org");
    submit(&c, &Device::new(8), "pierre.curie@example.org");
    confirm(&c, &confirmed);
    let admin = sign_in_on(&c, &["--database", &url], "dpo@association-exemple.fr", "admin", SITE);
    let page = admin.get(&format!("/staff/dashboard?site={SITE}")).text().unwrap();
    for (label, count) in [("Soumissions", 2), ("Confirmations", 1)] {
        assert!(page.contains(&format!("<th scope=\"row\">{label}</th><td>{count}</td>")), "{label} {count}: {page}");
    }
    // Read from the chain in PostgreSQL: nothing went to SQLite.
    assert!(!c.data().join("ledger.sqlite3").exists());
}
