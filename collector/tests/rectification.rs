//! Rectification from the manage page (GDPR art. 16, issue 15.1): the subject corrects their details with the
//! submissions' rules; a correction is a `rectified` event naming the fields (never the values) with the hash
//! of the new held data, so `collector verify` still passes; the art. 20 download shows the corrected values;
//! markup, control characters and too-long values are refused with the form kept as typed and nothing stored.

use crate::download::{confirm, submit};
use crate::staff_console::{bundle_of, verify as verify_bundle};
use crate::util::*;
use collector::links::{self, LinkKind};

/// The form as the manage page shows it, with `changes` typed over the values shown.
fn typed(page: &str, changes: &[(&str, &str)]) -> Vec<(String, String)> {
    let form = &page[page.find("/rectify\"").unwrap_or_else(|| panic!("no rectify form: {page}"))..];
    let form = &form[..form.find("</form>").unwrap()];
    let mut fields = Vec::new();
    for input in form.split("<input").skip(1) {
        let attr = |name: &str| {
            let marker = format!(" {name}=\"");
            input.find(&marker).map(|at| input[at + marker.len()..].chars().take_while(|c| *c != '"').collect())
        };
        let name: String = attr("name").unwrap();
        let value = changes
            .iter()
            .find(|(k, _)| *k == name)
            .map_or_else(|| attr("value").unwrap_or_default(), |(_, v)| (*v).to_owned());
        fields.push((name, value));
    }
    fields
}

fn rectify(c: &Collector, manage: &str, changes: &[(&str, &str)]) -> reqwest::blocking::Response {
    let page = c.client.get(manage).send().unwrap().text().unwrap();
    c.client.post(format!("{manage}/rectify")).form(&typed(&page, changes)).send().unwrap()
}

fn last_event(c: &Collector) -> serde_json::Value {
    let body: String = c
        .db()
        .query_row("SELECT body FROM events WHERE seq = (SELECT max(seq) FROM events)", [], |r| r.get(0))
        .unwrap();
    serde_json::from_str(&body).unwrap()
}

/// The personal data held for a record, as stored.
fn held(c: &Collector, record: &str) -> String {
    c.db().query_row("SELECT data FROM record_data WHERE record_id = ?1", [record], |r| r.get(0)).unwrap()
}

/// A confirmed subject with this address: their record and manage link.
fn confirmed(c: &Collector, email: &str) -> (String, String) {
    let record = submit(c, &Device::new(7), email);
    confirm(c, &record);
    let token = links::sign(&c.key(), LinkKind::Manage, SITE, &record, now_ms(), 90);
    (record, links::url(&c.base, LinkKind::Manage, &token))
}

#[test]
fn a_corrected_name_is_shown_recorded_verified_and_downloaded() {
    let c = Collector::start(&[]);
    let (record, manage) = confirmed(&c, "marie.curie@example.org");
    let page = c.client.get(&manage).send().unwrap().text().unwrap();
    assert!(page.contains("Corriger mes informations"), "{page}");
    assert!(page.contains("value=\"Marie\""), "the form shows the current values: {page}");

    let saved = rectify(&c, &manage, &[("first_name", "Marie-Anne"), ("last_name", "Sklodowska-Curie")]);
    assert_eq!(saved.status().as_u16(), 200);
    let page = saved.text().unwrap();
    assert!(page.contains("Vos informations sont corrigées."), "{page}");
    assert!(page.contains("<dd>Marie-Anne</dd>") && page.contains("value=\"Marie-Anne\""), "{page}");

    let event = last_event(&c);
    assert_eq!(event["kind"], "rectified");
    assert_eq!(event["record_id"], record.as_str());
    assert_eq!(event["detail"]["fields"], serde_json::json!(["first_name", "last_name"]));
    let body = event.to_string();
    assert!(!body.contains("Marie-Anne") && !body.contains("Sklodowska"), "no personal data in the chain: {body}");
    let stored = held(&c, &record);
    assert_eq!(event["data_sha256"], collector::ledger::sha256_hex(stored.as_bytes()));
    let (ok, report) = c.verify();
    assert!(ok, "{report}");

    // Saving the same values again changes nothing and records nothing.
    let before = c.events();
    assert_eq!(rectify(&c, &manage, &[]).status().as_u16(), 200);
    assert_eq!(c.events(), before);

    let download: serde_json::Value = c.client.get(format!("{manage}/data.json")).send().unwrap().json().unwrap();
    assert_eq!(download["records"][0]["fields"]["first_name"], "Marie-Anne");
    let kinds: Vec<&str> = download["events"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["submitted", "confirmed", "rectified"]);
    assert_eq!(download["events"][2]["detail"]["fields"][0], "first_name");

    // The staff export has the corrected name; the proof of the original consent still verifies.
    assert!(c.export("community").contains("Marie-Anne"));
    let (ok, out) = verify_bundle(&c, &bundle_of(&c, "marie.curie@example.org"));
    assert!(ok, "{out}");
    // The corrected data are covered by the chain: altered, verify names the record.
    let altered = held(&c, &record).replace("Marie-Anne", "Mallory");
    c.db().execute("UPDATE record_data SET data = ?1 WHERE record_id = ?2", [&altered, &record]).unwrap();
    let (ok, report) = c.verify();
    assert!(!ok && report.contains(&record), "{report}");
}

#[test]
fn markup_control_characters_and_too_long_values_are_refused_keeping_the_form() {
    let c = Collector::start(&[]);
    let (record, manage) = confirmed(&c, "marie.curie@example.org");
    let before = c.events();
    let data_before = held(&c, &record);
    let long = "a".repeat(500);
    for (value, message) in [
        ("<b>Marie</b>", "ne peut pas contenir les caractères &lt; et &gt;"),
        ("Ma\u{202e}rie", "contient des caractères non autorisés"),
        ("Ma\u{7}rie", "contient des caractères non autorisés"),
        (long.as_str(), "trop long"),
    ] {
        let refused = rectify(&c, &manage, &[("first_name", value), ("last_name", "Sklodowska")]);
        assert_eq!(refused.status().as_u16(), 422, "{value:?}");
        let page = refused.text().unwrap();
        assert!(page.contains(message), "{value:?}: {page}");
        assert!(page.find("Vos corrections n'ont pas été enregistrées") < page.find("Your corrections were not saved"));
        // The form keeps what was typed (escaped), the other field included.
        let escaped = value.replace('<', "&lt;").replace('>', "&gt;");
        assert!(page.contains(&format!("value=\"{escaped}\"")), "{value:?}: {page}");
        assert!(page.contains("value=\"Sklodowska\""), "{page}");
        assert!(page.contains("aria-invalid=\"true\""), "{page}");
    }
    // A required field emptied is refused too.
    let emptied = rectify(&c, &manage, &[("email", "")]);
    assert_eq!(emptied.status().as_u16(), 422);
    assert!(emptied.text().unwrap().contains("Ce champ est obligatoire."));
    assert_eq!(c.events(), before, "nothing recorded");
    assert_eq!(held(&c, &record), data_before, "nothing stored");
}

#[test]
fn an_expired_or_forged_manage_link_cannot_rectify() {
    let c = Collector::start(&[]);
    let record = submit(&c, &Device::new(7), "marie.curie@example.org");
    confirm(&c, &record);
    let before = c.events();
    let form = [("first_name", "Mallory"), ("last_name", "X"), ("email", "marie.curie@example.org")];
    let expired = links::sign(&c.key(), LinkKind::Manage, SITE, &record, now_ms() - 100 * 86_400_000, 90);
    let confirm_kind = links::sign(&c.key(), LinkKind::Confirm, SITE, &record, now_ms(), 7);
    for token in [expired.as_str(), confirm_kind.as_str(), "not-a-token"] {
        let refused = c.client.post(c.url(&format!("/manage/{token}/rectify"))).form(&form).send().unwrap();
        assert!(refused.status().is_client_error(), "{token}: {}", refused.status());
    }
    assert_eq!(c.events(), before);
    assert!(!held(&c, &record).contains("Mallory"));
    // The same form through a valid link is taken: the refusals were the links'.
    let valid = links::sign(&c.key(), LinkKind::Manage, SITE, &record, now_ms(), 90);
    let taken = c.client.post(c.url(&format!("/manage/{valid}/rectify"))).form(&form).send().unwrap();
    assert_eq!(taken.status().as_u16(), 200);
    assert!(held(&c, &record).contains("Mallory"));
}

/// The first email to `address` whose subject contains `subject` (waiting at most 30 s).
fn mail_to(sink: &SmtpSink, address: &str, subject: &str) -> Mail {
    sink.mail_to(address, subject)
}

fn address_of(c: &Collector, record: &str) -> Option<String> {
    c.db()
        .query_row(
            "SELECT s.email FROM subjects s JOIN records r ON r.subject_id = s.subject_id WHERE r.record_id = ?1",
            [record],
            |r| r.get(0),
        )
        .unwrap()
}

#[test]
fn a_new_address_takes_effect_once_it_confirms_and_another_subjects_is_refused() {
    let mut sink = SmtpSink::new(free_port());
    sink.start();
    let smtp = format!("smtp://127.0.0.1:{}", sink.port);
    let c = Collector::start(&["--smtp", &smtp]);
    let (record, manage) = confirmed(&c, "marie.curie@example.org");
    let other = submit(&c, &Device::new(8), "pierre.curie@example.org");
    confirm(&c, &other);

    // An address another subject holds is refused without saying whose; nothing stored.
    let before = c.events();
    let taken = rectify(&c, &manage, &[("email", "Pierre.Curie@example.org"), ("first_name", "Marie-Anne")]);
    assert_eq!(taken.status().as_u16(), 422);
    let page = taken.text().unwrap();
    assert!(page.contains("Cette adresse ne peut pas être utilisée.") && page.contains("This address cannot be used."));
    assert!(!page.contains("Pierre") || page.contains("value=\"Pierre.Curie@example.org\""), "{page}");
    assert!(page.contains("value=\"Marie-Anne\""), "the form keeps what was typed: {page}");
    assert_eq!(c.events(), before);
    assert_eq!(address_of(&c, &record).as_deref(), Some("marie.curie@example.org"));

    // A new address: a link goes to it; until it is followed, nothing changes.
    let asked = rectify(&c, &manage, &[("email", "marie@curie.example.org")]);
    assert_eq!(asked.status().as_u16(), 200);
    assert!(asked.text().unwrap().contains("Un lien de confirmation a été envoyé à la nouvelle adresse"));
    let mail = mail_to(&sink, "marie@curie.example.org", "Confirmez");
    assert!(mail.subject.contains("Confirmez votre nouvelle adresse"), "{}", mail.subject);
    let link = mail.link("/address/");
    assert_eq!(c.events(), before, "nothing recorded before the new address confirms");
    assert_eq!(address_of(&c, &record).as_deref(), Some("marie.curie@example.org"));
    let download: serde_json::Value = c.client.get(format!("{manage}/data.json")).send().unwrap().json().unwrap();
    assert_eq!(download["email"], "marie.curie@example.org");

    // Opening the link only shows a button (mail scanners fetch links); the POST moves the address.
    assert_eq!(c.client.get(&link).send().unwrap().status().as_u16(), 200);
    assert_eq!(address_of(&c, &record).as_deref(), Some("marie.curie@example.org"));
    let moved = c.client.post(&link).send().unwrap();
    assert_eq!(moved.status().as_u16(), 200);
    assert!(moved.text().unwrap().contains("Votre nouvelle adresse est enregistrée."));
    assert_eq!(address_of(&c, &record).as_deref(), Some("marie@curie.example.org"));
    let event = last_event(&c);
    assert_eq!(event["kind"], "rectified");
    assert_eq!(event["detail"]["fields"], serde_json::json!(["email"]));
    assert!(!event.to_string().contains("curie.example.org"), "no address in the chain: {event}");
    let download: serde_json::Value = c.client.get(format!("{manage}/data.json")).send().unwrap().json().unwrap();
    assert_eq!(download["email"], "marie@curie.example.org");
    assert_eq!(download["records"][0]["fields"]["email"], "marie@curie.example.org");
    let (ok, report) = c.verify();
    assert!(ok, "{report}");
    // The previous address is told, without the new one.
    let told = mail_to(&sink, "marie.curie@example.org", "Votre adresse a été changée");
    assert!(told.text.contains("Si vous n'êtes pas à l'origine de ce changement, écrivez à"), "{}", told.text);
    assert!(!told.text.contains("curie.example.org"), "{}", told.text);

    // Following the link again changes nothing more; a manage link is not an address link.
    let after = c.events();
    assert_eq!(c.client.post(&link).send().unwrap().status().as_u16(), 200);
    assert_eq!(c.events(), after);
    let token = manage.rsplit('/').next().unwrap();
    assert!(c.client.post(c.url(&format!("/address/{token}"))).send().unwrap().status().is_client_error());
    assert_eq!(c.events(), after);
}
