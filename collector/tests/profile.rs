//! The career profile (issue 15.2), on the real served collector with the association example's `[[profile]]`:
//! shown on the manage page only under a consent in force whose purpose covers the career category, never
//! required, each field saying what leaving it out changes; values outside the declared list, markup, hidden
//! characters and too-long texts refused (422, French first, nothing stored); each change a `rectified` event
//! naming `profile.<id>` (never values) with the new data hash, so `collector verify` still passes; the profile in
//! the download, the export of a covering purpose and the staff register.

use crate::download::confirm;
use crate::staff_console::{bundle_of, verify as verify_bundle};
use crate::util::*;
use collector::links::{self, LinkKind};
use consent::protocol::SubmissionAccepted;
use std::path::Path;

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/association-exemple/consent.toml");

fn start() -> Collector {
    Collector::start_with_config(Path::new(EXAMPLE), &[])
}

/// A confirmed subject who answered `choices` on the `join` form: their record and manage link.
pub(crate) fn confirmed_with(c: &Collector, email: &str, choices: &[(&str, bool)]) -> (String, String) {
    let device = Device::new(7);
    let alumnus = Alumnus {
        first_name: "Marie".into(),
        promo: "2015".into(),
        page_url: "http://127.0.0.1:8080/portrait/marie/".into(),
        choices: choices.iter().map(|(p, v)| ((*p).to_owned(), *v)).collect(),
        ..Alumnus::new(email)
    };
    let p = alumnus.submission(&c.widget_config(), c.challenge(), &device.jwk);
    let response = c.post_envelope("/v1/submissions", &device.seal(&p));
    assert_eq!(response.status().as_u16(), 201);
    let record = response.json::<SubmissionAccepted>().unwrap().record_id.0;
    confirm(c, &record);
    let token = links::sign(&c.key(), LinkKind::Manage, SITE, &record, now_ms(), 90);
    (record, links::url(&c.base, LinkKind::Manage, &token))
}

/// Consented to job offers, whose data include the career category.
fn with_jobs(c: &Collector, email: &str) -> (String, String) {
    confirmed_with(c, email, &[("community", true), ("jobs", true), ("events", false)])
}

fn page(c: &Collector, manage: &str) -> String {
    c.client.get(manage).send().unwrap().text().unwrap()
}

fn save(c: &Collector, manage: &str, values: &[(&str, &str)]) -> reqwest::blocking::Response {
    c.client.post(format!("{manage}/profile")).form(values).send().unwrap()
}

fn held(c: &Collector, record: &str) -> String {
    c.db().query_row("SELECT data FROM record_data WHERE record_id = ?1", [record], |r| r.get(0)).unwrap()
}

fn last_event(c: &Collector) -> serde_json::Value {
    let body: String = c
        .db()
        .query_row("SELECT body FROM events WHERE seq = (SELECT max(seq) FROM events)", [], |r| r.get(0))
        .unwrap();
    serde_json::from_str(&body).unwrap()
}

#[test]
fn a_profile_is_offered_filled_recorded_verified_and_shown_where_the_data_are() {
    let c = start();
    let (record, manage) = with_jobs(&c, "marie.curie@example.org");
    let shown = page(&c, &manage);
    assert!(shown.contains("<h2 id=\"profile\">Mon profil professionnel</h2>"), "{shown}");
    assert!(shown.contains("<option value=\"job_seeking\">En recherche d'emploi</option>"), "{shown}");
    assert!(shown.contains("Sans votre employeur, nous ne pouvons pas vous signaler"), "what leaving it out changes");
    let form = &shown[shown.find("/profile\"").unwrap()..];
    let form = &form[..form.find("</form>").unwrap()];
    assert!(!form.contains("required"), "never required: {form}");
    assert!(form.contains("maxlength=\"120\""), "{form}");

    let saved = save(
        &c,
        &manage,
        &[("situation", "employed"), ("job_title", "Ingénieure"), ("sector", "industry"), ("city", "Lyon")],
    );
    assert_eq!(saved.status().as_u16(), 200, "followed the redirect to the manage page");
    let shown = saved.text().unwrap();
    assert!(shown.contains("Votre profil est enregistré."), "{shown}");
    assert!(shown.contains("<option value=\"employed\" selected>En emploi</option>"), "{shown}");
    assert!(shown.contains("value=\"Ingénieure\""), "{shown}");

    let event = last_event(&c);
    assert_eq!(event["kind"], "rectified");
    assert_eq!(
        event["detail"]["fields"],
        serde_json::json!(["profile.city", "profile.job_title", "profile.sector", "profile.situation"])
    );
    let body = event.to_string();
    assert!(!body.contains("Ingénieure") && !body.contains("Lyon"), "no personal data in the chain: {body}");
    let data = held(&c, &record);
    assert_eq!(event["data_sha256"], collector::ledger::sha256_hex(data.as_bytes()));
    let profile = collector::ledger::profile::held_profile(&data);
    assert_eq!(profile.get("situation").map(String::as_str), Some("employed"));
    assert_eq!(profile.get("job_title").map(String::as_str), Some("Ingénieure"));
    let (ok, report) = c.verify();
    assert!(ok, "{report}");

    // Saving the same values changes nothing; emptying a field leaves it out.
    let before = c.events();
    save(
        &c,
        &manage,
        &[("situation", "employed"), ("job_title", "Ingénieure"), ("sector", "industry"), ("city", "Lyon")],
    );
    assert_eq!(c.events(), before);
    save(&c, &manage, &[("city", "")]);
    assert_eq!(last_event(&c)["detail"]["fields"], serde_json::json!(["profile.city"]));
    assert!(!collector::ledger::profile::held_profile(&held(&c, &record)).contains_key("city"));

    // Download (art. 15, 20), export of the covering purpose (not of the others), register, proof.
    let download: serde_json::Value = c.client.get(format!("{manage}/data.json")).send().unwrap().json().unwrap();
    assert_eq!(download["records"][0]["signed_submission"]["profile"]["situation"], "employed", "{download}");
    let jobs = c.export("jobs");
    let header = jobs.lines().next().unwrap();
    assert!(header.contains("situation;job_title;employer;sector;city;country"), "{header}");
    assert!(
        jobs.contains("En emploi;Ingénieure;;\"Industrie (manufacturière, extractive, énergie, eau)\";;;"),
        "{jobs}"
    );
    assert!(!c.export("community").contains("situation"), "community's data do not include the career");
    let (ok, out) = verify_bundle(&c, &bundle_of(&c, "marie.curie@example.org"));
    assert!(ok, "the proof of the consent is the submission as signed: {out}");
    // The profile is covered by the chain: altered, verify names the record.
    let altered = held(&c, &record).replace("Ingénieure", "Mallory");
    c.db().execute("UPDATE record_data SET data = ?1 WHERE record_id = ?2", [&altered, &record]).unwrap();
    let (ok, report) = c.verify();
    assert!(!ok && report.contains(&record), "{report}");
}

#[test]
fn values_outside_the_list_markup_hidden_characters_and_long_texts_are_refused_storing_nothing() {
    let c = start();
    let (record, manage) = with_jobs(&c, "marie.curie@example.org");
    save(&c, &manage, &[("situation", "studying")]);
    let before = c.events();
    let data_before = held(&c, &record);
    let long = "a".repeat(121);
    for (field, value, message, english) in [
        ("situation", "retired", "Choisissez l'une des réponses proposées.", "Choose one of the answers offered."),
        ("situation", "En emploi", "Choisissez l'une des réponses proposées.", "Choose one of the answers offered."),
        ("sector", "<script>", "Choisissez l'une des réponses proposées.", "Choose one of the answers offered."),
        ("job_title", "<b>Cheffe</b>", "ne peut pas contenir les caractères &lt; et &gt;", "cannot contain"),
        ("employer", "ACME\u{202e}", "contient des caractères non autorisés", "characters that are not allowed"),
        ("city", "Ly\u{7}on", "contient des caractères non autorisés", "characters that are not allowed"),
        ("job_title", long.as_str(), "Ce texte est trop long.", "This text is too long."),
    ] {
        let refused = save(&c, &manage, &[(field, value), ("country", "France")]);
        assert_eq!(refused.status().as_u16(), 422, "{field} = {value:?}");
        let shown = refused.text().unwrap();
        assert!(shown.contains(message), "{field} = {value:?}: {shown}");
        let (fr, en) = (shown.find(message).unwrap(), shown.find(english).unwrap());
        assert!(fr < en, "French first");
        assert!(shown.find("Votre profil n'a pas été enregistré") < shown.find("Your profile was not saved"));
        assert!(shown.contains(&format!("aria-describedby=\"h-{field} e-{field}\"")), "{shown}");
        assert!(shown.contains("value=\"France\""), "the form keeps what was typed: {shown}");
        assert!(!shown.contains("<b>Cheffe") && !shown.contains("<script>"), "typed text is escaped");
    }
    assert_eq!(c.events(), before, "nothing recorded");
    assert_eq!(held(&c, &record), data_before, "nothing stored");
}

#[test]
fn without_a_consent_in_force_covering_the_career_the_form_is_neither_shown_nor_taken() {
    let c = start();
    // Community and events declare identity and academic data only.
    let (record, manage) =
        confirmed_with(&c, "pierre.curie@example.org", &[("community", true), ("jobs", false), ("events", true)]);
    let shown = page(&c, &manage);
    assert!(!shown.contains("Mon profil professionnel") && !shown.contains("/profile\""), "{shown}");
    let before = c.events();
    let refused = save(&c, &manage, &[("situation", "employed")]);
    assert_eq!(refused.status().as_u16(), 404);
    assert_eq!(c.events(), before);
    assert!(collector::ledger::profile::held_profile(&held(&c, &record)).is_empty());

    // Consenting to job offers on the manage page brings the form; withdrawing that consent takes it away, and
    // the profile is no longer exported.
    let (_, manage) = with_jobs(&c, "marie.curie@example.org");
    assert!(page(&c, &manage).contains("Mon profil professionnel"));
    assert_eq!(save(&c, &manage, &[("situation", "employed")]).status().as_u16(), 200);
    assert!(c.export("jobs").contains("En emploi"));
    let notice = c.widget_config().notice_version;
    let changed = c
        .client
        .post(format!("{manage}/choices"))
        .form(&[("purpose", "community"), ("notice_version", notice.as_str())])
        .send()
        .unwrap();
    assert_eq!(changed.status().as_u16(), 200);
    let shown = changed.text().unwrap();
    assert!(!shown.contains("Mon profil professionnel"), "{shown}");
    assert!(!c.export("jobs").contains("marie.curie@example.org"));
    let before = c.events();
    assert_eq!(save(&c, &manage, &[("situation", "studying")]).status().as_u16(), 404);
    assert_eq!(c.events(), before);
    let (ok, report) = c.verify();
    assert!(ok, "{report}");
}
