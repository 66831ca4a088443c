//! docs/operating.md, run: each block marked `<!-- proven: NAME -->` in the guide is taken from the guide itself
//! (paths and addresses swapped for the test's) and run with the real programs — `psql`, `pg_dump`,
//! `pg_restore`, `sqlite3`, `nginx`, `bash` — next to real collectors on a real PostgreSQL cluster.

use crate::util::*;
use collector::links::{self, LinkKind};
use consent::protocol::{SubmissionAccepted, WidgetConfig};
use consent::signature::CollectorKey;
use postgres::error::SqlState;
use reqwest::blocking::Client;
use std::path::Path;
use std::process::{Command, Stdio};

const GUIDE: &str = include_str!("../../docs/operating.md");

/// The command block after `<!-- proven: NAME -->` in the guide, each `(from, to)` replaced.
fn guide(name: &str, swaps: &[(&str, &str)]) -> String {
    let marker = format!("<!-- proven: {name} -->");
    let after = GUIDE.split_once(&marker).unwrap_or_else(|| panic!("docs/operating.md has no {marker}")).1;
    let fenced = after.split_once("```").unwrap().1.split_once('\n').unwrap().1;
    let block = &fenced[..fenced.find("```").unwrap()];
    // A block inside a list item is indented; the programs do not care about the indentation left.
    let mut text: String = block.lines().map(|l| format!("{}\n", l.trim_start())).collect();
    for (from, to) in swaps {
        assert!(text.contains(from), "block {name} no longer says {from}");
        text = text.replace(from, to);
    }
    text
}

/// A URL to a database of `pg` as another role (the test cluster trusts local connections: no password).
fn as_role(pg: &PgCluster, database: &str, role: &str) -> String {
    pg.url(database).replace("user=postgres", &format!("user={role}"))
}

/// Runs SQL from the guide with `psql`, stopping at the first error, as the guide says.
fn psql(url: &str, sql: &str) {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "block.sql", sql);
    let out = Command::new("psql").args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-f"]).arg(&file).arg(url).output();
    let out = out.expect("psql (Debian's postgresql-client)");
    assert!(
        out.status.success(),
        "psql failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs a shell block of the guide with bash (`set -eu`), `collector` on the PATH; returns its standard output.
fn shell(script: &str, env: &[(&str, &str)]) -> String {
    let bin = Path::new(env!("CARGO_BIN_EXE_collector")).parent().unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let out = Command::new("bash")
        .args(["-euo", "pipefail", "-c", script])
        .env("PATH", path)
        .env_remove("DATABASE_URL")
        .envs(env.iter().copied())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{script}\nfailed: {stdout}{}", String::from_utf8_lossy(&out.stderr));
    stdout
}

/// A staff command that must succeed; its standard output.
fn run_ok(c: &Collector, args: &[&str]) -> String {
    let out = c.command(args);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{args:?}: {stdout}{}", String::from_utf8_lossy(&out.stderr));
    stdout
}

/// The roles of §2 on a fresh cluster, the tables made by a first start as the owner, the grants: the URLs of
/// the owner and of the collector's role.
fn least_privilege(pg: &PgCluster) -> (String, String) {
    psql(&pg.url("postgres"), &guide("roles.sql", &[]));
    let owner = as_role(pg, "consent", "consent_owner");
    first_start(&owner);
    psql(&owner, &guide("grants.sql", &[]));
    (owner, as_role(pg, "consent", "consent_app"))
}

/// §2's first start as the owner, in the foreground as the guide says, stopped with Ctrl-C (SIGINT to the
/// foreground process group, as a terminal sends it) once it says it listens; the block goes on to `rm`.
fn first_start(owner: &str) {
    let url = format!("'{owner}'");
    let script = guide(
        "first-start.sh",
        &[
            ("'postgres://consent_owner:PASSWORD@db.internal/consent?sslmode=require'", &url),
            ("/etc/consent-collector/sites/ecole-exemple/consent.toml", CONFIG),
        ],
    );
    let bin = Path::new(env!("CARGO_BIN_EXE_collector")).parent().unwrap();
    let mut command = Command::new("bash");
    command
        .args(["-eu", "-c", &format!("{script}echo removed")])
        .env("PATH", format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default()))
        .env("COLLECTOR_LOG", "error")
        .stdout(Stdio::piped());
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let mut child = command.spawn().unwrap();
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(child.stdout.take().unwrap()));
    let banner = lines.next().unwrap().unwrap();
    let url = banner.strip_prefix("collector listening on ").unwrap_or_else(|| panic!("{banner}"));
    // A person presses Ctrl-C once the collector answers (its SIGINT handler is installed on its first line, so
    // an earlier Ctrl-C would be a clean stop too).
    while reqwest::blocking::get(format!("{url}/healthz")).is_err() {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let interrupted = Command::new("kill").args(["-INT", "--", &format!("-{}", child.id())]).status().unwrap();
    assert!(interrupted.success());
    assert_eq!(lines.next().map(Result::unwrap).as_deref(), Some("removed"), "the block ran to its end");
    assert!(child.wait().unwrap().success());
}

/// A submission through `base` (challenge and POST), from a device of its own; the 201's answer.
fn submit_via(client: &Client, base: &str, email: &str, device: u8) -> SubmissionAccepted {
    let config: WidgetConfig = client.get(format!("{base}/v1/sites/{SITE}/config")).send().unwrap().json().unwrap();
    let answer = client.get(format!("{base}/v1/challenge?site={SITE}")).send().unwrap();
    assert_eq!(answer.status().as_u16(), 200, "challenge via {base}");
    let token = answer.json::<serde_json::Value>().unwrap()["token"].as_str().unwrap().to_owned();
    let device = Device::new(device);
    let envelope = device.seal(&Alumnus::new(email).submission(&config, token, &device.jwk));
    let response = client
        .post(format!("{base}/v1/submissions"))
        .header("content-type", "application/json")
        .header("origin", ORIGIN)
        .body(serde_json::to_vec(&envelope).unwrap())
        .send()
        .unwrap();
    assert_eq!(response.status().as_u16(), 201, "submission of {email} via {base}");
    response.json().unwrap()
}

fn key_of(file: &Path) -> CollectorKey {
    CollectorKey::from_seed(std::fs::read(file).unwrap().try_into().unwrap())
}

/// The SQLSTATE of a statement run as `url`'s role (None: it succeeded).
fn refused(url: &str, sql: &str) -> Option<SqlState> {
    let mut db = postgres::Client::connect(url, postgres::NoTls).unwrap();
    db.batch_execute(sql).err().map(|e| e.code().cloned().unwrap_or(SqlState::INTERNAL_ERROR))
}

#[test]
fn the_collector_runs_as_a_role_that_cannot_change_the_ledger() {
    let pg = PgCluster::start();
    let (_, app) = least_privilege(&pg);
    let outbox = tempfile::tempdir().unwrap();
    let c = Collector::start(&["--database", &app, "--outbox", outbox.path().to_str().unwrap()]);
    let record = submit_via(&c.client, &c.base, "marie.curie@example.org", 3).record_id.0;
    let second = submit_via(&c.client, &c.base, "ada.lovelace@example.org", 4).record_id.0;
    // The mail sender claims the confirmation emails, writes them and deletes them from the queue.
    let mut db = pg.client("consent");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while db.query_one("SELECT count(*) FROM mail_queue", &[]).unwrap().get::<_, i64>(0) > 0 {
        assert!(std::time::Instant::now() < deadline, "the mail queue never emptied");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let token = links::sign(&c.key(), LinkKind::Confirm, SITE, &record, now_ms(), 7);
    assert_eq!(c.client.post(links::url(&c.base, LinkKind::Confirm, &token)).send().unwrap().status().as_u16(), 200);
    let manage = |id: &str| {
        links::url(&c.base, LinkKind::Manage, &links::sign(&c.key(), LinkKind::Manage, SITE, id, now_ms(), 90))
    };
    assert_eq!(crate::changes::save_choices(&c, &manage(&record), &["community"]).status().as_u16(), 200);
    let erased = c.client.post(format!("{}/erase", manage(&second))).form(&[("confirm", "yes")]).send().unwrap();
    assert_eq!(erased.status().as_u16(), 200, "erasure");
    let export = run_ok(&c, &["export", "--database", &app, "--purpose", "community"]);
    assert!(export.contains("marie.curie@example.org"), "{export}");
    let added = run_ok(&c, &["staff", "add", "dpo@example.org", "--role", "admin", "--database", &app]);
    assert!(added.contains("account created"), "{added}");
    let later = collector::clock::rfc3339(now_ms() + 3 * 366 * 86_400_000);
    let purged = run_ok(&c, &["purge", "--database", &app, "--now", &later]);
    assert!(purged.contains("purge done"), "{purged}");
    let held: i64 = db.query_one("SELECT count(*) FROM record_data", &[]).unwrap().get(0);
    assert_eq!(held, 0, "the personal data left after the retention pass: {purged}");
    let verified = run_ok(&c, &["verify", "--database", &app]);
    // submitted ×2, confirmed, changed, erased, then the retention pass's events.
    assert!(verified.contains("ledger OK") && verified.contains("audit log OK: 1 entries"), "{verified}");

    let events: i64 = db.query_one("SELECT count(*) FROM events", &[]).unwrap().get(0);
    let denied = SqlState::INSUFFICIENT_PRIVILEGE;
    for sql in [
        "DELETE FROM events",
        "UPDATE events SET body = body",
        "TRUNCATE events",
        "DELETE FROM staff_audit",
        "UPDATE staff_audit SET body = body",
        "TRUNCATE staff_audit",
        "CREATE TABLE intruder (a int)",
        "ALTER TABLE events DISABLE TRIGGER events_append_only",
        "DROP TRIGGER events_append_only ON events",
    ] {
        assert_eq!(refused(&app, sql), Some(denied.clone()), "as consent_app: {sql}");
    }
    // Even the owner cannot change an event without first disabling the trigger on purpose.
    assert_eq!(refused(&as_role(&pg, "consent", "consent_owner"), "DELETE FROM events"), Some(denied));
    assert_eq!(db.query_one("SELECT count(*) FROM events", &[]).unwrap().get::<_, i64>(0), events);
}

#[test]
fn an_upgrade_migrates_as_the_owner_and_the_collector_role_cannot() {
    let pg = PgCluster::start();
    psql(&pg.url("postgres"), &guide("roles.sql", &[]));
    let owner = as_role(&pg, "consent", "consent_owner");
    let app = as_role(&pg, "consent", "consent_app");
    // A database left by an older release: only the first migration applied.
    let first = include_str!("../src/storage/postgres/migrations/0001_init.sql");
    psql(
        &owner,
        &format!(
            "{first}\nCREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL);\n\
             INSERT INTO schema_migrations VALUES (1, 0);\nGRANT SELECT ON ALL TABLES IN SCHEMA public TO consent_app;"
        ),
    );
    // The new binary as consent_app refuses to start: it may not migrate.
    let data = tempfile::tempdir().unwrap();
    let mut serve = Command::new(env!("CARGO_BIN_EXE_collector"))
        .args(["serve", "--config", CONFIG, "--listen", "127.0.0.1:0", "--database", &app, "--data"])
        .arg(data.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let status = loop {
        if let Some(status) = serve.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = serve.kill();
            panic!("collector serve as consent_app started on a database that needs a migration");
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut serve.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(!status.success() && stderr.contains("permission denied for schema public"), "{stderr}");

    let migrated = shell(&guide("migrate.sh", &[]), &[("OWNER_URL", &owner)]);
    assert!(migrated.contains("ledger OK: 0 events"), "{migrated}");
    let mut db = pg.client("consent");
    let version: i32 = db.query_one("SELECT max(version) FROM schema_migrations", &[]).unwrap().get(0);
    assert!(version >= 2, "migrations applied up to {version}");
    psql(&owner, &guide("grants.sql", &[]));
    let c = Collector::start(&["--database", &app]);
    submit_via(&c.client, &c.base, "marie.curie@example.org", 5);
    assert!(
        run_ok(&c, &["staff", "add", "dpo@example.org", "--role", "admin", "--database", &app]).contains("created")
    );
}

/// A test CA and a certificate it signs for `name` (what certbot would give): (CA, certificate, key).
fn certificate(dir: &Path, name: &str) -> [std::path::PathBuf; 3] {
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2"];
    let (subject, san) = (format!("/CN={name}"), format!("subjectAltName=DNS:{name}"));
    for args in [
        vec!["-keyout", "ca.key", "-out", "ca.crt", "-subj", "/CN=operating test CA"],
        vec!["-CA", "ca.crt", "-CAkey", "ca.key", "-keyout", "site.key", "-out", "site.crt", "-subj", &subject],
    ] {
        let leaf = ["-addext", &san, "-addext", "basicConstraints=critical,CA:FALSE"];
        let extra: &[&str] = if args[0] == "-CA" { &leaf } else { &[] };
        let mut openssl = Command::new("openssl");
        let out = openssl.args(["req", "-x509"]).args(ec).args(&args).args(extra).current_dir(dir).output();
        let out = out.expect("openssl");
        assert!(out.status.success(), "openssl: {}", String::from_utf8_lossy(&out.stderr));
    }
    ["ca.crt", "site.crt", "site.key"].map(|f| dir.join(f))
}

/// Debian's nginx in the foreground with a configuration in a folder of its own; stopped on drop.
struct Nginx(std::process::Child);

impl Nginx {
    /// Checks (`nginx -t`) and starts nginx serving `site` (the guide's server blocks), once it accepts on `ready`.
    fn start(dir: &Path, site: &str, ready: std::net::SocketAddr) -> Nginx {
        let root = dir.display();
        write(dir, "site.conf", site);
        let main = format!(
            "daemon off;\nmaster_process off;\npid {root}/nginx.pid;\nerror_log {root}/error.log;\n\
             events {{ worker_connections 256; }}\nhttp {{\n    access_log {root}/access.log;\n    \
             client_body_temp_path {root}/body;\n    proxy_temp_path {root}/proxy;\n    fastcgi_temp_path {root}/fastcgi;\n    \
             uwsgi_temp_path {root}/uwsgi;\n    scgi_temp_path {root}/scgi;\n    include {root}/site.conf;\n}}\n"
        );
        let conf = write(dir, "nginx.conf", &main);
        let nginx = ["/usr/sbin/nginx", "nginx"].into_iter().find(|p| Command::new(p).arg("-v").output().is_ok());
        let nginx = nginx.expect("nginx (Debian's nginx-light: `cargo xtask test` installs it)");
        let args = |test: bool| {
            let mut c = Command::new(nginx);
            c.arg("-p").arg(dir).arg("-e").arg(dir.join("error.log")).arg("-c").arg(&conf);
            if test {
                c.arg("-t");
            }
            c
        };
        let checked = args(true).output().unwrap();
        assert!(checked.status.success(), "nginx -t: {}", String::from_utf8_lossy(&checked.stderr));
        let child = args(false).stdout(Stdio::null()).stderr(Stdio::inherit()).spawn().unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while std::net::TcpStream::connect(ready).is_err() {
            assert!(std::time::Instant::now() < deadline, "nginx never listened on {ready}");
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        Nginx(child)
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `collector_submissions_accepted_total` on a collector's metrics listener.
fn accepted_count(metrics: &str) -> u64 {
    let text = reqwest::blocking::get(format!("http://{metrics}/metrics")).unwrap().text().unwrap();
    let line = text.lines().find(|l| l.starts_with("collector_submissions_accepted_total ")).unwrap();
    line.rsplit(' ').next().unwrap().parse().unwrap()
}

#[test]
fn nginx_with_tls_in_front_of_two_collectors() {
    let pg = PgCluster::start();
    let (_, app) = least_privilege(&pg);
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("collector-key.seed");
    shell(&guide("key.sh", &[("/etc/consent-collector/collector-key.seed", key.to_str().unwrap())]), &[]);
    let metrics = [free_port(), free_port()].map(|p| format!("127.0.0.1:{p}"));
    // The proxy is 127.0.0.1 as the collectors see it; clients come from other loopback addresses.
    let start = |metrics: &str| {
        Collector::start(&[
            "--database",
            &app,
            "--key-file",
            key.to_str().unwrap(),
            "--public-url",
            "https://consent.example.org",
            "--trusted-proxy",
            "127.0.0.1",
            "--ip-rate-limit",
            "8",
            "--email-rate-limit",
            "0",
            "--metrics-listen",
            metrics,
        ])
    };
    let (a, mut b) = (start(&metrics[0]), start(&metrics[1]));
    let port = |c: &Collector| c.base.rsplit(':').next().unwrap().to_owned();
    let [ca, crt, site_key] = certificate(dir.path(), "consent.example.org");
    let (https, http) = (free_port(), free_port());
    let proxy_conf = dir.path().join("consent-proxy.conf");
    write(dir.path(), "consent-proxy.conf", &guide("consent-proxy.conf", &[]));
    let site = guide(
        "nginx.conf",
        &[
            ("server 10.0.0.11:8787", &format!("server 127.0.0.1:{}", port(&a))),
            ("server 10.0.0.12:8787", &format!("server 127.0.0.1:{}", port(&b))),
            ("listen [::]:80;\n", ""),
            ("listen [::]:443 ssl http2;\n", ""),
            ("listen 80;", &format!("listen 127.0.0.2:{http};")),
            ("listen 443 ssl http2;", &format!("listen 127.0.0.2:{https} ssl http2;")),
            ("/etc/letsencrypt/live/consent.example.org/fullchain.pem", crt.to_str().unwrap()),
            ("/etc/letsencrypt/live/consent.example.org/privkey.pem", site_key.to_str().unwrap()),
            ("/etc/nginx/consent-proxy.conf", proxy_conf.to_str().unwrap()),
        ],
    );
    let edge: std::net::SocketAddr = format!("127.0.0.2:{https}").parse().unwrap();
    let _nginx = Nginx::start(dir.path(), &site, edge);
    let ca = reqwest::Certificate::from_pem(&std::fs::read(ca).unwrap()).unwrap();
    let client_from = |last: u8| {
        Client::builder()
            .resolve("consent.example.org", edge)
            .add_root_certificate(ca.clone())
            .local_address(std::net::IpAddr::from([127, 0, 0, last]))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
    };
    let base = format!("https://consent.example.org:{https}");
    let public = key_of(&key).public();

    let mut answers = Vec::new();
    for i in 0..10u8 {
        answers.push(submit_via(&client_from(10 + i), &base, &format!("proxy-{i}@example.org"), 10 + i));
    }
    let (on_a, on_b) = (accepted_count(&metrics[0]), accepted_count(&metrics[1]));
    assert!(on_a > 0 && on_b > 0 && on_a + on_b == 10, "both collectors get traffic: {on_a} + {on_b}");

    // The per-IP limit counts each client, not the proxy: one is refused, another is still served.
    let hammer = client_from(90);
    let challenge = format!("{base}/v1/challenge?site={SITE}");
    let served = (0..24).filter(|_| hammer.get(&challenge).send().unwrap().status().as_u16() == 200).count();
    assert!((9..=16).contains(&served), "one client, 2 collectors × 8 a minute: {served} challenges served");
    let spoofed = hammer.get(&challenge).header("x-forwarded-for", "203.0.113.7").send().unwrap();
    assert_eq!(spoofed.status().as_u16(), 429, "a client's own X-Forwarded-For is replaced by nginx");
    assert_eq!(client_from(91).get(&challenge).send().unwrap().status().as_u16(), 200, "another client");

    // Confirmation links signed by either collector work through the proxy.
    let token = links::sign(&key_of(&key), LinkKind::Confirm, SITE, &answers[1].record_id.0, now_ms(), 7);
    assert_eq!(
        client_from(92).post(links::url(&base, LinkKind::Confirm, &token)).send().unwrap().status().as_u16(),
        200
    );
    assert_eq!(client_from(92).get(format!("{base}/metrics")).send().unwrap().status().as_u16(), 404);
    let redirect = client_from(92).get(format!("http://consent.example.org:{http}/healthz")).send();
    let redirect = redirect.unwrap_or_else(|_| panic!("plain HTTP on {http}"));
    assert_eq!(redirect.status().as_u16(), 301);

    // A stopped collector (an upgrade, a crash) is skipped: every submission still succeeds.
    b.stop();
    for i in 0..10u8 {
        answers.push(submit_via(&client_from(30 + i), &base, &format!("after-{i}@example.org"), 30 + i));
    }
    assert_eq!(accepted_count(&metrics[0]) + on_b, 20, "every 201 counted once");

    let mut db = pg.client("consent");
    for answer in &answers {
        public.verify_receipt(&answer.receipt).unwrap();
        let id = &answer.record_id.0;
        let held: i64 = db
            .query_one("SELECT count(*) FROM events WHERE (body::jsonb) ->> 'record_id' = $1 AND (body::jsonb) ->> 'kind' = 'submitted'", &[id])
            .unwrap()
            .get(0);
        assert_eq!(held, 1, "record {id} in the ledger");
    }
    assert!(run_ok(&a, &["verify", "--database", &app]).contains("ledger OK: 21 events"));
}

/// Submissions to `base` from another thread until the returned flag is set; the thread gives their count.
fn traffic(base: &str) -> (std::sync::Arc<std::sync::atomic::AtomicBool>, std::thread::JoinHandle<usize>) {
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (flag, base) = (stop.clone(), base.to_owned());
    let thread = std::thread::spawn(move || {
        let client = Client::new();
        let mut sent = 0;
        while !flag.load(std::sync::atomic::Ordering::Relaxed) && sent < 200 {
            submit_via(&client, &base, &format!("during-{sent}@example.org"), 60);
            sent += 1;
        }
        sent
    });
    (stop, thread)
}

/// Submissions whose 201 answers are kept as files, as an alumnus keeps a receipt.
fn receipts(c: &Collector, dir: &Path, n: u8) -> Vec<std::path::PathBuf> {
    (0..n)
        .map(|i| {
            let answer = submit_via(&c.client, &c.base, &format!("kept-{i}@example.org"), 40 + i);
            write(dir, &format!("receipt-{i}.json"), &serde_json::to_string(&answer).unwrap())
        })
        .collect()
}

/// Each receipt verifies with the key and names an event of the restored ledger (`ledger` its arguments).
fn receipts_verify(c: &Collector, files: &[std::path::PathBuf], key: &str, ledger: &[&str]) {
    for file in files {
        let mut args = vec!["receipt", "verify", file.to_str().unwrap(), "--key", key];
        args.extend_from_slice(ledger);
        let out = run_ok(c, &args);
        assert!(out.contains("receipt OK") && out.contains("ledger OK: event"), "{out}");
    }
}

/// The number in `ledger OK: N events`.
fn events_in(verified: &str) -> usize {
    let after = verified.split_once("ledger OK: ").unwrap_or_else(|| panic!("{verified}")).1;
    after.split_whitespace().next().unwrap().parse().unwrap()
}

#[test]
fn a_postgres_dump_taken_while_serving_restores_and_verifies() {
    let pg = PgCluster::start();
    let (owner, app) = least_privilege(&pg);
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("collector-key.seed");
    shell(&guide("key.sh", &[("/etc/consent-collector/collector-key.seed", key.to_str().unwrap())]), &[]);
    let limits = ["--ip-rate-limit", "0", "--email-rate-limit", "0"];
    let serve = |url: &str, key: &Path| {
        let mut args = vec!["--database", url, "--key-file", key.to_str().unwrap()];
        args.extend_from_slice(&limits);
        Collector::start(&args)
    };
    let c = serve(&app, &key);
    let kept = receipts(&c, dir.path(), 6);
    let first: SubmissionAccepted = serde_json::from_str(&std::fs::read_to_string(&kept[0]).unwrap()).unwrap();
    let token = links::sign(&key_of(&key), LinkKind::Confirm, SITE, &first.record_id.0, now_ms(), 7);
    assert_eq!(c.client.post(links::url(&c.base, LinkKind::Confirm, &token)).send().unwrap().status().as_u16(), 200);

    let backups = tempfile::tempdir().unwrap();
    let (stop, during) = traffic(&c.base);
    std::thread::sleep(std::time::Duration::from_millis(300));
    let env = [
        ("OWNER_URL", owner.as_str()),
        ("BACKUPS", backups.path().to_str().unwrap()),
        ("KEY_FILE", key.to_str().unwrap()),
    ];
    shell(&guide("backup-postgres.sh", &[]), &env);
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    assert!(during.join().unwrap() > 0, "submissions arrived during the backup");
    let saved: Vec<_> = std::fs::read_dir(backups.path()).unwrap().map(|e| e.unwrap().path()).collect();
    let pick = |ext: &str| saved.iter().find(|p| p.extension().is_some_and(|e| e == ext)).unwrap().clone();
    let (dump, restored_key) = (pick("dump"), pick("seed"));

    // A fresh place: another PostgreSQL server, the roles made again, the dump restored.
    let fresh = PgCluster::start();
    psql(&fresh.url("postgres"), &guide("roles.sql", &[]));
    let (owner2, app2) = (as_role(&fresh, "consent", "consent_owner"), as_role(&fresh, "consent", "consent_app"));
    let restore = [("OWNER_URL", owner2.as_str()), ("DUMP", dump.to_str().unwrap())];
    let verified = shell(&guide("restore-postgres.sh", &[]), &restore);
    assert!(events_in(&verified) >= 7, "{verified}");
    assert!(verified.contains("audit log OK"), "{verified}");

    let restored = serve(&app2, &restored_key);
    let jwk: serde_json::Value = restored.get("/.well-known/consent-receipt-key").json().unwrap();
    let published = key_of(&key).public().to_base64url();
    assert_eq!(jwk["x"], published.as_str(), "the restored collector signs with the same key");
    receipts_verify(&restored, &kept, &published, &["--database", &app2]);
    let export = run_ok(&restored, &["export", "--database", &app2, "--purpose", "community"]);
    assert!(export.contains("kept-0@example.org"), "{export}");
    // The grants and the triggers came back with the dump.
    submit_via(&restored.client, &restored.base, "after-restore@example.org", 70);
    assert_eq!(refused(&app2, "DELETE FROM events"), Some(SqlState::INSUFFICIENT_PRIVILEGE));
}

#[test]
fn an_sqlite_backup_taken_while_serving_restores_and_verifies() {
    let c = Collector::start(&["--ip-rate-limit", "0", "--email-rate-limit", "0"]);
    let dir = tempfile::tempdir().unwrap();
    let kept = receipts(&c, dir.path(), 6);
    let backups = tempfile::tempdir().unwrap();
    let (stop, during) = traffic(&c.base);
    std::thread::sleep(std::time::Duration::from_millis(300));
    let data = c.data();
    let env = [("DATA", data.to_str().unwrap()), ("BACKUPS", backups.path().to_str().unwrap())];
    shell(&guide("backup-sqlite.sh", &[]), &env);
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    assert!(during.join().unwrap() > 0, "submissions arrived during the backup");

    let fresh = tempfile::tempdir().unwrap();
    let restored = fresh.path().join("data");
    let env = [("DATA", restored.to_str().unwrap()), ("BACKUPS", backups.path().to_str().unwrap())];
    let verified = shell(&guide("restore-sqlite.sh", &[]), &env);
    assert!(events_in(&verified) >= 6, "{verified}");
    let published = c.key().public().to_base64url();
    receipts_verify(&c, &kept, &published, &["--data", restored.to_str().unwrap()]);
}

/// §4's unit, checked by `systemd-analyze verify` (no warning either): unknown keys, bad system-call groups, a
/// missing program. Where systemd's tools are not installed, it says so and checks nothing.
#[test]
fn the_systemd_unit_passes_systemd_analyze_verify() {
    if Command::new("systemd-analyze").arg("--version").output().is_err() {
        eprintln!("systemd-analyze is not installed: the unit of docs/operating.md §4 is not checked here");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let unit = guide("consent-collector.service", &[("/usr/local/bin/collector", env!("CARGO_BIN_EXE_collector"))]);
    let file = write(dir.path(), "consent-collector.service", &unit);
    let out = Command::new("systemd-analyze").arg("verify").arg(&file).output().unwrap();
    let said = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success() && said.trim().is_empty(), "systemd-analyze verify: {said}");
    // The check can fail: a misspelt key is reported.
    let typo = write(dir.path(), "typo.service", &unit.replace("ProtectClock=", "ProtectClok="));
    let out = Command::new("systemd-analyze").arg("verify").arg(&typo).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("ProtectClok"));
}

/// §8: the guide's rotation on the shared key file, then a restart: receipts and manage links made under the old
/// key still verify, the new key is the one published and signing, and the JWK Set lists both.
#[test]
fn a_rotated_key_keeps_old_receipts_and_links_valid() {
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("collector-key.seed");
    let seed = key_file.to_str().unwrap();
    shell(&guide("key.sh", &[("/etc/consent-collector/collector-key.seed", seed)]), &[]);
    let mut c = Collector::start(&["--key-file", seed]);
    let kept = receipts(&c, dir.path(), 2);
    let first: SubmissionAccepted = serde_json::from_str(&std::fs::read_to_string(&kept[0]).unwrap()).unwrap();
    let old = key_of(&key_file);
    let manage = |key: &CollectorKey, base: &str| {
        links::url(base, LinkKind::Manage, &links::sign(key, LinkKind::Manage, SITE, &first.record_id.0, now_ms(), 90))
    };
    let old_link = manage(&old, &c.base);
    assert_eq!(c.client.get(&old_link).send().unwrap().status().as_u16(), 200);

    shell(&guide("rotate.sh", &[("/etc/consent-collector/collector-key.seed", seed)]), &[]);
    c.restart();
    let new = key_of(&key_file);
    assert_ne!(new.public(), old.public(), "a new key");
    let jwk: serde_json::Value = c.get("/.well-known/consent-receipt-key").json().unwrap();
    assert_eq!(jwk["x"], new.public().to_base64url().as_str(), "the new key is published");
    let jwks = c.get("/.well-known/consent-receipt-keys").text().unwrap();
    let keys = write(dir.path(), "keys.json", &jwks);
    let data = c.data();
    receipts_verify(&c, &kept, &old.public().to_base64url(), &["--data", data.to_str().unwrap()]);
    for receipt in &kept {
        let out = run_ok(&c, &["receipt", "verify", receipt.to_str().unwrap(), "--keys", keys.to_str().unwrap()]);
        assert!(out.contains("receipt OK"), "{out}");
    }
    let against_new =
        c.command(&["receipt", "verify", kept[0].to_str().unwrap(), "--key", &new.public().to_base64url()]);
    assert_eq!(against_new.status.code(), Some(1), "{}", String::from_utf8_lossy(&against_new.stdout));
    let old_link = old_link.replace(old_link.split("/manage/").next().unwrap(), &c.base);
    assert_eq!(c.client.get(&old_link).send().unwrap().status().as_u16(), 200, "an old manage link after rotation");
    assert_eq!(c.client.get(manage(&new, &c.base)).send().unwrap().status().as_u16(), 200);
}
