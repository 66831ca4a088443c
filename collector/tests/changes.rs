//! Changes on the manage page name the notice version they were made under (issue 12.8): the page's form carries
//! the version it showed, a notice published between showing and posting is refused (nothing stored, the new
//! form shown), and the `changed` event, the art. 20 download and the proof bundle name that version — not the
//! version of the record's first submission.

use crate::download::{confirm, submit};
use crate::staff_console::{bundle_of, bundle_with, verify as verify_bundle};
use crate::util::*;
use collector::links::{self, LinkKind};
use std::io::Read;

/// The association's configuration with one purpose described anew: another notice text, another version.
fn second_notice(c: &Collector) -> std::path::PathBuf {
    let text = std::fs::read_to_string(CONFIG).unwrap();
    let old = "Vous recevez la lettre des anciens, les invitations du réseau et les nouvelles de votre promotion.";
    assert!(text.contains(old));
    let new = "Vous recevez la lettre des anciens, les invitations du réseau, les nouvelles de votre promotion et \
               l'annuaire en ligne.";
    write(c.dir.path(), "consent-v2.toml", &text.replace(old, new))
}

/// The value of the hidden `notice_version` input of the manage page's choices form.
fn form_version(page: &str) -> String {
    let marker = "name=\"notice_version\" value=\"";
    let at = page.find(marker).unwrap_or_else(|| panic!("no notice_version in the form: {page}")) + marker.len();
    page[at..].chars().take_while(|c| *c != '"').collect()
}

/// Saves choices on the manage page as a browser does: reads the page, then posts its form with these boxes
/// ticked and the notice version the page showed.
pub(crate) fn save_choices(c: &Collector, manage: &str, purposes: &[&str]) -> reqwest::blocking::Response {
    let version = form_version(&c.client.get(manage).send().unwrap().text().unwrap());
    let mut form: Vec<(&str, &str)> = purposes.iter().map(|p| ("purpose", *p)).collect();
    form.push(("notice_version", &version));
    c.client.post(format!("{manage}/choices")).form(&form).send().unwrap()
}

#[test]
fn a_change_names_the_notice_shown_in_the_event_the_download_and_the_proof() {
    let mut c = Collector::start(&[]);
    let v1 = c.widget_config().notice_version;
    let record = submit(&c, &Device::new(7), "marie.curie@example.org");
    confirm(&c, &record);
    let token = links::sign(&c.key(), LinkKind::Manage, SITE, &record, now_ms(), 90);
    let shown_v1 = c.get(&format!("/manage/{token}")).text().unwrap();
    assert_eq!(form_version(&shown_v1), v1);

    // A new notice is published (the collector restarts on the new configuration) while that page is open.
    c.config = second_notice(&c);
    c.restart();
    let v2 = c.widget_config().notice_version;
    assert_ne!(v1, v2);
    let manage = links::url(&c.base, LinkKind::Manage, &token);

    // The form shown under v1 is refused: consent is to the notice actually shown. Nothing stored, the page
    // shows the new notice's form and says why, French first.
    let before = c.events();
    let stale =
        c.client.post(format!("{manage}/choices")).form(&[("purpose", "community"), ("notice_version", &v1)]).send();
    let stale = stale.unwrap();
    assert_eq!(stale.status().as_u16(), 409);
    let page = stale.text().unwrap();
    assert!(page.contains("information a changé depuis"), "{page}");
    assert!(page.contains("The privacy notice has changed"), "{page}");
    assert!(page.find("information a changé depuis") < page.find("The privacy notice has changed"));
    assert_eq!(form_version(&page), v2);
    assert!(page.contains(&format!("/v1/notices/{v2}")), "the page links the notice it offers: {page}");
    // A form without a version (a page from before this check, or a script) is refused the same way.
    let bare = c.client.post(format!("{manage}/choices")).form(&[("purpose", "community")]).send().unwrap();
    assert_eq!(bare.status().as_u16(), 409);
    assert_eq!(c.events(), before, "a refused change stores nothing");

    // The form shown under v2 is taken, and the change names v2.
    let shown = c.client.get(&manage).send().unwrap().text().unwrap();
    assert_eq!(form_version(&shown), v2);
    let saved =
        c.client.post(format!("{manage}/choices")).form(&[("purpose", "community"), ("notice_version", &v2)]).send();
    assert_eq!(saved.unwrap().status().as_u16(), 200);
    let body: String = c
        .db()
        .query_row("SELECT body FROM events WHERE seq = (SELECT max(seq) FROM events)", [], |r| r.get(0))
        .unwrap();
    let event: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(event["kind"], "changed");
    assert_eq!(event["detail"]["notice_version"], v2.as_str());

    // The art. 20 download credits the submission and confirmation to v1, the change to v2.
    let held: serde_json::Value = c.client.get(format!("{manage}/data.json")).send().unwrap().json().unwrap();
    let events: Vec<(&str, &str)> = held["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["kind"].as_str().unwrap(), e["notice_version"].as_str().unwrap()))
        .collect();
    assert_eq!(events, [("submitted", v1.as_str()), ("confirmed", v1.as_str()), ("changed", v2.as_str())]);
    assert_eq!(held["events"][2]["notice_url"], format!("{}/v1/notices/{v2}", c.base));

    // The staff export names the notice each consent in force was given under: community, set under v2.
    let csv = c.export("community");
    let header: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().next().unwrap().split(';').collect();
    let column = header.iter().position(|h| *h == "notice_version").unwrap();
    let row: Vec<&str> = csv.lines().nth(1).unwrap().split(';').collect();
    assert_eq!(row[column], v2, "{csv}");

    // The proof bundle holds both notices' texts and names v2 for the change; it verifies offline.
    let bundle = bundle_of(&c, "marie.curie@example.org");
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(&bundle[..])).unwrap();
    let mut read = |name: &str| {
        let mut text = String::new();
        archive.by_name(name).unwrap_or_else(|_| panic!("{name} missing")).read_to_string(&mut text).unwrap();
        text
    };
    read(&format!("notices/{v1}.json"));
    read(&format!("notices/{v2}.json"));
    let subject: serde_json::Value = serde_json::from_str(&read("subject.json")).unwrap();
    let change = subject["events"].as_array().unwrap().iter().find(|e| e["kind"] == "changed").unwrap();
    assert_eq!(change["notice_version"], v2.as_str());
    let index = read("index.html");
    assert!(index.contains(&v2[..12]), "index.html names v2: {index}");
    let (ok, out) = verify_bundle(&c, &bundle);
    assert!(ok, "{out}");
    assert!(out.contains("2 notices"), "{out}");
    // A bundle, even signed by the collector, whose change names a notice it does not hold does not verify.
    let without_v2 = bundle_with(&c, "marie.curie@example.org", |input| input.notices.retain(|(v, _)| *v != v2));
    let (ok, out) = verify_bundle(&c, &without_v2);
    assert!(!ok && out.contains(&format!("notice {v2} text missing")), "{out}");
    let (ok, report) = c.verify();
    assert!(ok, "{report}");
}
