//! Rights requests answered from the staff console against the real binary: an access request sends the
//! subject their data export (the manage page's download attached, a readable summary in the body, over real
//! SMTP on loopback), and an erasure done from the console is recorded in the ledger as done by staff.

use crate::download::{confirm, submit};
use crate::staff_console::{Session, field, manage, sign_in};
use crate::util::*;

const ALUMNA: &str = "marie.curie@example.org";

/// Logs a request of `kind` from `requester` (letter, received today); the request page's path.
fn log_request(admin: &Session, kind: &str, requester: &str) -> String {
    let page = admin.get("/staff/requests").text().unwrap();
    let today = field(&page, "received_on");
    let form = [
        ("csrf", admin.csrf.as_str()),
        ("site", SITE),
        ("kind", kind),
        ("channel", "letter"),
        ("requester", requester),
        ("received_on", today.as_str()),
    ];
    let created = admin.post("/staff/requests", &form, "same-origin");
    assert_eq!(created.status().as_u16(), 303, "{}", created.text().unwrap());
    created.headers()["location"].to_str().unwrap().to_owned()
}

fn without_time(mut document: serde_json::Value) -> serde_json::Value {
    document.as_object_mut().unwrap().remove("generated_at");
    document
}

#[test]
fn an_access_request_emails_the_subject_their_data_export() {
    let mut sink = SmtpSink::new(free_port());
    sink.start();
    let l = Logged::start(&["--smtp", &format!("smtp://127.0.0.1:{}", sink.port)]);
    let c = &l.c;
    let record = submit(c, &Device::new(31), ALUMNA);
    confirm(c, &record);
    let admin = sign_in(c, "dpo@association.example.org", "admin", SITE);
    // Written by hand on a letter: another case, the same person.
    let request = log_request(&admin, "access", "Marie.Curie@Example.org");
    let sent = admin.post(&request, &[("csrf", admin.csrf.as_str()), ("act", "send_access")], "same-origin");
    assert_eq!(sent.status().as_u16(), 303, "{}", sent.text().unwrap());

    let mail = sink.mail_to(ALUMNA, "Vos données");
    assert_eq!(mail.attachments.len(), 1, "the export is attached");
    let attached = &mail.attachments[0];
    assert_eq!((attached.filename.as_str(), attached.content_type.as_str()), ("mes-donnees.json", "application/json"));
    // The same document as the subject's own download from the manage page.
    let attached: serde_json::Value = serde_json::from_str(&attached.content).unwrap();
    let download: serde_json::Value =
        c.client.get(format!("{}/data.json", manage(c, &record))).send().unwrap().json().unwrap();
    assert_eq!(without_time(attached.clone()), without_time(download));
    assert_eq!(attached["email"], ALUMNA);
    assert!(attached["events"].as_array().is_some_and(|e| e.len() >= 2), "{attached}");
    // A readable summary in the body, French first then English.
    let fr = mail.text.find("Suite à votre demande d'accès").expect("French summary");
    let en = mail.text.find("Following your access request").expect("English summary");
    assert!(fr < en, "{}", mail.text);
    assert!(mail.text.contains("Marie") && mail.text.contains("accepté"), "{}", mail.text);
    assert!(mail.html.contains("lang=\"en\""), "{}", mail.html);

    // The step is on the request and in the audit log; the log names neither the address nor the name.
    assert!(admin.get(&request).text().unwrap().contains("access_sent"));
    let audit = admin.get("/staff/audit").text().unwrap();
    assert!(audit.contains("request.step") && audit.contains("access_sent"), "{audit}");
    let log = l.log();
    assert!(!log.to_lowercase().contains("curie"), "{log}");
}

#[test]
fn an_erasure_from_the_console_is_recorded_as_done_by_staff() {
    let c = Collector::start(&[]);
    let record = submit(&c, &Device::new(32), ALUMNA);
    confirm(&c, &record);
    let subject: String =
        c.db().query_row("SELECT subject_id FROM records WHERE record_id = ?1", [&record], |r| r.get(0)).unwrap();
    let admin = sign_in(&c, "dpo@association.example.org", "admin", SITE);
    let request = log_request(&admin, "erasure", ALUMNA);
    let erased =
        admin.post(&request, &[("csrf", admin.csrf.as_str()), ("act", "erase"), ("confirm", "yes")], "same-origin");
    assert_eq!(erased.status().as_u16(), 303, "{}", erased.text().unwrap());

    let body: String = c.db().query_row("SELECT body FROM events ORDER BY seq DESC LIMIT 1", [], |r| r.get(0)).unwrap();
    let event: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!((event["kind"].as_str(), event["detail"]["via"].as_str()), (Some("erased"), Some("staff")), "{event}");
    assert!(
        !body.contains("dpo@") && !body.contains("curie"),
        "neither the account nor the subject in the chain: {body}"
    );
    // The register's history says who erased; the chain still verifies; the audit log names the account.
    let history = admin.get(&format!("/staff/register/{SITE}/{subject}")).text().unwrap();
    assert!(history.contains("par le personnel (console, voir le journal d'audit)"), "{history}");
    let (ok, report) = c.verify();
    assert!(ok, "{report}");
    let audit = admin.get("/staff/audit").text().unwrap();
    assert!(audit.contains("dpo@association.example.org") && audit.contains("erased"), "{audit}");
    assert!(!c.export("community").contains(ALUMNA));
}
