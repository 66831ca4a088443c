//! The manage page of people who did not come through the widget (issue 14.2–14.3, 15.1): a graduate the school
//! imported gives consent through their personal link (unticked boxes, the notice's first layer, a link to the
//! full notice), which becomes an ordinary confirmed consent in the ledger, the exports, the statistics and
//! `collector verify`; consents from before are reconfirmed or declined there; the proof bundle and the art. 20
//! download carry the imported row; the imported row is corrected like a submission.

use crate::staff_console::{bundle_of, bundle_with, verify as verify_bundle};
use crate::util::{Collector, now_ms};
use collector::ledger::sha256_hex;
use collector::links::{self, LinkKind};
use reqwest::blocking::Response;
use std::path::Path;

const SCHOOL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/ecole-exemple/consent.toml");
const SITE: &str = "ecole-exemple";
const HEADER: &str = "Nom;Prénom;Courriel;Promotion;Formation\r\n";
const EVIDENCE: &str = "Formulaire papier, gala 2016";

/// A school collector with `n` graduates imported (`jean.0@exemple.fr` …), with `args` for the import.
fn imported(n: usize, args: &[&str]) -> Collector {
    let c = Collector::start_with_config(Path::new(SCHOOL), &[]);
    let rows: String = (0..n).map(|i| format!("Dupont;Jean;jean.{i}@exemple.fr;2015;Ingénieur\r\n")).collect();
    let file = c.dir.path().join("diplomes.csv");
    std::fs::write(&file, format!("{HEADER}{rows}")).unwrap();
    let data = c.data();
    let mut all = vec!["import", file.to_str().unwrap(), "--data", data.to_str().unwrap(), "--source", "Scolarité"];
    all.extend_from_slice(args);
    let out = c.command(&all);
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    c
}

/// The imported record of `email`.
fn record_of(c: &Collector, email: &str) -> String {
    c.db()
        .query_row(
            "SELECT r.record_id FROM records r JOIN subjects s ON s.subject_id = r.subject_id \
             WHERE s.email = ?1 AND r.status = 'imported'",
            [email],
            |r| r.get(0),
        )
        .unwrap()
}

/// The personal manage link of an imported person (what a campaign message carries).
fn link(c: &Collector, email: &str) -> String {
    let token = links::sign(&c.key(), LinkKind::Manage, SITE, &record_of(c, email), now_ms(), 90);
    links::url(&c.base, LinkKind::Manage, &token)
}

/// The hidden fields of the first form of `page` posting to `action` that contains `marker`.
fn hidden(page: &str, action: &str, marker: &str) -> Vec<(String, String)> {
    let form = page
        .split("<form")
        .find(|f| f.contains(&format!("{action}\"")) && f.contains(marker))
        .unwrap_or_else(|| panic!("no form {action} with {marker}: {page}"));
    let form = &form[..form.find("</form>").unwrap()];
    form.split("<input")
        .skip(1)
        .filter(|i| i.contains("type=\"hidden\""))
        .map(|input| {
            let attr = |name: &str| {
                let marker = format!(" {name}=\"");
                let at = input.find(&marker).unwrap() + marker.len();
                input[at..].chars().take_while(|c| *c != '"').collect::<String>()
            };
            (attr("name"), attr("value"))
        })
        .collect()
}

/// Ticks `purposes` on the consent form as the page shows it and posts it.
fn give(c: &Collector, manage: &str, purposes: &[&str]) -> Response {
    let page = c.client.get(manage).send().unwrap().text().unwrap();
    let mut form = hidden(&page, "/consent", "");
    form.extend(purposes.iter().map(|p| ("purpose".to_owned(), (*p).to_owned())));
    c.client.post(format!("{manage}/consent")).form(&form).send().unwrap()
}

/// Answers the reconfirmation of the consent from before for `purpose`.
fn answer(c: &Collector, manage: &str, purpose: &str, yes: bool) -> Response {
    let page = c.client.get(manage).send().unwrap().text().unwrap();
    let mut form = hidden(&page, "/legacy", &format!("value=\"{purpose}\""));
    form.push(("answer".to_owned(), if yes { "yes" } else { "no" }.to_owned()));
    c.client.post(format!("{manage}/legacy")).form(&form).send().unwrap()
}

fn last_event(c: &Collector) -> serde_json::Value {
    let body: String = c.db().query_row("SELECT body FROM events ORDER BY seq DESC LIMIT 1", [], |r| r.get(0)).unwrap();
    serde_json::from_str(&body).unwrap()
}

fn run(c: &Collector, args: &[&str]) -> String {
    let data = c.data();
    let mut all = args.to_vec();
    all.extend(["--data", data.to_str().unwrap()]);
    let out = c.command(&all);
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn stats(c: &Collector) -> serde_json::Value {
    serde_json::from_str(&run(c, &["stats", "--json"])).unwrap()
}

#[test]
fn a_consent_given_through_the_link_is_an_ordinary_confirmed_consent() {
    let c = imported(5, &[]);
    let manage = link(&c, "jean.0@exemple.fr");
    let page = c.client.get(&manage).send().unwrap().text().unwrap();
    assert!(page.contains("Donner votre consentement"), "{page}");
    let form = &page[page.find("/consent\"").unwrap()..];
    let form = &form[..form.find("</form>").unwrap()];
    assert!(form.contains("value=\"community\"") && form.contains("value=\"mentoring\""), "{form}");
    assert!(!form.contains("checked"), "a box is ticked in advance: {form}");
    assert!(form.contains("/v1/notices/") && form.contains("Pour en savoir plus"), "first layer and notice: {form}");
    assert!(page.contains("Vous recevez les messages de l'école pour"), "the soft opt-in purpose: {page}");

    let done = give(&c, &manage, &["community"]);
    assert_eq!(done.status().as_u16(), 200);
    assert!(done.text().unwrap().contains("Votre consentement est enregistré."));
    let event = last_event(&c);
    assert_eq!(event["kind"], "confirmed");
    assert_eq!(event["detail"]["via"], "manage_link");
    // Every purpose shown gets an answer: only the ticked one is true.
    let choices = event["detail"]["choices"].as_object().unwrap();
    assert!(choices.len() >= 2 && choices.get("mentoring") == Some(&serde_json::json!(false)), "{choices:?}");
    assert!(choices.iter().all(|(p, g)| g.as_bool() == Some(p == "community")), "{choices:?}");
    let record = event["record_id"].as_str().unwrap();
    let data: String =
        c.db().query_row("SELECT data FROM record_data WHERE record_id = ?1", [record], |r| r.get(0)).unwrap();
    assert_eq!(event["data_sha256"], sha256_hex(data.as_bytes()));
    let held: serde_json::Value = serde_json::from_str(&data).unwrap();
    let posted = held["link_consent"]["posted"].as_str().unwrap();
    assert!(posted.contains("purpose=community"), "{posted}");
    assert_eq!(event["payload_sha256"], sha256_hex(posted.as_bytes()));
    assert!(!event.to_string().contains("exemple.fr"), "personal data in the chain: {event}");

    // Answered: the ordinary choices apply from now on.
    let events = c.events();
    let page = c.client.get(&manage).send().unwrap().text().unwrap();
    assert!(!page.contains("/consent\""), "the consent form is offered again: {page}");
    assert!(page.contains("/choices\""), "the ordinary choices now apply: {page}");

    for i in 1..5 {
        give(&c, &link(&c, &format!("jean.{i}@exemple.fr")), &["community"]);
    }
    assert!(c.export("community").contains("jean.0@exemple.fr"), "{}", c.export("community"));
    assert!(!c.export("mentoring").contains("jean.0@exemple.fr"));
    let stats = stats(&c);
    assert_eq!(stats["subjects"], "5", "{stats}");
    assert_eq!(stats["tables"]["purpose"]["community"], "5", "{stats}");
    assert_eq!(stats["tables"]["cta"]["consent_link"], "5", "{stats}");
    let (ok, report) = c.verify();
    assert!(ok && report.contains("personal data of 10 records"), "{report}");
    assert_eq!(c.events(), events + 4);
}

#[test]
fn ticking_nothing_records_nothing() {
    let c = imported(1, &[]);
    let manage = link(&c, "jean.0@exemple.fr");
    let before = c.footprint();
    let done = give(&c, &manage, &[]);
    assert_eq!(done.status().as_u16(), 200);
    assert!(done.text().unwrap().contains("Vous n'avez coché aucune case\u{a0}: rien n'a été enregistré."));
    assert_eq!(c.footprint(), before);
    assert_eq!(c.count("SELECT count(*) FROM consents"), 0);
}

#[test]
fn replayed_expired_forged_and_cross_site_posts_are_refused() {
    let c = imported(1, &[]);
    let manage = link(&c, "jean.0@exemple.fr");
    let page = c.client.get(&manage).send().unwrap().text().unwrap();
    let mut form = hidden(&page, "/consent", "");
    form.push(("purpose".into(), "community".into()));

    for (header, value) in [("origin", "https://evil.example"), ("sec-fetch-site", "cross-site")] {
        let before = c.footprint();
        let refused = c.client.post(format!("{manage}/consent")).header(header, value).form(&form).send().unwrap();
        assert_eq!(refused.status().as_u16(), 403, "{header}");
        let text = refused.text().unwrap();
        let (fr, en) = (text.find("Ce formulaire n'est pas autorisé").unwrap(), text.find("This form").unwrap());
        assert!(fr < en, "French first: {text}");
        assert_eq!(c.footprint(), before);
    }

    let record = record_of(&c, "jean.0@exemple.fr");
    let expired = links::sign(&c.key(), LinkKind::Manage, SITE, &record, now_ms() - 100 * 86_400_000, 90);
    let forged = links::sign(&collector_key(), LinkKind::Manage, SITE, &record, now_ms(), 90);
    let confirm = links::sign(&c.key(), LinkKind::Confirm, SITE, &record, now_ms(), 90);
    for token in [expired, forged, confirm] {
        let before = c.footprint();
        let url = links::url(&c.base, LinkKind::Manage, &token);
        let refused = c.client.post(format!("{url}/consent")).form(&form).send().unwrap();
        assert_eq!(refused.status().as_u16(), 401);
        let text = refused.text().unwrap();
        let fr = text.find("Ce lien est invalide ou a expiré").unwrap();
        assert!(fr < text.find("This link is invalid").unwrap(), "French first: {text}");
        assert_eq!(c.footprint(), before);
    }

    assert_eq!(c.client.post(format!("{manage}/consent")).form(&form).send().unwrap().status().as_u16(), 200);
    let before = c.footprint();
    let replayed = c.client.post(format!("{manage}/consent")).form(&form).send().unwrap();
    assert_eq!(replayed.status().as_u16(), 409);
    assert!(replayed.text().unwrap().contains("Cette demande a déjà été reçue."));
    assert_eq!(c.footprint(), before);
}

/// A key that is not the collector's.
fn collector_key() -> consent::signature::CollectorKey {
    consent::signature::CollectorKey::from_seed([7; 32])
}

#[test]
fn consents_from_before_are_reconfirmed_or_declined() {
    let c = imported(2, &["--legacy-consent", "community", "--evidence", EVIDENCE]);
    let legacy = || run(&c, &["export", "--purpose", "community", "--legacy"]);
    assert!(legacy().contains("jean.0@exemple.fr") && legacy().contains("jean.1@exemple.fr"));
    let (first, second) = (link(&c, "jean.0@exemple.fr"), link(&c, "jean.1@exemple.fr"));
    let page = c.client.get(&first).send().unwrap().text().unwrap();
    assert!(page.contains("à reconfirmer") && page.contains(EVIDENCE), "{page}");
    let offered = &page[page.find("/consent\"").unwrap()..];
    assert!(!offered[..offered.find("</form>").unwrap()].contains("value=\"community\""), "offered twice: {page}");

    let done = answer(&c, &first, "community", true);
    assert!(done.text().unwrap().contains("Votre consentement est enregistré."));
    let event = last_event(&c);
    assert_eq!(event["kind"], "confirmed");
    assert_eq!(event["detail"]["reconfirms"], serde_json::json!(["community"]));
    assert_eq!(event["detail"]["choices"], serde_json::json!({"community": true}));
    assert!(c.export("community").contains("jean.0@exemple.fr"), "reconfirmed: an ordinary consent");
    assert!(!legacy().contains("jean.0@exemple.fr") && legacy().contains("jean.1@exemple.fr"), "{}", legacy());

    let page = c.client.get(&second).send().unwrap().text().unwrap();
    let shown_before = hidden(&page, "/legacy", "value=\"community\"");
    let done = answer(&c, &second, "community", false);
    assert!(done.text().unwrap().contains("Votre refus est enregistré"));
    let event = last_event(&c);
    assert_eq!(event["kind"], "changed");
    assert_eq!(event["detail"]["legacy"], "declined");
    assert!(!legacy().contains("jean.1@exemple.fr") && !c.export("community").contains("jean.1@exemple.fr"));
    assert_eq!(stats(&c)["imported"]["legacy_to_reconfirm"], serde_json::json!({}), "{}", stats(&c));
    let page = c.client.get(&second).send().unwrap().text().unwrap();
    assert!(!page.contains("à reconfirmer"), "{page}");
    // The reconfirmation posted after the refusal (the form as it was shown): already answered.
    let before = c.footprint();
    let mut form = shown_before;
    form.push(("answer".to_owned(), "yes".to_owned()));
    let replayed = c.client.post(format!("{second}/legacy")).form(&form).send().unwrap();
    assert_eq!(replayed.status().as_u16(), 409);
    assert_eq!(c.footprint(), before);
    assert!(c.verify().0);
}

#[test]
fn a_bundle_with_an_imported_row_verifies_and_fails_after_one_byte_changed() {
    let c = imported(1, &["--legacy-consent", "community", "--evidence", EVIDENCE]);
    let manage = link(&c, "jean.0@exemple.fr");
    give(&c, &manage, &["mentoring"]);
    let bundle = bundle_of(&c, "jean.0@exemple.fr");
    let (ok, out) = verify_bundle(&c, &bundle);
    assert!(ok && out.contains("1 lignes importées") && out.contains("1 consentements par le lien"), "{out}");

    // The subject.json of the bundle names the source, the line and the evidence.
    let archive = zip::ZipArchive::new(std::io::Cursor::new(&bundle)).unwrap();
    let names: Vec<String> = archive.file_names().map(|n| n.unwrap().into_owned()).collect();
    assert!(names.iter().any(|n| n.starts_with("imported/")) && names.iter().any(|n| n.starts_with("link-consents/")));
    let text = String::from_utf8_lossy(&bundle_file(&bundle, "subject.json")).into_owned();
    assert!(text.contains(EVIDENCE) && text.contains("\"line\": 2") && text.contains("Scolarité"), "{text}");

    // One byte of the archive changed.
    let mut flipped = bundle.clone();
    let at = flipped.windows(9).position(|w| w == b"imported/").unwrap() + 40;
    flipped[at] ^= 1;
    assert!(!verify_bundle(&c, &flipped).0);
    // The imported row's line changed, and the bundle signed again by the collector: the row no longer is the
    // one its event hashed.
    let forged = bundle_with(&c, "jean.0@exemple.fr", |input| {
        for d in &mut input.file.data {
            d.data = d.data.replace("\"line\":2", "\"line\":3");
        }
    });
    let (ok, out) = verify_bundle(&c, &forged);
    assert!(!ok && out.contains("imported/"), "{out}");
    // The form posted through the link changed: no longer what its event hashed.
    let forged = bundle_with(&c, "jean.0@exemple.fr", |input| {
        for d in &mut input.file.data {
            d.data = d.data.replace("purpose=mentoring", "purpose=community");
        }
    });
    let (ok, out) = verify_bundle(&c, &forged);
    assert!(!ok && out.contains("link-consents/"), "{out}");
}

fn bundle_file(bundle: &[u8], name: &str) -> Vec<u8> {
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bundle)).unwrap();
    let mut bytes = Vec::new();
    archive.by_name(name).unwrap().read_to_end(&mut bytes).unwrap();
    bytes
}

#[test]
fn the_download_carries_the_imported_row() {
    let c = imported(1, &["--legacy-consent", "community", "--evidence", EVIDENCE]);
    let manage = link(&c, "jean.0@exemple.fr");
    let document: serde_json::Value = c.client.get(format!("{manage}/data.json")).send().unwrap().json().unwrap();
    let record = &document["records"][0];
    assert_eq!(record["fields"]["first_name"], "Jean", "{document}");
    let events = document["events"].as_array().unwrap();
    let imported = events.iter().find(|e| e["kind"] == "imported").unwrap();
    assert_eq!(imported["detail"]["line"], 2);
    assert_eq!(imported["detail"]["source"], "Scolarité");
    assert!(imported["detail"]["file_sha256"].as_str().is_some_and(|s| s.len() == 64));
    let legacy = events.iter().find(|e| e["kind"] == "legacy").unwrap();
    assert_eq!(legacy["detail"]["evidence"], EVIDENCE);
}

#[test]
fn an_imported_row_is_rectified() {
    let c = imported(1, &["--legacy-consent", "community", "--evidence", EVIDENCE]);
    let manage = link(&c, "jean.0@exemple.fr");
    let record = record_of(&c, "jean.0@exemple.fr");
    let page = c.client.get(&manage).send().unwrap().text().unwrap();
    assert!(page.contains("Corriger mes informations") && page.contains("value=\"Jean\""), "{page}");
    let form = &page[page.find("/rectify\"").unwrap()..];
    let form = &form[..form.find("</form>").unwrap()];
    let mut fields: Vec<(String, String)> = Vec::new();
    for input in form.split("<input").skip(1) {
        let attr = |name: &str| {
            let marker = format!(" {name}=\"");
            input.find(&marker).map(|at| input[at + marker.len()..].chars().take_while(|c| *c != '"').collect())
        };
        let name: String = attr("name").unwrap();
        let value = if name == "first_name" { "Jean-Marc".to_owned() } else { attr("value").unwrap_or_default() };
        fields.push((name, value));
    }
    let done = c.client.post(format!("{manage}/rectify")).form(&fields).send().unwrap();
    assert_eq!(done.status().as_u16(), 200);
    assert!(done.text().unwrap().contains("<dd>Jean-Marc</dd>"));
    let event = last_event(&c);
    assert_eq!(event["kind"], "rectified");
    assert_eq!(event["record_id"], record.as_str());
    assert_eq!(event["detail"]["fields"], serde_json::json!(["first_name"]));
    let held: String =
        c.db().query_row("SELECT data FROM record_data WHERE record_id = ?1", [&record], |r| r.get(0)).unwrap();
    assert_eq!(event["data_sha256"], sha256_hex(held.as_bytes()));
    assert!(c.verify().0);
    // Still the imported row, corrected: the consent from before is still to reconfirm, under the new name.
    let legacy = run(&c, &["export", "--purpose", "community", "--legacy"]);
    assert!(legacy.contains("Jean-Marc"), "{legacy}");
    let (ok, out) = verify_bundle(&c, &bundle_of(&c, "jean.0@exemple.fr"));
    assert!(ok, "{out}");
    // The corrected row is what the chain now covers: altered, verify names the record.
    let altered = held.replace("Jean-Marc", "Mallory");
    c.db().execute("UPDATE record_data SET data = ?1 WHERE record_id = ?2", [&altered, &record]).unwrap();
    let (ok, report) = c.verify();
    assert!(!ok && report.contains(&record), "{report}");
}
