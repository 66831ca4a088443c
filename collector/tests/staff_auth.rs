//! The staff console's accounts, sign-in and accountability against the real binary, and each attack of issue
//! 13's list: wrong password, unknown account, locked account, expired, forged or stolen session cookie,
//! missing or forged CSRF token, a viewer calling a staff route, staff of one site asking for another's data,
//! markup as input, oversized input, a TOTP code replayed. Each gets a clear French-first answer, changes
//! nothing stored, and is logged without the address or what was typed.

use crate::util::{CONFIG, PgCluster, SITE};
use reqwest::blocking::Client;
use reqwest::header::HeaderMap;
use rusqlite::Connection;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

const PASSWORD: &str = "cheval agrafe pile correcte";
/// The second site a collector of these tests serves (a copy of the first under another id).
const OTHER: &str = "ecole-exemple";

/// A collector serving two sites, its log kept in a file to read what it says about refusals.
struct Console {
    dir: tempfile::TempDir,
    base: String,
    child: Child,
    database: Option<String>,
    data: PathBuf,
}

impl Console {
    fn start(extra: &[&str]) -> Console {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        Console::start_on(dir, data, extra)
    }

    /// Another collector on this one's data folder (its key) and database, with a log of its own: as a second
    /// instance behind a load balancer.
    fn beside(&self) -> Console {
        let extra: Vec<&str> = self.database.iter().flat_map(|url| ["--database", url.as_str()]).collect();
        Console::start_on(tempfile::tempdir().unwrap(), self.data.clone(), &extra)
    }

    fn start_on(dir: tempfile::TempDir, data: PathBuf, extra: &[&str]) -> Console {
        let other = dir.path().join("other.toml");
        let text = std::fs::read_to_string(CONFIG).unwrap();
        std::fs::write(&other, text.replacen(&format!("site = \"{SITE}\""), &format!("site = \"{OTHER}\""), 1))
            .unwrap();
        let log = std::fs::File::create(dir.path().join("collector.log")).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_collector"))
            .args(["serve", "--config", CONFIG, "--config", other.to_str().unwrap(), "--listen", "127.0.0.1:0"])
            .arg("--data")
            .arg(&data)
            .arg("--outbox")
            .arg(dir.path().join("outbox"))
            .args(extra)
            .env("COLLECTOR_LOG", "info")
            .env_remove("DATABASE_URL")
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let base = line.trim().strip_prefix("collector listening on ").unwrap().to_owned();
        let database = extra.iter().position(|a| *a == "--database").map(|i| extra[i + 1].to_owned());
        Console { dir, base, child, database, data }
    }

    fn data(&self) -> PathBuf {
        self.data.clone()
    }

    fn place(&self) -> Vec<String> {
        match &self.database {
            Some(url) => vec!["--database".into(), url.clone()],
            None => vec!["--data".into(), self.data().display().to_string()],
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("collector.log")).unwrap()
    }

    fn command(&self, args: &[&str]) -> (bool, String) {
        let out = Command::new(env!("CARGO_BIN_EXE_collector"))
            .args(args)
            .args(self.place())
            .env_remove("DATABASE_URL")
            .output()
            .unwrap();
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        (out.status.success(), text)
    }

    /// `collector staff add`: the path of the one-time link it prints.
    fn add(&self, email: &str, role: &str, sites: &[&str]) -> String {
        let mut args = vec!["staff", "add", email, "--role", role, "--public-url", &self.base];
        for site in sites {
            args.extend(["--site", site]);
        }
        let (ok, out) = self.command(&args);
        assert!(ok, "{out}");
        let url = out.lines().find_map(|l| l.trim().strip_prefix(&self.base)).unwrap_or_else(|| panic!("{out}"));
        url.to_owned()
    }

    /// An account with its password set, signed in.
    fn account(&self, email: &str, role: &str, sites: &[&str]) -> Browser {
        let link = self.add(email, role, sites);
        let b = Browser::new(self);
        let (status, _, _) = b.set_password(&link, PASSWORD);
        assert_eq!(status, 303);
        let (status, headers, body) = b.sign_in(email, PASSWORD);
        assert_eq!(status, 303, "{body}");
        assert_eq!(location(&headers), "/staff/dashboard");
        b
    }

    fn sql(&self) -> Store {
        match &self.database {
            Some(url) => Store::Pg(postgres::Client::connect(url, postgres::NoTls).unwrap()),
            None => Store::Lite(Connection::open(self.data().join("ledger.sqlite3")).unwrap()),
        }
    }

    fn count(&self, table: &str) -> i64 {
        self.sql().count(&format!("SELECT count(*) FROM {table}"))
    }

    /// What a refused request could have changed.
    fn footprint(&self) -> [i64; 4] {
        ["staff_accounts", "staff_sessions", "staff_tokens", "staff_audit"].map(|t| self.count(t))
    }

    /// What a refused sign-in could have changed besides its audit entry.
    fn accounts_and_sessions(&self) -> [i64; 3] {
        ["staff_accounts", "staff_sessions", "staff_tokens"].map(|t| self.count(t))
    }

    fn entries(&self) -> Vec<serde_json::Value> {
        let bodies = self.sql().bodies("SELECT body FROM staff_audit ORDER BY seq");
        bodies.iter().map(|b| serde_json::from_str(b).unwrap()).collect()
    }

    fn actions(&self) -> Vec<String> {
        self.entries().iter().map(|e| e["action"].as_str().unwrap().to_owned()).collect()
    }

    /// The last audit entry.
    fn last_entry(&self) -> serde_json::Value {
        self.entries().pop().unwrap()
    }
}

impl Drop for Console {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

enum Store {
    Lite(Connection),
    Pg(postgres::Client),
}

impl Store {
    fn count(&mut self, sql: &str) -> i64 {
        match self {
            Store::Lite(c) => c.query_row(sql, [], |r| r.get(0)).unwrap(),
            Store::Pg(c) => c.query_one(sql, &[]).unwrap().get(0),
        }
    }

    fn execute(&mut self, sql: &str) {
        match self {
            Store::Lite(c) => c.execute_batch(sql).unwrap(),
            Store::Pg(c) => c.batch_execute(sql).unwrap(),
        }
    }

    fn bodies(&mut self, sql: &str) -> Vec<String> {
        match self {
            Store::Lite(c) => {
                let mut stmt = c.prepare(sql).unwrap();
                stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
            }
            Store::Pg(c) => c.query(sql, &[]).unwrap().iter().map(|r| r.get(0)).collect(),
        }
    }
}

/// A browser: its own cookies, no redirect followed, the headers a browser sends with a same-origin form.
struct Browser {
    base: String,
    client: Client,
    cookies: std::cell::RefCell<BTreeMap<String, String>>,
}

type Answer = (u16, HeaderMap, String);

fn location(headers: &HeaderMap) -> &str {
    headers.get("location").and_then(|v| v.to_str().ok()).unwrap_or_default()
}

/// The value of the page's first hidden `csrf` field.
fn csrf_of(page: &str) -> String {
    let at = page.find("name=\"csrf\" value=\"").unwrap_or_else(|| panic!("no csrf field in {page}")) + 19;
    page[at..].split('"').next().unwrap().to_owned()
}

impl Browser {
    fn new(c: &Console) -> Browser {
        Browser {
            base: c.base.clone(),
            client: Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap(),
            cookies: Default::default(),
        }
    }

    /// Another browser holding this one's cookies (a stolen session).
    fn copy(&self) -> Browser {
        Browser { base: self.base.clone(), client: self.client.clone(), cookies: self.cookies.clone() }
    }

    fn cookie_header(&self) -> String {
        self.cookies.borrow().iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    fn keep(&self, response: reqwest::blocking::Response) -> Answer {
        for value in response.headers().get_all("set-cookie") {
            let text = value.to_str().unwrap();
            let (pair, attributes) = text.split_once(';').unwrap_or((text, ""));
            let (name, value) = pair.split_once('=').unwrap();
            if attributes.contains("Max-Age=0") {
                self.cookies.borrow_mut().remove(name);
            } else {
                self.cookies.borrow_mut().insert(name.to_owned(), value.to_owned());
            }
        }
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        (status, headers, response.text().unwrap())
    }

    fn get(&self, path: &str) -> Answer {
        let response =
            self.client.get(format!("{}{path}", self.base)).header("cookie", self.cookie_header()).send().unwrap();
        self.keep(response)
    }

    /// Posts a form with the headers of a same-origin browser form, `extra` ones replacing them (an empty
    /// value leaves the header out, as older browsers do).
    fn post_with(&self, path: &str, fields: &[(&str, &str)], extra: &[(&str, &str)]) -> Answer {
        let mut headers = BTreeMap::from([("origin", self.base.as_str()), ("sec-fetch-site", "same-origin")]);
        headers.extend(extra.iter().copied());
        let mut request =
            self.client.post(format!("{}{path}", self.base)).header("cookie", self.cookie_header()).form(fields);
        for (name, value) in headers.into_iter().filter(|(_, v)| !v.is_empty()) {
            request = request.header(name, value);
        }
        self.keep(request.send().unwrap())
    }

    fn post(&self, path: &str, fields: &[(&str, &str)]) -> Answer {
        self.post_with(path, fields, &[])
    }

    /// Posts a form of the page at `page`, with the token the page holds.
    fn submit(&self, page: &str, path: &str, fields: &[(&str, &str)]) -> Answer {
        let (status, _, html) = self.get(page);
        assert_eq!(status, 200, "{page}: {html}");
        let csrf = csrf_of(&html);
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post(path, &all)
    }

    fn set_password(&self, link: &str, password: &str) -> Answer {
        self.submit(link, link, &[("password", password), ("confirm", password)])
    }

    fn sign_in(&self, email: &str, password: &str) -> Answer {
        self.submit("/staff/login", "/staff/login", &[("email", email), ("password", password)])
    }

    fn session(&self) -> Option<String> {
        self.cookies.borrow().get("staff_session").cloned()
    }
}

/// A French explanation first, then the English one.
fn french_first(body: &str, fr: &str, en: &str) {
    let (f, e) = (body.find(fr), body.find(en));
    assert!(f.is_some() && e.is_some() && f < e, "wanted «{fr}» then «{en}» in {body}");
}

#[test]
fn a_wrong_password_and_an_unknown_account_get_the_same_answer_logged_without_personal_data() {
    let c = Console::start(&[]);
    let link = c.add("secretariat@association-exemple.fr", "admin", &[]);
    let b = Browser::new(&c);
    assert_eq!(b.set_password(&link, PASSWORD).0, 303);
    let before = c.footprint();

    let wrong = b.sign_in("secretariat@association-exemple.fr", "pas le bon mot de passe");
    let unknown = b.sign_in("personne@association-exemple.fr", PASSWORD);
    assert_eq!(wrong.0, 422);
    assert_eq!(unknown.0, 422);
    assert_eq!(wrong.2, unknown.2, "both answers are the same page");
    french_first(&wrong.2, "Adresse ou mot de passe incorrect", "Wrong address or password");
    assert_eq!(b.session(), None);
    assert_eq!(c.accounts_and_sessions(), before[..3], "nothing stored but the audit entries");

    let log = c.log();
    assert_eq!(log.matches("staff sign-in refused").count(), 2, "{log}");
    for secret in ["secretariat", "personne@", "pas le bon", "cheval"] {
        assert!(!log.contains(secret), "the log holds «{secret}»: {log}");
    }
    // The right password still works; every attempt is audited, the unknown address under no account and
    // only as a keyed hash of what was typed.
    assert_eq!(b.sign_in("secretariat@association-exemple.fr", PASSWORD).0, 303);
    assert_eq!(c.actions(), ["account.invite", "password.set", "sign_in.refused", "sign_in.refused", "sign_in"]);
    let entries = c.entries();
    let (wrong, unknown) = (&entries[2], &entries[3]);
    assert_eq!(
        (wrong["account"].as_str(), wrong["detail"]["reason"].as_str()),
        (Some("secretariat@association-exemple.fr"), Some("wrong_password"))
    );
    assert_eq!((unknown["account"].as_str(), unknown["account_id"].as_str()), (Some(""), Some("")), "{unknown}");
    assert_eq!(unknown["detail"]["reason"], "unknown_account");
    assert_eq!(unknown["detail"]["typed"].as_str().map(str::len), Some(16), "{unknown}");
    assert_eq!(wrong["detail"]["network"], unknown["detail"]["network"], "the same client, told apart from others");
    let chain = c.sql().bodies("SELECT body FROM staff_audit").concat();
    for secret in ["personne", "pas le bon", "cheval", "127.0.0.1"] {
        assert!(!chain.contains(secret), "the audit log holds «{secret}»: {chain}");
    }
    // The admins' page shows the unknown address as such.
    let (_, _, page) = c.account("dpo@association-exemple.fr", "admin", &[]).get("/staff/audit");
    assert!(page.contains("(adresse sans compte)") && page.contains("unknown_account"), "{page}");
    let (ok, out) = c.command(&["verify"]);
    assert!(ok, "{out}");
}

#[test]
fn failures_lock_an_account_with_growing_delays_and_a_disabled_account_cannot_sign_in() {
    let c = Console::start(&[]);
    let admin = c.account("dpo@association-exemple.fr", "admin", &[]);
    let link = c.add("tresorier@association-exemple.fr", "staff", &[SITE]);
    let b = Browser::new(&c);
    assert_eq!(b.set_password(&link, PASSWORD).0, 303);
    for _ in 0..3 {
        assert_eq!(b.sign_in("tresorier@association-exemple.fr", "mauvais mot de passe").0, 422);
    }
    let before = c.accounts_and_sessions();
    // Locked: even the right password waits, and the attempt is audited as such.
    let (status, headers, body) = b.sign_in("tresorier@association-exemple.fr", PASSWORD);
    assert_eq!(status, 429);
    assert_eq!(headers["retry-after"], "1");
    french_first(&body, "Trop de tentatives", "Too many attempts");
    assert_eq!(c.accounts_and_sessions(), before);
    let locked = c.last_entry();
    assert_eq!(
        (locked["action"].as_str(), locked["detail"]["reason"].as_str()),
        (Some("sign_in.refused"), Some("throttled"))
    );
    assert_eq!(locked["account"], "tresorier@association-exemple.fr");
    std::thread::sleep(std::time::Duration::from_millis(1100));
    assert_eq!(b.sign_in("tresorier@association-exemple.fr", "encore mauvais").0, 422);
    // The delay doubled: 1.1 s later, still waiting.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    assert_eq!(b.sign_in("tresorier@association-exemple.fr", PASSWORD).0, 429, "the delay doubled");
    std::thread::sleep(std::time::Duration::from_millis(1000));
    assert_eq!(b.sign_in("tresorier@association-exemple.fr", PASSWORD).0, 303);

    // Disabled by an admin: the session ends at once, and signing in answers as a wrong password does.
    let id = c.sql().bodies("SELECT account_id FROM staff_accounts WHERE email = 'tresorier@association-exemple.fr'");
    let (status, _, _) =
        admin.submit("/staff/accounts", &format!("/staff/accounts/{}", id[0]), &[("action", "disable")]);
    assert_eq!(status, 200);
    assert_eq!(b.get("/staff/health").0, 303);
    let (status, _, body) = b.sign_in("tresorier@association-exemple.fr", PASSWORD);
    assert_eq!(status, 422);
    french_first(&body, "Adresse ou mot de passe incorrect", "Wrong address or password");
    assert_eq!(c.last_entry()["detail"]["reason"], "disabled");

    // Per address: past ten failures on any accounts, the address waits too.
    let other = Browser::new(&c);
    for i in 0..10 {
        other.sign_in(&format!("inconnu{i}@example.org"), "nimporte quoi");
    }
    assert_eq!(other.sign_in("dpo@association-exemple.fr", PASSWORD).0, 429);
}

/// Two collectors on one database count the same failures: alternating between them, as a load balancer does,
/// gains no attempt; an unknown address is throttled alike; no address is stored in clear.
fn two_collectors_count_the_same_failures(c: &Console) {
    const TREASURER: &str = "tresorier@association-exemple.fr";
    let link = c.add(TREASURER, "staff", &[SITE]);
    let here = Browser::new(c);
    assert_eq!(here.set_password(&link, PASSWORD).0, 303);
    let other = c.beside();
    let there = Browser::new(&other);
    assert_eq!(here.sign_in(TREASURER, "mauvais un").0, 422);
    assert_eq!(there.sign_in(TREASURER, "mauvais deux").0, 422);
    assert_eq!(here.sign_in(TREASURER, "mauvais trois").0, 422);
    assert_eq!(there.sign_in(TREASURER, PASSWORD).0, 429, "the other collector knows of the failures");
    assert_eq!(here.sign_in(TREASURER, PASSWORD).0, 429);
    for (i, b) in [&here, &there, &here].into_iter().enumerate() {
        assert_eq!(b.sign_in("personne@association-exemple.fr", &format!("essai {i}")).0, 422);
    }
    assert_eq!(there.sign_in("personne@association-exemple.fr", PASSWORD).0, 429);
    // Once the delay is over, a success through one collector clears the count for both.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    assert_eq!(there.sign_in(TREASURER, PASSWORD).0, 303);
    assert_eq!(here.sign_in(TREASURER, "mauvais quatre").0, 422);
    assert_eq!(here.sign_in(TREASURER, PASSWORD).0, 303, "counting from zero again");
    let keys = c.sql().bodies("SELECT key FROM staff_throttle").concat();
    assert!(!keys.is_empty() && !keys.contains("personne") && !keys.contains("127.0.0.1"), "{keys}");
}

#[test]
fn the_sign_in_throttle_holds_across_two_collectors_on_one_sqlite_file() {
    two_collectors_count_the_same_failures(&Console::start(&[]));
}

#[test]
fn the_sign_in_throttle_holds_across_two_collectors_on_one_postgres_database() {
    let pg = PgCluster::start();
    pg.create_database("ledger");
    two_collectors_count_the_same_failures(&Console::start(&["--database", &pg.url("ledger")]));
}

#[test]
fn expired_forged_and_stolen_session_cookies_lead_back_to_the_sign_in_page() {
    let c = Console::start(&[]);
    let b = c.account("secretariat@association-exemple.fr", "admin", &[]);
    assert_eq!(b.get("/staff/health").0, 200);
    let first = b.session().unwrap();

    // Forged.
    let forged = b.copy();
    forged.cookies.borrow_mut().insert("staff_session".into(), "0".repeat(64));
    let (status, headers, _) = forged.get("/staff/health");
    assert_eq!((status, location(&headers)), (303, "/staff/login?ended=1"));
    let (_, _, page) = forged.get("/staff/login?ended=1");
    assert!(page.contains("Votre session a pris fin"), "told why: {page}");
    // Without any cookie: the sign-in page, nothing to explain.
    let (status, headers, _) = Browser::new(&c).get("/staff/health");
    assert_eq!((status, location(&headers)), (303, "/staff/login"));

    // Idle for 31 minutes: ended, and the row is gone.
    c.sql().execute("UPDATE staff_sessions SET last_seen_at = last_seen_at - 31 * 60 * 1000");
    assert_eq!(b.get("/staff/health").0, 303);
    assert_eq!(c.count("staff_sessions"), 0);

    // Signed in 13 hours ago, however active since.
    assert_eq!(b.sign_in("secretariat@association-exemple.fr", PASSWORD).0, 303);
    assert_ne!(b.session().unwrap(), first, "a new session id at each sign-in");
    c.sql().execute("UPDATE staff_sessions SET created_at = created_at - 13 * 3600 * 1000");
    assert_eq!(b.get("/staff/health").0, 303);

    // Stolen, then the owner signs out: the copy is worth nothing.
    assert_eq!(b.sign_in("secretariat@association-exemple.fr", PASSWORD).0, 303);
    let thief = b.copy();
    assert_eq!(thief.get("/staff/health").0, 200);
    assert_eq!(b.submit("/staff/health", "/staff/logout", &[]).0, 303);
    assert_eq!(thief.get("/staff/health").0, 303);

    // Sign out everywhere ends the other browsers' sessions too.
    let laptop = Browser::new(&c);
    assert_eq!(laptop.sign_in("secretariat@association-exemple.fr", PASSWORD).0, 303);
    assert_eq!(b.sign_in("secretariat@association-exemple.fr", PASSWORD).0, 303);
    assert_eq!(b.submit("/staff/health", "/staff/account/sign-out-everywhere", &[]).0, 303);
    assert_eq!(laptop.get("/staff/health").0, 303);
    assert_eq!(c.count("staff_sessions"), 0);

    // Abandoned sessions do not pile up: a sign-in sweeps those past their end.
    assert_eq!(laptop.sign_in("secretariat@association-exemple.fr", PASSWORD).0, 303);
    c.sql().execute("UPDATE staff_sessions SET last_seen_at = last_seen_at - 31 * 60 * 1000");
    assert_eq!(b.sign_in("secretariat@association-exemple.fr", PASSWORD).0, 303);
    assert_eq!(c.count("staff_sessions"), 1);

    // The cookie is HttpOnly and SameSite=Strict (Secure only behind https).
    let raw = Browser::new(&c);
    let (_, _, page) = raw.get("/staff/login");
    let csrf = csrf_of(&page);
    let (_, headers, _) = raw.post(
        "/staff/login",
        &[("csrf", &csrf), ("email", "secretariat@association-exemple.fr"), ("password", PASSWORD)],
    );
    let cookie =
        headers.get_all("set-cookie").iter().map(|v| v.to_str().unwrap()).find(|v| v.starts_with("staff_session="));
    let cookie = cookie.unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && !cookie.contains("Secure"),
        "{cookie}"
    );
}

#[test]
fn forms_without_the_token_or_from_another_origin_change_nothing() {
    let c = Console::start(&[]);
    let admin = c.account("dpo@association-exemple.fr", "admin", &[]);
    let (_, _, page) = admin.get("/staff/accounts");
    let csrf = csrf_of(&page);
    let invite = |token: Option<&str>, extra: &[(&str, &str)]| {
        let mut fields = vec![("email", "nouveau@association-exemple.fr"), ("role", "viewer"), ("sites", SITE)];
        if let Some(token) = token {
            fields.push(("csrf", token));
        }
        admin.post_with("/staff/accounts", &fields, extra)
    };
    let before = c.footprint();
    let forged = "f".repeat(csrf.len());
    for (token, extra) in [
        (None, vec![]),
        (Some(forged.as_str()), vec![]),
        (Some(csrf.as_str()), vec![("origin", "http://evil.example"), ("sec-fetch-site", "")]),
        (Some(csrf.as_str()), vec![("sec-fetch-site", "cross-site")]),
        (Some(csrf.as_str()), vec![("sec-fetch-site", "same-site")]),
    ] {
        let (status, _, body) = invite(token, &extra);
        assert_eq!(status, 403, "{token:?} {extra:?}");
        french_first(&body, "Formulaire expiré ou étranger", "Expired or foreign form");
        assert_eq!(c.footprint(), before, "{token:?} {extra:?}");
    }
    // Another session's token is no better than a forged one.
    let other = c.account("secretariat@association-exemple.fr", "admin", &[]);
    let (_, _, other_page) = other.get("/staff/accounts");
    let before = c.footprint();
    assert_eq!(invite(Some(&csrf_of(&other_page)), &[]).0, 403);
    assert_eq!(c.footprint(), before);
    // Before a session, the sign-in form needs its own cookie and token.
    let stranger = Browser::new(&c);
    let (status, _, _) = stranger.post(
        "/staff/login",
        &[("csrf", &"a".repeat(64)), ("email", "dpo@association-exemple.fr"), ("password", PASSWORD)],
    );
    assert_eq!(status, 403);
    assert!(c.log().contains("staff console: request refused refused=csrf"), "{}", c.log());

    // With the token, from here: the invitation is made and audited.
    let (status, _, body) = invite(Some(&csrf), &[]);
    assert_eq!(status, 200, "{body}");
    french_first(&body, "Lien envoyé par courriel", "Link emailed");
    let outbox = c.dir.path().join("outbox");
    let mails: Vec<String> =
        std::fs::read_dir(&outbox).unwrap().map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap()).collect();
    assert!(mails.iter().any(|m| m.contains("nouveau@association-exemple.fr") && m.contains("/staff/password/")));
    assert_eq!(c.count("staff_accounts"), before[0] + 1);
    assert_eq!(c.actions().last().unwrap(), "account.invite");
}

#[test]
fn roles_and_sites_limit_what_an_account_sees_and_another_site_answers_404() {
    let c = Console::start(&[]);
    let viewer = c.account("lecture@association-exemple.fr", "viewer", &[SITE]);
    let (status, _, body) = viewer.get("/staff/register");
    assert_eq!(status, 403);
    french_first(&body, "Accès refusé", "Access denied");
    assert_eq!(viewer.get("/staff/dashboard").0, 200);
    let before = c.footprint();
    let (_, _, page) = viewer.get("/staff/health");
    let csrf = csrf_of(&page);
    let (status, _, _) = viewer
        .post("/staff/accounts", &[("csrf", &csrf), ("email", "x@example.org"), ("role", "admin"), ("sites", "*")]);
    assert_eq!(status, 403, "a viewer cannot invite");
    assert_eq!(c.footprint(), before);

    // Staff of the other school: this school's pages are as absent as a site that does not exist.
    let other = c.account("ecole@ecole-exemple.fr", "staff", &[OTHER]);
    assert_eq!(other.get(&format!("/staff/dashboard?site={OTHER}")).0, 200);
    let missing = other.get("/staff/dashboard?site=nulle-part");
    for path in [
        format!("/staff/dashboard?site={SITE}"),
        format!("/staff/exports?site={SITE}"),
        format!("/staff/register/{SITE}/0000000000000000"),
    ] {
        let (status, _, body) = other.get(&path);
        assert_eq!(status, 404, "{path}");
        assert_eq!(body, missing.2, "{path}: the same page as a site that does not exist");
    }
    let (_, _, page) = other.get("/staff/exports");
    let csrf = csrf_of(&page);
    let (status, _, _) =
        other.post("/staff/exports", &[("csrf", &csrf), ("site", SITE), ("purpose", "newsletter"), ("format", "csv")]);
    assert_eq!(status, 404);

    // An admin of one school neither sees nor manages the other's accounts, nor grants it.
    let admin = c.account("admin@ecole-exemple.fr", "admin", &[OTHER]);
    let (_, _, accounts) = admin.get("/staff/accounts");
    assert!(!accounts.contains("lecture@association-exemple.fr"), "{accounts}");
    let id = c.sql().bodies("SELECT account_id FROM staff_accounts WHERE email = 'lecture@association-exemple.fr'");
    let before = c.footprint();
    let csrf = csrf_of(&accounts);
    assert_eq!(admin.post(&format!("/staff/accounts/{}", id[0]), &[("csrf", &csrf), ("action", "disable")]).0, 404);
    let (status, _, _) = admin
        .post("/staff/accounts", &[("csrf", &csrf), ("email", "y@example.org"), ("role", "staff"), ("sites", SITE)]);
    assert_eq!(status, 404);
    assert_eq!(c.footprint(), before);
}

#[test]
fn markup_and_oversized_input_are_refused_or_escaped() {
    let c = Console::start(&[]);
    let admin = c.account("dpo@association-exemple.fr", "admin", &[]);
    let before = c.footprint();
    let markup = "<script>alert(1)</script>@example.org";
    let (status, _, body) =
        admin.submit("/staff/accounts", "/staff/accounts", &[("email", markup), ("role", "staff"), ("sites", SITE)]);
    assert_eq!(status, 422);
    french_first(&body, "n’est pas valable", "not a valid email address");
    assert!(!body.contains("<script>"), "{body}");
    let (status, _, body) = admin.submit(
        "/staff/accounts",
        "/staff/accounts",
        &[("email", "ok@example.org"), ("role", "staff"), ("sites", "<b>x</b>")],
    );
    assert_eq!(status, 422, "{body}");
    assert!(!body.contains("<b>x</b>"), "{body}");
    let stranger = Browser::new(&c);
    let (status, _, body) = stranger.sign_in(markup, PASSWORD);
    assert_eq!(status, 422);
    assert!(!body.contains("<script>"));
    assert_eq!(c.accounts_and_sessions(), before[..3]);
    // The refused sign-in is audited, without what was typed.
    let refused = c.last_entry();
    assert_eq!((refused["action"].as_str(), refused["account"].as_str()), (Some("sign_in.refused"), Some("")));
    assert!(!refused.to_string().contains("script"), "{refused}");
    let before = c.footprint();

    // Too long: a clear 413, nothing stored.
    let long = format!("{}@example.org", "a".repeat(10_000));
    let (status, _, body) = stranger.sign_in(&long, PASSWORD);
    assert_eq!(status, 413);
    french_first(&body, "Saisie trop longue", "Input too long");
    let huge = "x".repeat(200_000);
    let (status, _, body) = stranger.sign_in(&huge, PASSWORD);
    assert_eq!(status, 413);
    french_first(&body, "Saisie trop longue", "Input too long");
    let (status, _, _) =
        admin.submit("/staff/accounts", "/staff/accounts", &[("email", &huge), ("role", "staff"), ("sites", SITE)]);
    assert_eq!(status, 413);
    assert_eq!(c.footprint(), before);

    // A weak password is refused with the reason.
    let link = c.add("faible@association-exemple.fr", "viewer", &[SITE]);
    let b = Browser::new(&c);
    for (weak, fr) in [("court", "au moins 12 caractères"), ("motdepasse2024!", "trop courant")] {
        let (status, _, body) = b.set_password(&link, weak);
        assert_eq!(status, 422);
        assert!(body.contains(fr), "{weak}: {body}");
    }
    assert_eq!(b.set_password(&link, PASSWORD).0, 303);
    let (status, _, body) = b.get(&link);
    assert_eq!(status, 422, "a link works once");
    french_first(&body, "déjà utilisé", "already used");
}

/// The TOTP code of `secret` (hex, as the set-up form holds it) for time step `step`.
fn code(secret: &str, step: u64) -> String {
    let totp = totp_rs::TOTP::new(totp_rs::Algorithm::SHA1, 6, 0, 30, hex::decode(secret).unwrap()).unwrap();
    totp.generate(step * 30)
}

fn hidden(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let at = page.find(&marker).unwrap() + marker.len();
    page[at..].split('"').next().unwrap().to_owned()
}

#[test]
fn a_totp_code_is_accepted_once_and_admins_must_set_one_up_when_required() {
    let c = Console::start(&["--staff-require-2fa"]);
    let link = c.add("dpo@association-exemple.fr", "admin", &[]);
    let b = Browser::new(&c);
    assert_eq!(b.set_password(&link, PASSWORD).0, 303);
    assert_eq!(b.sign_in("dpo@association-exemple.fr", PASSWORD).0, 303);
    // Required: every page sends the admin to the set-up first.
    let (status, headers, _) = b.get("/staff/health");
    assert_eq!((status, location(&headers)), (303, "/staff/account/totp"));

    let (_, _, page) = b.get("/staff/account/totp");
    let secret = hidden(&page, "secret");
    let step = u64::try_from(crate::util::now_ms() / 30_000).unwrap();
    let csrf = csrf_of(&page);
    assert_eq!(
        b.post("/staff/account/totp", &[("csrf", &csrf), ("secret", &secret), ("code", &code(&secret, step))]).0,
        303
    );
    assert_eq!(b.get("/staff/health").0, 200);
    assert_eq!(b.submit("/staff/health", "/staff/logout", &[]).0, 303);

    // Password, then the code of the next step (within the accepted drift).
    let (status, headers, _) = b.sign_in("dpo@association-exemple.fr", PASSWORD);
    assert_eq!((status, location(&headers)), (303, "/staff/login/totp"));
    let (status, headers, _) = b.get("/staff/health");
    assert_eq!((status, location(&headers)), (303, "/staff/login/totp"), "the password alone opens nothing");
    assert_eq!(c.last_entry()["action"], "sign_in.code_awaited");
    let (status, _, _) = b.submit("/staff/login/totp", "/staff/login/totp", &[("code", "000000")]);
    assert_eq!(status, 422, "a wrong code");
    assert_eq!(c.last_entry()["detail"]["reason"], "wrong_code");
    let (status, _, _) = b.submit("/staff/login/totp", "/staff/login/totp", &[("code", &code(&secret, step))]);
    assert_eq!(status, 422, "the set-up code is used up");
    assert_eq!(c.last_entry()["detail"]["reason"], "code_replayed");
    let next = code(&secret, step + 1);
    assert_eq!(b.submit("/staff/login/totp", "/staff/login/totp", &[("code", &next)]).0, 303);
    assert_eq!(b.get("/staff/health").0, 200);

    // The same code again, from another browser that knows the password: refused, nothing opened.
    let replay = Browser::new(&c);
    assert_eq!(replay.sign_in("dpo@association-exemple.fr", PASSWORD).0, 303);
    let before = c.count("staff_audit");
    let (status, _, body) = replay.submit("/staff/login/totp", "/staff/login/totp", &[("code", &next)]);
    assert_eq!(status, 422);
    french_first(&body, "Code incorrect ou déjà utilisé", "Wrong or already used code");
    assert_eq!(replay.get("/staff/health").0, 303);
    assert_eq!(c.count("staff_audit"), before + 1, "the replay is audited");
    let replayed = c.last_entry();
    assert_eq!(
        (replayed["detail"]["stage"].as_str(), replayed["detail"]["reason"].as_str()),
        (Some("second_factor"), Some("code_replayed"))
    );
    assert_eq!(replayed["account"], "dpo@association-exemple.fr");
    assert!(c.log().contains("staff TOTP code refused"));
    assert!(!c.log().contains(&next));

    // A signed-in session alone cannot replace the second factor: the password is asked for.
    let (_, _, page) = b.get("/staff/account/totp");
    let (secret2, csrf) = (hidden(&page, "secret"), csrf_of(&page));
    let now = u64::try_from(crate::util::now_ms() / 30_000).unwrap();
    let fields =
        [("csrf", csrf.as_str()), ("secret", &secret2), ("code", &code(&secret2, now)), ("password", "devine")];
    let (status, _, body) = b.post("/staff/account/totp", &fields);
    assert_eq!(status, 422);
    french_first(&body, "Mot de passe actuel incorrect", "Wrong current password");
    let stored = c.sql().bodies("SELECT totp_secret FROM staff_accounts");
    assert_eq!(stored, std::slice::from_ref(&secret));
}

#[test]
fn the_audit_log_is_read_by_admins_and_its_chain_checked_by_collector_verify() {
    let c = Console::start(&[]);
    let admin = c.account("dpo@association-exemple.fr", "admin", &[]);
    let staff = c.account("secretariat@association-exemple.fr", "staff", &[SITE]);
    assert_eq!(staff.get("/staff/audit").0, 403);
    let (status, _, health) = admin.submit("/staff/health", "/staff/health/verify", &[]);
    assert_eq!(status, 303);
    let (_, _, health_page) = admin.get("/staff/health");
    assert!(health_page.contains("Registre intact"), "{health_page}");
    assert!(health.is_empty() || !health.contains("ALTÉRÉ"));
    let (status, _, log) = admin.get("/staff/audit");
    assert_eq!(status, 200);
    for action in ["account.invite", "password.set", "sign_in", "ledger.verify"] {
        assert!(log.contains(action), "{action} missing from {log}");
    }
    assert!(log.contains("secretariat@association-exemple.fr"), "entries name the account");
    let (_, _, older) = admin.get("/staff/audit?before=3");
    assert!(older.contains("<th scope=\"row\">2</th>") && !older.contains("<th scope=\"row\">3</th>"), "{older}");

    let (ok, out) = c.command(&["verify"]);
    assert!(ok && out.contains("audit log OK: 7 entries"), "{out}");
    // `staff add` emails the link when asked to (here into an outbox folder), and audits the invitation.
    let outbox = c.dir.path().join("cli-outbox");
    let args = ["staff", "add", "tresorier@association-exemple.fr", "--role", "viewer", "--public-url", &c.base];
    let (ok, out) = c.command(&[&args[..], &["--outbox", outbox.to_str().unwrap()]].concat());
    assert!(ok && out.contains("link emailed to tresorier@association-exemple.fr"), "{out}");
    let mail = std::fs::read_dir(&outbox).unwrap().next().unwrap().unwrap().path();
    let mail = std::fs::read_to_string(mail).unwrap().replace("=\r\n", "");
    assert!(mail.contains("To: tresorier@association-exemple.fr") && mail.contains("/staff/password/"), "{mail}");
    let (ok, out) = c.command(&["verify"]);
    assert!(ok && out.contains("audit log OK: 8 entries"), "{out}");
    // One entry altered after the fact: named.
    c.sql().execute("UPDATE staff_audit SET body = replace(body, 'secretariat', 'secretaire') WHERE seq = 5");
    let (ok, out) = c.command(&["verify"]);
    assert!(!ok && out.contains("audit log BROKEN: audit entry 5"), "{out}");
    // One removed: named too.
    c.sql().execute("DELETE FROM staff_audit WHERE seq = 5");
    let (ok, out) = c.command(&["verify"]);
    assert!(!ok && out.contains("audit entry 6"), "{out}");
}

/// `collector staff add` when the audit entry cannot be written: no account, no link either (one transaction).
fn staff_add_is_all_or_nothing(c: &Console) {
    c.sql().execute(match c.database {
        None => "CREATE TRIGGER no_audit BEFORE INSERT ON staff_audit BEGIN SELECT RAISE(ABORT, 'audit refused'); END;",
        Some(_) => "CREATE FUNCTION no_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit refused'; END $$;
                    CREATE TRIGGER no_audit BEFORE INSERT ON staff_audit FOR EACH ROW EXECUTE FUNCTION no_audit();",
    });
    let (ok, out) =
        c.command(&["staff", "add", "dpo@association-exemple.fr", "--role", "admin", "--public-url", &c.base]);
    assert!(!ok && out.contains("audit refused"), "{out}");
    assert_eq!(c.footprint(), [0, 0, 0, 0], "nothing of the account is left");
    c.sql().execute(if c.database.is_none() {
        "DROP TRIGGER no_audit"
    } else {
        "DROP TRIGGER no_audit ON staff_audit"
    });
    c.add("dpo@association-exemple.fr", "admin", &[]);
    assert_eq!(c.actions(), ["account.invite"]);
}

#[test]
fn staff_add_writes_the_account_its_link_and_its_audit_entry_in_one_transaction() {
    staff_add_is_all_or_nothing(&Console::start(&[]));
    let pg = PgCluster::start();
    pg.create_database("ledger");
    staff_add_is_all_or_nothing(&Console::start(&["--database", &pg.url("ledger")]));
}

#[test]
fn accounts_sessions_and_the_audit_chain_live_in_postgres_too() {
    let pg = PgCluster::start();
    pg.create_database("ledger");
    let url = pg.url("ledger");
    let c = Console::start(&["--database", &url]);
    assert!(!c.data().join("ledger.sqlite3").exists());
    let admin = c.account("dpo@association-exemple.fr", "admin", &[]);
    assert_eq!(c.count("staff_sessions"), 1);
    let before = c.footprint();
    assert_eq!(Browser::new(&c).sign_in("dpo@association-exemple.fr", "pas le bon").0, 422);
    let after = c.footprint();
    assert_eq!((&after[..3], after[3]), (&before[..3], before[3] + 1), "only the refusal's audit entry");
    assert_eq!(admin.post("/staff/accounts", &[("email", "x@example.org"), ("role", "staff"), ("sites", SITE)]).0, 403);
    assert_eq!(c.footprint(), after);
    c.sql().execute("UPDATE staff_sessions SET last_seen_at = last_seen_at - 31 * 60 * 1000");
    assert_eq!(admin.get("/staff/health").0, 303);
    assert_eq!(admin.sign_in("dpo@association-exemple.fr", PASSWORD).0, 303);
    let (status, _, _) = admin.submit(
        "/staff/accounts",
        "/staff/accounts",
        &[("email", "x@example.org"), ("role", "staff"), ("sites", SITE)],
    );
    assert_eq!(status, 200);
    assert_eq!(
        c.actions(),
        ["account.invite", "password.set", "sign_in", "sign_in.refused", "sign_in", "account.invite"]
    );
    let (ok, out) = c.command(&["verify"]);
    assert!(ok && out.contains("audit log OK: 6 entries"), "{out}");
    c.sql().execute("UPDATE staff_audit SET body = replace(body, 'dpo@', 'dpo2@') WHERE seq = 2");
    let (ok, out) = c.command(&["verify"]);
    assert!(!ok && out.contains("audit log BROKEN: audit entry 2"), "{out}");
}

#[test]
fn a_forgotten_password_is_reset_by_an_emailed_link_and_nobody_learns_who_has_an_account() {
    let c = Console::start(&[]);
    let b = c.account("secretariat@association-exemple.fr", "staff", &[SITE]);
    let outbox = c.dir.path().join("outbox");
    let mails = || -> Vec<String> {
        std::fs::read_dir(&outbox)
            .map_or(Vec::new(), |d| d.map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap()).collect())
    };
    let stranger = Browser::new(&c);
    let ask = |email: &str| stranger.submit("/staff/password-reset", "/staff/password-reset", &[("email", email)]);
    let before = c.footprint();
    let unknown = ask("personne@association-exemple.fr");
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(c.footprint(), before, "nothing stored for an unknown address");
    assert!(mails().is_empty());
    let known = ask("secretariat@association-exemple.fr");
    assert_eq!((unknown.0, known.0), (200, 200));
    assert_eq!(unknown.2, known.2, "the same answer either way");
    french_first(&known.2, "Si un compte actif existe", "If an active account exists");

    // The email holds a one-time link; following it sets a new password and ends the open sessions.
    // Sent after the answer (its time would tell who has an account): wait for it.
    let mut mail = None;
    for _ in 0..100 {
        mail = mails().into_iter().find(|m| m.contains("secretariat@association-exemple.fr"));
        if mail.is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let mail = mail.expect("the reset email");
    let flat = mail.replace("=\r\n", "").replace("=\n", "");
    let at = flat.find("/staff/password/").unwrap();
    let link: String = flat[at..].chars().take_while(|ch| ch.is_ascii_alphanumeric() || *ch == '/').collect();
    assert_eq!(link.len(), "/staff/password/".len() + 64, "{link}");
    let fresh = "lune rousse sur la rade de Brest";
    assert_eq!(stranger.set_password(&link, fresh).0, 303);
    assert_eq!(b.get("/staff/dashboard").0, 303, "sessions opened with the old password are ended");
    assert_eq!(stranger.sign_in("secretariat@association-exemple.fr", PASSWORD).0, 422);
    assert_eq!(stranger.sign_in("secretariat@association-exemple.fr", fresh).0, 303);
    assert!(c.actions().contains(&"password.reset_asked".to_owned()));
    assert!(!c.log().contains("personne@"), "{}", c.log());
}
