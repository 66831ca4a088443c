//! Campaigns on the real binary (issue 14, Done when): the school example imports its graduates, `collector
//! campaign send` writes to them through a real SMTP server on loopback (aiosmtpd, which refuses one address
//! for good), one objects by the RFC 8058 one-click POST with no cookie, another gives consent through the
//! personal link of the message; the report, the ledger, the export and `collector verify` agree, and a later
//! campaign writes neither to the one who objected (re-imported, in other letters too) nor to the bounced
//! address. The association example refuses the campaign with the law's explanation. A `kill -9` in the middle
//! of a campaign sends nobody a second copy.

use crate::util::{Collector, free_port};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const EXAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples");
const HEADER: &str = "Nom;Prénom;Courriel;Promotion;Formation\r\n";
const TEMPLATE: &str = "---\nsubject: Le réseau des diplômés vous attend, {{ first_name }}\n---\nBonjour {{ first_name }} \
                        {{ last_name }},\n\nLe réseau des diplômés de **{{ controller }}** (promotion {{ promo }}) \
                        organise ses rencontres.\n";

/// The test's SMTP server: `smtp_sink.py`, refusing `reject` for good (550 at RCPT).
struct Sink {
    port: u16,
    dir: tempfile::TempDir,
    child: Child,
}

impl Sink {
    fn start(reject: &[&str]) -> Sink {
        Sink::start_with(reject, &[])
    }

    /// [`Sink::start`] with more of the sink's settings (STARTTLS, AUTH: see smtp_sink.py).
    fn start_with(reject: &[&str], settings: &[(&str, &str)]) -> Sink {
        let (port, dir) = (free_port(), tempfile::tempdir().unwrap());
        let mut child = Command::new("python3")
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/smtp_sink.py"))
            .arg(port.to_string())
            .arg(dir.path())
            .env("SMTP_SINK_REJECT", reject.join(","))
            .envs(settings.iter().copied())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 with aiosmtpd");
        let mut ready = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut ready).unwrap();
        assert_eq!(ready.trim(), "ready", "the SMTP server did not start");
        Sink { port, dir, child }
    }

    fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message received, as the sink wrote it (to, subject, text, html, headers…), in order.
    fn messages(&self) -> Vec<serde_json::Value> {
        let files: BTreeMap<PathBuf, String> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .flatten()
            .map(|entry| entry.path())
            .filter(|path| path.extension() == Some("json".as_ref()))
            .map(|path| (path.clone(), std::fs::read_to_string(path).unwrap()))
            .collect();
        files.values().map(|json| serde_json::from_str(json).unwrap()).collect()
    }

    /// The campaign messages (their subject line is the template's) to `address`.
    fn campaign_mail(&self, address: &str) -> Vec<serde_json::Value> {
        let to = serde_json::json!([address]);
        self.messages().into_iter().filter(|m| m["to"] == to && is_campaign(m)).collect()
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn is_campaign(m: &serde_json::Value) -> bool {
    m["subject"].as_str().is_some_and(|s| s.starts_with("Le réseau des diplômés"))
}

/// One header of a received message.
fn header<'m>(m: &'m serde_json::Value, name: &str) -> &'m str {
    let headers = m["headers"].as_array().unwrap();
    let found = headers.iter().find(|h| h[0].as_str().is_some_and(|n| n.eq_ignore_ascii_case(name)));
    found.and_then(|h| h[1].as_str()).unwrap_or_else(|| panic!("no {name} header in {m}"))
}

/// The first link of the text part under `path`.
fn link_in(m: &serde_json::Value, path: &str) -> String {
    let text = m["text"].as_str().unwrap();
    text.split_whitespace().find(|w| w.contains(path)).unwrap_or_else(|| panic!("no {path} link: {text}")).to_owned()
}

/// A command's outcome: status, stdout, stderr.
fn run(c: &Collector, args: &[&str]) -> (bool, String, String) {
    let data = c.data();
    let mut all = args.to_vec();
    all.extend(["--data", data.to_str().unwrap()]);
    let out = c.command(&all);
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs a command that must succeed; its stdout.
fn ok(c: &Collector, args: &[&str]) -> String {
    let (success, out, err) = run(c, args);
    assert!(success, "{args:?}: {out}{err}");
    out
}

/// Imports graduates (last name, first name, address) as the school's registrar exports them.
fn import(c: &Collector, name: &str, rows: &[(&str, &str, &str)]) -> String {
    let lines: String =
        rows.iter().map(|(last, first, email)| format!("{last};{first};{email};2015;Ingénieur\r\n")).collect();
    let file = crate::util::write(c.dir.path(), name, &format!("{HEADER}{lines}"));
    ok(c, &["import", file.to_str().unwrap(), "--site", "ecole-exemple", "--source", "Scolarité, export du 2026-09-01"])
}

/// The school example whose consent.toml names its own SMTP relay (`[collector] smtp`): campaigns must use it
/// without being told `--smtp`.
fn school(sink: &Sink) -> Collector {
    let config = std::fs::read_to_string(format!("{EXAMPLES}/ecole-exemple/consent.toml"))
        .unwrap()
        .replace("[collector]\n", &format!("[collector]\nsmtp = \"{}\"\n", sink.url()));
    let dir = tempfile::tempdir().unwrap();
    let path = crate::util::write(dir.path(), "consent.toml", &config);
    let c = Collector::start_with_config(&path, &[]);
    // The collector has stored the site: the file may go.
    drop(dir);
    c
}

/// `campaign send` of `template` to the soft opt-in audience, links to this collector.
fn send(c: &Collector, template: &Path, extra: &[&str]) -> (bool, String, String) {
    let mut args = vec!["campaign", "send", "--template", template.to_str().unwrap(), "--audience", "soft-opt-in"];
    args.extend(["--public-url", &c.base, "--rate", "0"]);
    args.extend_from_slice(extra);
    run(c, &args)
}

/// The campaign id `send` printed.
fn campaign_id(out: &str) -> String {
    let line = out.lines().find(|l| l.starts_with("campagne / campaign ")).unwrap_or_else(|| panic!("no id: {out}"));
    line["campagne / campaign ".len()..].split_whitespace().next().unwrap().to_owned()
}

fn kinds(c: &Collector, kind: &str) -> Vec<serde_json::Value> {
    let db = c.db();
    let mut stmt = db.prepare("SELECT body FROM events ORDER BY seq").unwrap();
    let bodies = stmt.query_map([], |r| r.get::<_, String>(0)).unwrap();
    bodies
        .map(|b| serde_json::from_str::<serde_json::Value>(&b.unwrap()).unwrap())
        .filter(|e| e["kind"] == kind)
        .collect()
}

/// The hidden fields of the manage page's consent form, then the purposes ticked.
fn consent_form(page: &str, purposes: &[&str]) -> Vec<(String, String)> {
    let form = &page[page.find("/consent\"").unwrap_or_else(|| panic!("no consent form: {page}"))..];
    let form = &form[..form.find("</form>").unwrap()];
    let value = |input: &str, attr: &str| {
        let at = input.find(&format!(" {attr}=\"")).map(|i| i + attr.len() + 3)?;
        Some(input[at..].chars().take_while(|c| *c != '"').collect::<String>())
    };
    let mut fields: Vec<(String, String)> = form
        .split("<input")
        .skip(1)
        .filter(|i| i.contains("type=\"hidden\""))
        .filter_map(|i| Some((value(i, "name")?, value(i, "value")?)))
        .collect();
    fields.extend(purposes.iter().map(|p| ("purpose".to_owned(), (*p).to_owned())));
    fields
}

const ANA: &str = "ana.objecte@exemple.fr";
const BRUNO: &str = "bruno.consent@exemple.fr";
const CHLOE: &str = "chloe.rebond@exemple.fr";
const DAVID: &str = "david.lit@exemple.fr";

#[test]
fn a_school_campaign_objection_consent_and_bounce_agree_everywhere() {
    let sink = Sink::start(&[CHLOE]);
    let c = school(&sink);
    import(
        &c,
        "diplomes.csv",
        &[("Objecte", "Ana", ANA), ("Consent", "Bruno", BRUNO), ("Rebond", "Chloé", CHLOE), ("Lit", "David", DAVID)],
    );
    let template = crate::util::write(c.dir.path(), "rentree.md", TEMPLATE);

    // No --smtp: the site's own relay carries the campaign.
    let (sent, out, err) = send(&c, &template, &[]);
    assert!(sent, "{out}{err}");
    let id = campaign_id(&out);
    assert!(out.contains("en file / queued : 4"), "{out}");
    let db = c.db();
    let mut queue = db
        .prepare(
            "SELECT s.email FROM campaign_recipients r JOIN subjects s ON s.subject_id = r.subject_id \
             WHERE r.campaign_id = ?1 ORDER BY r.id",
        )
        .unwrap();
    let order: Vec<String> = queue.query_map([&id], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
    assert_eq!(order, [ANA, BRUNO, CHLOE, DAVID], "the queue keeps the list's order");
    for address in [ANA, BRUNO, DAVID] {
        assert_eq!(sink.campaign_mail(address).len(), 1, "one message to {address}");
    }
    assert!(sink.campaign_mail(CHLOE).is_empty(), "the refused address received nothing");

    for address in [ANA, BRUNO, DAVID] {
        let m = &sink.campaign_mail(address)[0];
        let (text, html) = (m["text"].as_str().unwrap(), m["html"].as_str().unwrap());
        assert!(m["from"].as_str().unwrap().contains("École Exemple"), "{m}");
        assert!(
            text.contains("Responsable de traitement\u{a0}: École Exemple, 1 avenue de l'École, 69000 Lyon"),
            "{text}"
        );
        assert!(text.contains("parce que vous êtes diplômé(e) de École Exemple") && text.contains("L.34-5"), "{text}");
        assert!(text.contains("You receive this message because you graduated"), "{text}");
        let objection = link_in(m, "/objection/");
        assert!(objection.starts_with(&format!("{}/objection/", c.base)), "{objection}");
        assert_eq!(header(m, "List-Unsubscribe"), format!("<{objection}>"));
        assert_eq!(header(m, "List-Unsubscribe-Post"), "List-Unsubscribe=One-Click");
        let manage = link_in(m, "/manage/");
        assert!(manage.starts_with(&format!("{}/manage/", c.base)), "{manage}");
        assert!(
            html.contains(&format!("href=\"{objection}\"")) && html.contains(&format!("href=\"{manage}\"")),
            "{html}"
        );
        assert!(m["subject"].as_str().unwrap().ends_with(if address == ANA {
            "Ana"
        } else if address == BRUNO {
            "Bruno"
        } else {
            "David"
        }));
    }

    // Ana: a GET (a link scanner, or her click) shows a page and changes nothing; the mail client's one-click
    // POST, with no cookie (a fresh client that has none), objects at once.
    let ana = &sink.campaign_mail(ANA)[0];
    let unsubscribe = header(ana, "List-Unsubscribe").trim_matches(['<', '>']).to_owned();
    let before = (c.events(), c.count("SELECT count(*) FROM objections"));
    let page = reqwest::blocking::get(&unsubscribe).unwrap();
    assert_eq!(page.status().as_u16(), 200);
    let page = page.text().unwrap();
    assert!(
        page.contains("Ne plus recevoir ces messages") && page.contains("L.34-5") && page.contains("method=\"post\""),
        "{page}"
    );
    assert_eq!((c.events(), c.count("SELECT count(*) FROM objections")), before, "a GET changed something");
    let one_click = reqwest::blocking::Client::new()
        .post(&unsubscribe)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .unwrap();
    assert_eq!(one_click.status().as_u16(), 200);
    assert!(one_click.text().unwrap().contains("Vous ne recevrez plus ces messages de École Exemple."));
    let objected = kinds(&c, "objected");
    assert_eq!(objected.len(), 1, "{objected:?}");
    assert_eq!(objected[0]["detail"]["basis"], "soft_opt_in");
    assert_eq!(objected[0]["detail"]["via"], "list_unsubscribe");
    assert_eq!(objected[0]["detail"]["campaign"], id.as_str());
    assert_eq!(objected[0]["detail"]["purposes"], serde_json::json!(["network"]));
    assert!(!objected[0].to_string().contains("exemple.fr"), "personal data in the chain: {}", objected[0]);
    // A second click (or a retrying mail client) records nothing more.
    let again = reqwest::blocking::Client::new().post(&unsubscribe).body("List-Unsubscribe=One-Click").send().unwrap();
    assert!(again.text().unwrap().contains("C'était déjà noté"));
    assert_eq!(kinds(&c, "objected").len(), 1);

    // Bruno: the personal link of his message shows unticked boxes; he ticks `community`.
    let manage = link_in(&sink.campaign_mail(BRUNO)[0], "/manage/");
    let page = c.client.get(&manage).send().unwrap().text().unwrap();
    let form = &page[page.find("/consent\"").unwrap()..];
    assert!(!form[..form.find("</form>").unwrap()].contains("checked"), "a box is ticked in advance: {page}");
    let given = c.client.post(format!("{manage}/consent")).form(&consent_form(&page, &["community"])).send().unwrap();
    assert_eq!(given.status().as_u16(), 200);
    assert!(given.text().unwrap().contains("Votre consentement est enregistré."));
    let confirmed = kinds(&c, "confirmed");
    assert_eq!(confirmed.len(), 1);
    assert_eq!(confirmed[0]["detail"]["via"], "manage_link");
    assert_eq!(confirmed[0]["detail"]["choices"]["community"], true);

    // The report says what the SMTP server and the ledger say.
    let report: serde_json::Value = serde_json::from_str(&ok(&c, &["campaign", "report", &id, "--json"])).unwrap();
    assert_eq!(report["queued"], 4, "{report}");
    assert_eq!(report["sent"], 3, "{report}");
    assert_eq!(report["bounced"], 1, "{report}");
    assert_eq!(report["objected"], 1, "{report}");
    assert_eq!(report["uncertain"], 0, "{report}");
    assert_eq!(report["pending"], 0, "{report}");
    assert_eq!(report["consents_after"], serde_json::json!({"community": 1}), "{report}");
    let text = ok(&c, &["campaign", "report", &id]);
    assert!(text.contains("envoyés / sent : 3") && text.contains("oppositions / objected : 1"), "{text}");
    assert!(text.contains("consentements donnés depuis / consents given since : community: 1"), "{text}");
    assert_eq!(kinds(&c, "imported").len(), 4);
    assert_eq!(c.count("SELECT count(*) FROM undeliverable"), 1);
    let export = c.export("community");
    assert!(export.contains(BRUNO) && export.contains("consent_link"), "{export}");
    for absent in [ANA, CHLOE, DAVID] {
        assert!(!export.contains(absent), "{absent} exported: {export}");
    }
    // The soft opt-in purpose's export holds nobody (no one consented to it): said, with who it leaves out and
    // how to reach them — the graduates the school may still write to.
    let out = c.command(&["export", "--data", c.data().to_str().unwrap(), "--purpose", "network"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let (export, note) = (String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap());
    assert!(!export.contains('@'), "{export}");
    assert!(note.contains("« network » repose sur l'opt-in assoupli"), "{note}");
    // Bruno (who consented to `community` only) and David; not Ana (objected) nor Chloé (bounced).
    assert!(
        note.contains("les 2 diplômés importés qui peuvent recevoir les messages de l'école n'y sont pas"),
        "{note}"
    );
    let community = c.command(&["export", "--data", c.data().to_str().unwrap(), "--purpose", "community"]);
    assert!(community.stderr.is_empty(), "no note for a purpose resting on consent");
    let (verified, verify) = c.verify();
    assert!(verified, "{verify}");

    // The registrar's next export holds Ana again, in other letters, and a new graduate: the objection holds.
    let reimport = import(
        &c,
        "diplomes-2.csv",
        &[("Objecte", "Ana", "Ana.Objecte@Exemple.FR"), ("Neuve", "Emma", "emma.neuve@exemple.fr")],
    );
    assert!(
        reimport.contains("laissés de côté / objected to the school's messages, left out : 1 (lignes / lines 2)"),
        "{reimport}"
    );
    assert!(reimport.contains("personnes créées / created : 1,"), "{reimport}");
    let (sent, out, err) = send(&c, &template, &[]);
    assert!(sent, "{out}{err}");
    assert!(
        out.contains("en file / queued : 3")
            && out.contains("1 opposition(s)")
            && out.contains("1 adresse(s) refusée(s)"),
        "{out}"
    );
    let second = campaign_id(&out);
    assert_ne!(second, id);
    assert_eq!(sink.campaign_mail(ANA).len(), 1, "Ana objected: no second message");
    assert!(
        sink.campaign_mail("Ana.Objecte@Exemple.FR").is_empty()
            && sink.campaign_mail("ana.objecte@exemple.fr").len() == 1
    );
    assert!(sink.campaign_mail(CHLOE).is_empty(), "the bounced address is not tried again");
    for address in [BRUNO, DAVID, "emma.neuve@exemple.fr"] {
        assert_eq!(sink.campaign_mail(address).len(), if address.starts_with("emma") { 1 } else { 2 }, "{address}");
    }
    let all = sink.messages().into_iter().filter(is_campaign).count();
    assert_eq!(all, 6, "3 + 3 messages in all");
    let report: serde_json::Value = serde_json::from_str(&ok(&c, &["campaign", "report", &second, "--json"])).unwrap();
    assert_eq!(
        (report["queued"].as_u64(), report["sent"].as_u64(), report["bounced"].as_u64()),
        (Some(3), Some(3), Some(0))
    );
    assert!(c.verify().0);
}

#[test]
fn the_association_refuses_a_campaign_with_the_laws_explanation() {
    let sink = Sink::start(&[]);
    let c = Collector::start_with_config(Path::new(&format!("{EXAMPLES}/association-exemple/consent.toml")), &[]);
    let template = crate::util::write(c.dir.path(), "t.md", TEMPLATE);
    let (sent, out, err) = send(&c, &template, &["--smtp", &sink.url()]);
    assert!(!sent, "{out}");
    let regime = consent::Regime::Association;
    let (fr, en) = (err.find(regime.explain_fr()), err.find(regime.explain_en()));
    assert!(fr.is_some() && en.is_some() && fr < en, "the law's explanation, French first: {err}");
    assert!(
        err.contains("interdit d'écrire aux anciens qui n'ont pas consenti") && err.contains("rien n'a été envoyé"),
        "{err}"
    );
    assert_eq!(c.count("SELECT count(*) FROM campaigns"), 0);
    assert_eq!(c.count("SELECT count(*) FROM campaign_recipients"), 0);
    std::thread::sleep(Duration::from_millis(200));
    assert!(sink.messages().is_empty());
}

/// How many campaign messages each address received, and the total.
fn received(sink: &Sink) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for m in sink.messages().iter().filter(|m| is_campaign(m)) {
        *counts.entry(m["to"][0].as_str().unwrap().to_owned()).or_default() += 1;
    }
    counts
}

#[test]
fn a_kill_9_mid_campaign_then_resume_sends_nobody_twice() {
    const N: usize = 300;
    let sink = Sink::start(&[]);
    let c = Collector::start_with_config(Path::new(&format!("{EXAMPLES}/ecole-exemple/consent.toml")), &[]);
    let people: Vec<(String, String)> =
        (0..N).map(|i| (format!("Élève{i}"), format!("eleve.{i:03}@exemple.fr"))).collect();
    let rows: Vec<(&str, &str, &str)> =
        people.iter().map(|(name, email)| ("Durand", name.as_str(), email.as_str())).collect();
    import(&c, "promo.csv", &rows);
    let template = crate::util::write(c.dir.path(), "t.md", TEMPLATE);
    let data = c.data();
    let (smtp, lease) = (sink.url(), "3");
    let delivery = ["--smtp", &smtp, "--public-url", &c.base, "--lease-secs", lease, "--data", data.to_str().unwrap()];
    let mut sender = Command::new(env!("CARGO_BIN_EXE_collector"))
        .args(["campaign", "send", "--template", template.to_str().unwrap(), "--audience", "soft-opt-in"])
        .args(["--rate", "20/s"])
        .args(delivery)
        .env_remove("DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    let mut stdout = BufReader::new(sender.stdout.take().unwrap());
    stdout.read_line(&mut first).unwrap();
    // Read on: a closed pipe would make its next line fail.
    std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
    let id = campaign_id(&first);
    // Generous: a debug build on a loaded 2-core machine starts slowly; the rate is what the test is about.
    let deadline = Instant::now() + Duration::from_secs(300);
    while received(&sink).values().sum::<usize>() < N / 3 {
        assert!(Instant::now() < deadline, "the campaign does not progress");
        std::thread::sleep(Duration::from_millis(20));
    }
    sender.kill().unwrap(); // SIGKILL
    sender.wait().unwrap();
    let at_kill: usize = received(&sink).values().sum();
    assert!(at_kill < N, "killed too late to prove anything: {at_kill}");

    // The claims of the killed sender run out; the resumed one never takes them again.
    std::thread::sleep(Duration::from_millis(3_500));
    let out = c.command(&[&["campaign", "resume", &id, "--rate", "0"][..], &delivery[..]].concat());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_str(&ok(&c, &["campaign", "report", &id, "--json"])).unwrap();
    let uncertain = report["uncertain"].as_u64().unwrap() as usize;
    assert!(uncertain <= 4, "at most the messages in flight (--parallel 4) are uncertain: {report}");
    assert_eq!(report["sent"].as_u64().unwrap() as usize + uncertain, N, "{report}");
    assert_eq!((report["pending"].as_u64(), report["sending"].as_u64()), (Some(0), Some(0)), "{report}");

    let counts = received(&sink);
    let twice: Vec<_> = counts.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "received twice: {twice:?}");
    let db = c.db();
    let mut stmt = db
        .prepare(
            "SELECT s.email FROM campaign_recipients r JOIN subjects s ON s.subject_id = r.subject_id \
             WHERE r.campaign_id = ?1 AND r.state = 'uncertain'",
        )
        .unwrap();
    let uncertain_addresses: Vec<String> = stmt.query_map([&id], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
    assert_eq!(uncertain_addresses.len(), uncertain);
    for (_, email) in &people {
        let n = counts.get(email).copied().unwrap_or(0);
        assert!(
            n == 1 || uncertain_addresses.contains(email),
            "{email} received nothing and is not reported uncertain"
        );
    }
    let missing = people.iter().filter(|(_, e)| !counts.contains_key(e)).count();
    eprintln!("kill -9 after {at_kill} messages: {uncertain} uncertain, {missing} of them not received, none twice");
}

/// The school example (no relay of its own) with `rows` imported, and a sink.
fn school_with(rows: &[(&str, &str, &str)]) -> (Sink, Collector) {
    let sink = Sink::start(&[]);
    let c = Collector::start_with_config(Path::new(&format!("{EXAMPLES}/ecole-exemple/consent.toml")), &[]);
    import(&c, "diplomes.csv", rows);
    (sink, c)
}

#[test]
fn a_bad_template_rate_site_or_audience_is_refused_and_nothing_is_recorded_or_sent() {
    let (sink, c) = school_with(&[("Dupont", "Jean", "jean.dupont@exemple.fr")]);
    let smtp = sink.url();
    let bad = crate::util::write(
        c.dir.path(),
        "rentree.md",
        "---\nsubject: Bonjour {{ first_name }}\n---\nVotre promotion {{ promotion }} vous attend.\n",
    );
    let (sent, out, err) = send(&c, &bad, &["--smtp", &smtp]);
    assert!(!sent, "{out}");
    let located = format!("{}:4:20: champ inconnu « promotion » — unknown placeholder `promotion`", bad.display());
    assert!(err.contains(&located), "{err}");
    assert!(err.contains("aide / hint: vouliez-vous / did you mean {{ promo }} ?"), "{err}");
    assert!(err.contains("first_name") && err.contains("controller") && err.contains("rien n'a été envoyé"), "{err}");

    let good = crate::util::write(c.dir.path(), "ok.md", TEMPLATE);
    let good = good.to_str().unwrap();
    let base = ["campaign", "send", "--template", good, "--public-url", &c.base, "--smtp", &smtp];
    let refusals: [(&[&str], &str); 5] = [
        (&["--audience", "soft-opt-in", "--rate", "fast"], "--rate « fast » : écrivez N/min, N/s ou N/h"),
        (&["--audience", "soft-opt-in", "--rate", "10/jour"], "--rate « 10/jour » : écrivez N/min, N/s ou N/h"),
        (
            &["--audience", "soft-opt-in", "--site", "ecole"],
            "--site « ecole » : ce registre n'a pas ce site (sites : ecole-exemple)",
        ),
        (
            &["--audience", "everyone"],
            "--audience « everyone » : écrivez soft-opt-in (les diplômés importés) ou legacy",
        ),
        (&["--audience", "soft_opt-in"], "--audience « soft_opt-in » : écrivez soft-opt-in"),
    ];
    for (args, french) in refusals {
        let (sent, out, err) = run(&c, &[&base[..], args].concat());
        assert!(!sent, "{args:?}: {out}");
        let (fr, en) = (err.find(french), err.find(" — "));
        assert!(fr.is_some() && fr < en, "{args:?}: French first: {err}");
    }
    assert_eq!(c.count("SELECT count(*) FROM campaigns"), 0);
    assert_eq!(c.count("SELECT count(*) FROM campaign_recipients"), 0);
    assert!(sink.messages().is_empty());
}

#[test]
fn markup_in_a_graduates_name_is_shown_as_typed_and_never_as_html() {
    const FIRST: &str = "<img src=x onerror=alert(1)> *Zoé* [lien](https://evil.example)";
    const LAST: &str = "Durand</p><script>alert(2)</script>";
    let (sink, c) = school_with(&[(LAST, FIRST, "zoe.durand@exemple.fr")]);
    let template = crate::util::write(c.dir.path(), "rentree.md", TEMPLATE);
    let (sent, out, err) = send(&c, &template, &["--smtp", &sink.url()]);
    assert!(sent, "{out}{err}");
    let m = &sink.campaign_mail("zoe.durand@exemple.fr")[0];
    let html = m["html"].as_str().unwrap();
    let escaped = "Bonjour &lt;img src=x onerror=alert(1)&gt; *Zoé* [lien](https://evil.example) \
                   Durand&lt;/p&gt;&lt;script&gt;alert(2)&lt;/script&gt;,";
    assert!(html.contains(escaped), "{html}");
    for markup in ["<img", "<script", "<em>", "evil.example\"", "href=\"https://evil"] {
        assert!(!html.contains(markup), "{markup} in the HTML part: {html}");
    }
    assert_eq!(m["subject"], format!("Le réseau des diplômés vous attend, {FIRST}"));
    assert!(m["text"].as_str().unwrap().starts_with(&format!("Bonjour {FIRST} {LAST},")), "{}", m["text"]);
}

/// A relay as schools run them: STARTTLS with a certificate from a CA of their own (made in `certs`), and a
/// password; the CA's PEM file.
fn school_relay(certs: &Path) -> (Sink, String) {
    let (ca, cert, key) = crate::util::loopback_ca(certs);
    let (cert, key) = (cert.to_str().unwrap(), key.to_str().unwrap());
    let sink = Sink::start_with(
        &[],
        &[("SMTP_SINK_TLS_CERT", cert), ("SMTP_SINK_TLS_KEY", key), ("SMTP_SINK_AUTH", "relais-ecole:Relais-2026!")],
    );
    (sink, ca.to_str().unwrap().to_owned())
}

/// The collector's command `args` on this collector's data folder, with these environment variables.
fn collector_command(c: &Collector, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_collector"));
    command.args(args).arg("--data").arg(c.data()).env_remove("DATABASE_URL").envs(env.iter().copied());
    command
}

/// The one recipient's row: state, attempts, outcome.
fn recipient(c: &Collector) -> (String, i64, String) {
    c.db()
        .query_row("SELECT state, attempts, coalesce(outcome, '') FROM campaign_recipients", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .unwrap()
}

/// Runs a campaign command with these environment variables until its first attempt is recorded, then stops
/// it as Ctrl-C does (it finishes what is in flight and exits 3).
fn until_first_attempt(c: &Collector, args: &[&str], env: &[(&str, &str)], attempts_before: i64) {
    let mut child = collector_command(c, args, env).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while c.count("SELECT count(*) FROM campaign_recipients") == 0 || recipient(c).1 <= attempts_before {
        if Instant::now() > deadline || child.try_wait().unwrap().is_some() {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            let (out, err) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
            panic!("{args:?}: no attempt recorded: {:?}\n{out}{err}", recipient(c));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = Command::new("kill").args(["-INT", &child.id().to_string()]).status();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(3), "interrupted, not finished");
}

/// A school's relay as schools run them: STARTTLS with a certificate from the school's own CA, and a password.
/// A relay that refuses the collector (a certificate nobody vouches for, a wrong password) marks nobody
/// undeliverable: the recipient stays queued, and goes out once the relay is set right.
#[test]
fn a_campaign_goes_through_a_starttls_relay_with_a_password_and_a_relay_refusal_bounces_no_one() {
    let certs = tempfile::tempdir().unwrap();
    let (sink, ca) = school_relay(certs.path());
    let ca = ca.as_str();
    let c = Collector::start_with_config(Path::new(&format!("{EXAMPLES}/ecole-exemple/consent.toml")), &[]);
    import(&c, "diplomes.csv", &[("Dupont", "Jean", "jean.dupont@exemple.fr")]);
    let template = crate::util::write(c.dir.path(), "rentree.md", TEMPLATE);
    let smtp = format!("smtp://127.0.0.1:{}?tls=required", sink.port);
    let send = ["campaign", "send", "--template", template.to_str().unwrap(), "--audience", "soft-opt-in"];
    let send = [&send[..], &["--public-url", &c.base, "--rate", "0", "--smtp", &smtp]].concat();
    let user = ("SMTP_USERNAME", "relais-ecole");

    // The relay's certificate is signed by a CA the collector was not told about: refused, named.
    until_first_attempt(&c, &send, &[user, ("SMTP_PASSWORD", "Relais-2026!")], 0);
    let (state, attempts, outcome) = recipient(&c);
    assert_eq!((state.as_str(), attempts), ("queued", 1), "{outcome}");
    assert!(outcome.contains("relais SMTP / SMTP relay") && outcome.contains("certificate"), "{outcome}");
    let id: String = c.db().query_row("SELECT campaign_id FROM campaigns", [], |r| r.get(0)).unwrap();

    // Trusted through SMTP_CA_FILE, but the password is wrong: 535 is the relay refusing us, not a bounce.
    let resume = ["campaign", "resume", id.as_str(), "--public-url", &c.base, "--rate", "0", "--smtp", &smtp];
    let wrong = [user, ("SMTP_PASSWORD", "not-the-password"), ("SMTP_CA_FILE", ca)];
    until_first_attempt(&c, &resume, &wrong, 1);
    let (state, attempts, outcome) = recipient(&c);
    assert_eq!((state.as_str(), attempts), ("queued", 2), "{outcome}");
    assert!(outcome.contains("535"), "{outcome}");
    assert_eq!(c.count("SELECT count(*) FROM undeliverable"), 0, "nobody marked undeliverable");
    assert!(sink.messages().is_empty());

    // Set right: sent over STARTTLS, signed in.
    let right = [user, ("SMTP_PASSWORD", "Relais-2026!"), ("SMTP_CA_FILE", ca)];
    let out = collector_command(&c, &resume, &right).output().unwrap();
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let mail = &sink.campaign_mail("jean.dupont@exemple.fr");
    assert_eq!(mail.len(), 1, "{:?}", sink.messages());
    assert_eq!((mail[0]["tls"].as_bool(), mail[0]["login"].as_str()), (Some(true), Some("relais-ecole")));
    assert_eq!(recipient(&c).0, "sent");
}

/// `serve`'s own emails (the double opt-in's) through the same kind of relay: STARTTLS trusted through
/// SMTP_CA_FILE, AUTH with SMTP_USERNAME / SMTP_PASSWORD.
#[test]
fn serves_emails_go_through_a_starttls_relay_trusted_through_smtp_ca_file() {
    let certs = tempfile::tempdir().unwrap();
    let (sink, ca) = school_relay(certs.path());
    let ca = ca.as_str();
    let smtp = format!("smtp://127.0.0.1:{}?tls=required", sink.port);
    let env = [("SMTP_USERNAME", "relais-ecole"), ("SMTP_PASSWORD", "Relais-2026!"), ("SMTP_CA_FILE", ca)];
    let c = Collector::start_with_env(Path::new(crate::util::CONFIG), &["--smtp", &smtp], &env);
    let site = "association-exemple";
    let config: consent::protocol::WidgetConfig = c.get(&format!("/v1/sites/{site}/config")).json().unwrap();
    let challenge: serde_json::Value = c.get(&format!("/v1/challenge?site={site}")).json().unwrap();
    let device = crate::util::Device::new(41);
    let alumnus = crate::util::Alumnus::new("ada@example.org");
    let payload = alumnus.submission(&config, challenge["token"].as_str().unwrap().to_owned(), &device.jwk);
    let response = c.post_envelope("/v1/submissions", &device.seal(&payload));
    assert_eq!(response.status().as_u16(), 201, "{}", response.text().unwrap_or_default());
    let deadline = Instant::now() + Duration::from_secs(30);
    while sink.messages().is_empty() {
        assert!(Instant::now() < deadline, "no confirmation email at the relay");
        std::thread::sleep(Duration::from_millis(100));
    }
    let mail = &sink.messages()[0];
    assert_eq!(mail["to"], serde_json::json!(["ada@example.org"]));
    assert_eq!((mail["tls"].as_bool(), mail["login"].as_str()), (Some(true), Some("relais-ecole")));
}
