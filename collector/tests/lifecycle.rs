//! The consent lifecycle (issue 5): double opt-in through a real SMTP server, the manage page, the subject's
//! rights, the queue surviving outages, retention with a moved clock, and markup shown as text everywhere.

use crate::util::*;
use collector::links::{self, LinkKind};
use consent::protocol::SubmissionAccepted;

const XSS: &str = "<img src=x onerror=alert(1)>";

fn submit(c: &Collector, device: &Device, email: &str, first_name: &str) -> String {
    let p = submission(c, device, email, first_name);
    let response = c.post_envelope("/v1/submissions", &device.seal(&p));
    assert_eq!(response.status().as_u16(), 201);
    response.json::<SubmissionAccepted>().unwrap().record_id.0
}

fn status_of(c: &Collector, record: &str) -> String {
    c.db().query_row("SELECT status FROM records WHERE record_id = ?1", [record], |r| r.get(0)).unwrap()
}

fn assert_verifies(c: &Collector) {
    let (ok, out) = c.verify();
    assert!(ok, "{out}");
}

#[test]
fn confirm_by_email_then_change_download_and_erase() {
    let mut sink = SmtpSink::new(free_port());
    sink.start();
    let smtp = format!("smtp://127.0.0.1:{}", sink.port);
    let c = Collector::start(&["--smtp", &smtp, "--mail-from", "contact@association-exemple.fr"]);
    let device = Device::new(7);
    let record = submit(&c, &device, "marie.curie@example.org", XSS);

    // The confirmation email: French, names the controller and the purposes, markup as text.
    let mail = &sink.wait_for(1)[0];
    assert_eq!(mail.to, ["marie.curie@example.org"]);
    assert!(mail.subject.starts_with("Confirmez votre demande"), "{}", mail.subject);
    assert!(mail.text.contains(&format!("Bonjour {XSS},")));
    assert!(mail.text.contains("Association des diplômés de l'École Exemple"));
    assert!(mail.text.contains("Recevoir des offres d'emploi"));
    assert!(!mail.text.contains("Être invité(e) aux événements"), "events was not ticked");
    assert!(mail.html.contains("Bonjour &lt;img src=x onerror=alert(1)&gt;,"));
    assert!(!mail.html.contains("<img"));
    let confirm = mail.link("/confirm/");
    let manage = mail.link("/manage/");

    // Pending: nothing exported. Following the link shows a button; only the POST confirms.
    assert_eq!(c.export("community").lines().count(), 1, "header only");
    let page = c.client.get(&confirm).send().unwrap();
    assert_eq!(page.status().as_u16(), 200);
    assert!(page.text().unwrap().contains("<form method=\"post\""));
    assert_eq!(status_of(&c, &record), "pending");
    let done = c.client.post(&confirm).send().unwrap();
    assert_eq!(done.status().as_u16(), 200);
    assert!(done.text().unwrap().contains("confirmé"));
    assert_eq!(status_of(&c, &record), "confirmed");
    assert_eq!(c.event_kinds(), ["submitted", "confirmed"]);
    let csv = c.export("community");
    assert!(csv.starts_with('\u{feff}'));
    assert!(csv.contains("marie.curie@example.org") && csv.contains(XSS), "{csv}");
    assert!(c.export("jobs").contains("marie.curie@example.org"));
    assert!(!c.export("events").contains("marie.curie@example.org"));
    assert_verifies(&c);

    // The manage page: the name as text, the current choices ticked, no script.
    let html = c.client.get(&manage).send().unwrap().text().unwrap();
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert!(!html.contains("<img") && !html.contains("<script"));
    assert!(html.contains("value=\"community\" id=\"p-community\" checked"));
    assert!(html.contains("value=\"jobs\" id=\"p-jobs\" checked"));
    assert!(html.contains("value=\"events\" id=\"p-events\">"));

    // Change: keep community, drop jobs.
    let saved = crate::changes::save_choices(&c, &manage, &["community"]);
    assert_eq!(saved.status().as_u16(), 200);
    let html = saved.text().unwrap();
    assert!(html.contains("Vos choix sont enregistrés"));
    assert!(html.contains("value=\"jobs\" id=\"p-jobs\">"));
    assert_eq!(c.event_kinds(), ["submitted", "confirmed", "changed"]);
    assert!(c.export("community").contains("marie.curie@example.org"));
    assert!(!c.export("jobs").contains("marie.curie@example.org"));
    assert_verifies(&c);

    // Download everything held (art. 20).
    let download = c.client.get(format!("{manage}/data.json")).send().unwrap();
    assert!(download.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
    let held: serde_json::Value = download.json().unwrap();
    assert_eq!(held["email"], "marie.curie@example.org");
    assert_eq!(held["records"][0]["submission"]["subject"]["first_name"], XSS);
    assert_eq!(held["records"][0]["status"], "confirmed");
    let granted: Vec<&str> = held["consents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["granted"] == true)
        .map(|c| c["purpose"].as_str().unwrap())
        .collect();
    assert_eq!(granted, ["community"]);

    // Access by email: the same answer for a known and an unknown address; the known one gets a link.
    let ask = |email: &str| {
        let r =
            c.client.post(c.url("/v1/access")).json(&serde_json::json!({"site": SITE, "email": email})).send().unwrap();
        (r.status().as_u16(), r.text().unwrap())
    };
    assert_eq!(ask("marie.curie@example.org"), ask("nobody@example.org"));
    let mails = sink.wait_for(2);
    assert!(mails[1].subject.starts_with("Gérer vos données"));
    assert!(mails[1].link("/manage/").contains("/manage/"));
    assert_eq!(mails.len(), 2, "nothing sent to the unknown address");

    // Erase (art. 17): the box must be ticked; then the data are gone and the chain still verifies.
    let refused = c.client.post(format!("{manage}/erase")).form(&[("x", "y")]).send().unwrap();
    assert!(refused.text().unwrap().contains("Cochez la case"));
    assert_eq!(c.count("SELECT count(*) FROM record_data"), 1);
    let erased = c.client.post(format!("{manage}/erase")).form(&[("confirm", "yes")]).send().unwrap();
    let html = erased.text().unwrap();
    assert!(html.contains("Vos données ont été effacées") && html.contains("Nous ne détenons plus"));
    assert_eq!(c.event_kinds(), ["submitted", "confirmed", "changed", "erased"]);
    assert_eq!(c.count("SELECT count(*) FROM record_data"), 0);
    assert_eq!(c.count("SELECT count(*) FROM subjects WHERE email IS NOT NULL"), 0);
    assert_eq!(status_of(&c, &record), "erased");
    assert_eq!(c.export("community").lines().count(), 1, "header only");
    assert_verifies(&c);
    // The download now holds nothing personal.
    let held: serde_json::Value = c.client.get(format!("{manage}/data.json")).send().unwrap().json().unwrap();
    assert!(held["email"].is_null() && held["records"][0]["submission"].is_null());
}

#[test]
fn the_email_queue_survives_smtp_down_and_a_collector_restart() {
    let mut sink = SmtpSink::new(free_port());
    let smtp = format!("smtp://127.0.0.1:{}", sink.port);
    let mut c = Collector::start(&["--smtp", &smtp]);
    let device = Device::new(7);
    submit(&c, &device, "marie.curie@example.org", "Marie");
    // The SMTP server is down: the submission was accepted, the email waits after a failed attempt.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while c.count("SELECT coalesce(max(attempts), 0) FROM mail_queue") < 1 {
        assert!(std::time::Instant::now() < deadline, "no delivery attempt");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    // Crash the collector, bring SMTP up, start again: the queued email is delivered.
    c.stop();
    assert_eq!(c.count("SELECT count(*) FROM mail_queue"), 1);
    sink.start();
    c.restart();
    let mail = &sink.wait_for(1)[0];
    assert!(mail.text.contains("/confirm/"));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while c.count("SELECT count(*) FROM mail_queue") != 0 {
        assert!(std::time::Instant::now() < deadline, "the queue was not emptied");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

#[test]
fn purge_expires_pending_records_and_ends_consents_after_retention() {
    let c = Collector::start(&[]);
    let device = Device::new(7);
    let pending = submit(&c, &device, "pending@example.org", "Paul");
    let mut p = submission(&c, &device, "kept@example.org", "Kim");
    p.choices.insert("events".into(), true);
    let kept = c.post_envelope("/v1/submissions", &device.seal(&p)).json::<SubmissionAccepted>().unwrap().record_id.0;
    let token = links::sign(&c.key(), LinkKind::Confirm, SITE, &kept, now_ms(), 7);
    assert_eq!(c.client.post(links::url(&c.base, LinkKind::Confirm, &token)).send().unwrap().status().as_u16(), 200);
    let data = c.data();
    let purge = |days: i64| {
        let at = collector::clock::rfc3339(now_ms() + days * 86_400_000);
        let out = c.command(&["purge", "--data", data.to_str().unwrap(), "--now", &at]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };

    // Six days on: nothing yet.
    assert!(purge(6).contains("0 pending records expired"));
    assert_eq!(status_of(&c, &pending), "pending");
    // Eight days on: the unconfirmed record expires and its subject's data go.
    assert!(purge(8).contains("1 pending records expired"), "purge output");
    assert_eq!(status_of(&c, &pending), "expired");
    assert_eq!(c.count("SELECT count(*) FROM subjects WHERE email = 'pending@example.org'"), 0);
    assert_eq!(c.count("SELECT count(*) FROM record_data"), 1);
    assert_eq!(status_of(&c, &kept), "confirmed");
    assert!(c.export("events").contains("kept@example.org"));

    // Eighteen months on: `events` (one year) has ended, `community` and `jobs` (two years) go on.
    let out = purge(548);
    assert!(out.contains("1 consents ended") && out.contains("0 subjects anonymised"), "{out}");
    assert!(!c.export("events").contains("kept@example.org"));
    assert!(c.export("community").contains("kept@example.org"));
    // Three years on: nothing left to keep; the subject is anonymised, the chain verifies.
    let out = purge(3 * 365);
    assert!(out.contains("2 consents ended") && out.contains("1 subjects anonymised"), "{out}");
    assert!(!c.export("community").contains("kept@example.org"));
    assert_eq!(c.count("SELECT count(*) FROM record_data"), 0);
    assert_eq!(c.count("SELECT count(*) FROM subjects WHERE email IS NOT NULL"), 0);
    let kinds = c.event_kinds();
    assert_eq!(kinds.iter().filter(|k| *k == "expired").count(), 3, "{kinds:?}");
    assert_verifies(&c);
}

#[test]
fn stats_suppress_small_cells() {
    let c = Collector::start(&[]);
    let device = Device::new(7);
    for i in 0..6 {
        let mut p = submission(&c, &device, &format!("a{i}@example.org"), "A");
        if i == 5 {
            p.subject.insert("promo".into(), "2001".into());
        }
        let id = c.post_envelope("/v1/submissions", &device.seal(&p)).json::<SubmissionAccepted>().unwrap().record_id.0;
        let token = links::sign(&c.key(), LinkKind::Confirm, SITE, &id, now_ms(), 7);
        assert_eq!(
            c.client.post(links::url(&c.base, LinkKind::Confirm, &token)).send().unwrap().status().as_u16(),
            200
        );
    }
    // One more, pending: never counted.
    submit(&c, &device, "pending@example.org", "P");
    let out = c.command(&["stats", "--data", c.data().to_str().unwrap(), "--json"]);
    assert!(out.status.success());
    let stats: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(stats["subjects"], "6");
    assert_eq!(stats["tables"]["purpose"]["community"], "6");
    assert_eq!(stats["tables"]["promo"]["2015"], "5");
    assert_eq!(stats["tables"]["promo"]["2001"], "< 5");
    assert_eq!(stats["tables"]["page"]["/portrait/marie/"], "6");
    assert!(stats["tables"]["purpose"].get("events").is_none());
}

#[test]
fn pages_forbid_scripts_framing_and_referrers() {
    let c = Collector::start(&[]);
    let device = Device::new(7);
    let record = submit(&c, &device, "marie.curie@example.org", "Marie");
    let token = links::sign(&c.key(), LinkKind::Manage, SITE, &record, now_ms(), 90);
    let page = c.client.get(links::url(&c.base, LinkKind::Manage, &token)).send().unwrap();
    assert_eq!(page.status().as_u16(), 200);
    let csp = page.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(page.headers()["referrer-policy"], "no-referrer");
    // A forged or expired link is refused, in words.
    let forged = links::sign(
        &consent::signature::CollectorKey::from_seed([3; 32]),
        LinkKind::Manage,
        SITE,
        &record,
        now_ms(),
        90,
    );
    let refused = c.client.get(links::url(&c.base, LinkKind::Manage, &forged)).send().unwrap();
    assert_eq!(refused.status().as_u16(), 401);
    assert!(refused.text().unwrap().contains("Ce lien est invalide ou a expiré"));
    let expired = links::sign(&c.key(), LinkKind::Manage, SITE, &record, now_ms() - 100 * 86_400_000, 90);
    let refused = c.client.get(links::url(&c.base, LinkKind::Manage, &expired)).send().unwrap();
    assert_eq!(refused.status().as_u16(), 401);
    // The page offers a new link by email, without JavaScript; asking answers the same for any address.
    let html = refused.text().unwrap();
    assert!(html.contains("action=\"/access\"") && html.contains("value=\"association-exemple\""), "{html}");
    let ask = |email: &str| {
        let r = c.client.post(c.url("/access")).form(&[("site", SITE), ("email", email)]).send().unwrap();
        (r.status().as_u16(), r.text().unwrap())
    };
    let known = ask("marie.curie@example.org");
    assert_eq!(known.0, 200);
    assert!(known.1.contains("Si cette adresse est connue"));
    assert_eq!(known, ask("nobody@example.org"));
    // The lookup and the email come after the answer (so that its time says nothing): wait for them.
    let queued = test_kit::wait_until(std::time::Duration::from_secs(10), || {
        (c.count("SELECT count(*) FROM mail_queue") == 2).then_some(())
    });
    assert!(queued.is_some(), "confirmation + the new manage link: {}", c.count("SELECT count(*) FROM mail_queue"));
    // A confirmation token does not open the manage page.
    let confirm = links::sign(&c.key(), LinkKind::Confirm, SITE, &record, now_ms(), 7);
    assert_eq!(c.client.get(links::url(&c.base, LinkKind::Manage, &confirm)).send().unwrap().status().as_u16(), 401);
}

#[test]
fn an_english_form_gets_english_emails_and_pages() {
    let mut sink = SmtpSink::new(free_port());
    sink.start();
    let smtp = format!("smtp://127.0.0.1:{}", sink.port);
    let c = Collector::start(&["--smtp", &smtp]);
    let device = Device::new(7);
    let mut p = submission(&c, &device, "ada@example.org", "Ada");
    p.locale = consent::Locale::En;
    assert_eq!(c.post_envelope("/v1/submissions", &device.seal(&p)).status().as_u16(), 201);
    let mail = &sink.wait_for(1)[0];
    assert!(mail.subject.starts_with("Confirm your request"), "{}", mail.subject);
    assert!(mail.text.starts_with("Hello Ada,") && mail.text.contains("Receiving job and internship offers"));
    assert!(mail.html.contains("<html lang=\"en\">"));
    let html = c.client.get(mail.link("/manage/")).send().unwrap().text().unwrap();
    assert!(html.contains("<html lang=\"en\">") && html.contains("Your consents"));
    // Problems follow Accept-Language.
    let r = c.client.get(c.url("/v1/sites/nope/config")).header("accept-language", "en-GB,en;q=0.9").send().unwrap();
    assert_eq!(assert_problem(r, 404, "unknown-site")["detail"], "This site is not set up to collect consent.");
}

/// A collector serving two sites sends each site's emails from that site's controller, in the header and the
/// envelope alike — not every site's from the first site's address (the association's, which sorts first).
#[test]
fn each_site_emails_from_its_own_controller_address() {
    let mut sink = SmtpSink::new(free_port());
    sink.start();
    let smtp = format!("smtp://127.0.0.1:{}", sink.port);
    let school = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/ecole-exemple/consent.toml");
    let c = Collector::start(&["--config", school, "--smtp", &smtp]);
    let config: consent::protocol::WidgetConfig = c.get("/v1/sites/ecole-exemple/config").json().unwrap();
    let challenge: serde_json::Value = c.get("/v1/challenge?site=ecole-exemple").json().unwrap();
    let device = Device::new(12);
    let alumnus = Alumnus {
        choices: std::collections::BTreeMap::from([("community".into(), true), ("mentoring".into(), false)]),
        ..Alumnus::new("ada@example.org")
    };
    let payload = alumnus.submission(&config, challenge["token"].as_str().unwrap().to_owned(), &device.jwk);
    let response = c.post_envelope("/v1/submissions", &device.seal(&payload));
    assert_eq!(response.status().as_u16(), 201, "{}", response.text().unwrap_or_default());
    let mail = &sink.wait_for(1)[0];
    assert_eq!(mail.mail_from, "alumni@ecole-exemple.fr", "envelope sender");
    assert!(mail.from.contains("alumni@ecole-exemple.fr"), "From: {}", mail.from);
}

/// A site's own `[collector] mail_from` names the sender of its emails, before the collector-wide `--mail-from`.
#[test]
fn a_sites_own_mail_from_wins_over_the_collectors() {
    let mut sink = SmtpSink::new(free_port());
    sink.start();
    let smtp = format!("smtp://127.0.0.1:{}", sink.port);
    let dir = tempfile::tempdir().unwrap();
    let school =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/ecole-exemple/consent.toml"))
            .unwrap()
            .replace("[collector]\n", "[collector]\nmail_from = \"reseau@ecole-exemple.fr\"\n");
    assert!(school.contains("mail_from"), "the example has a [collector] table");
    let school = write(dir.path(), "consent.toml", &school);
    let c =
        Collector::start(&["--config", school.to_str().unwrap(), "--smtp", &smtp, "--mail-from", "hote@example.net"]);
    let config: consent::protocol::WidgetConfig = c.get("/v1/sites/ecole-exemple/config").json().unwrap();
    let challenge: serde_json::Value = c.get("/v1/challenge?site=ecole-exemple").json().unwrap();
    let device = Device::new(13);
    let alumnus = Alumnus {
        choices: std::collections::BTreeMap::from([("community".into(), true), ("mentoring".into(), false)]),
        ..Alumnus::new("ada@example.org")
    };
    let payload = alumnus.submission(&config, challenge["token"].as_str().unwrap().to_owned(), &device.jwk);
    let response = c.post_envelope("/v1/submissions", &device.seal(&payload));
    assert_eq!(response.status().as_u16(), 201, "{}", response.text().unwrap_or_default());
    let mail = &sink.wait_for(1)[0];
    assert_eq!(mail.mail_from, "reseau@ecole-exemple.fr", "envelope sender");
    assert!(mail.from.contains("reseau@ecole-exemple.fr"), "From: {}", mail.from);
}
