//! A site's own SMTP relay (consent.toml `[collector] smtp`): its emails leave through it, the other sites' through
//! the collector's `--smtp`. Two real SMTP servers on loopback count what each received.

use crate::util::*;
use std::collections::BTreeMap;

const EXAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples");

/// One submission to `site` from `email`, answering every purpose of the site.
fn submit(c: &Collector, site: &str, email: &str, choices: &[&str], device: u8) {
    let config: consent::protocol::WidgetConfig = c.get(&format!("/v1/sites/{site}/config")).json().unwrap();
    let challenge: serde_json::Value = c.get(&format!("/v1/challenge?site={site}")).json().unwrap();
    let device = Device::new(device);
    let alumnus = Alumnus {
        choices: choices.iter().map(|p| ((*p).to_owned(), true)).collect::<BTreeMap<_, _>>(),
        ..Alumnus::new(email)
    };
    let payload = alumnus.submission(&config, challenge["token"].as_str().unwrap().to_owned(), &device.jwk);
    let response = c.post_envelope("/v1/submissions", &device.seal(&payload));
    assert_eq!(response.status().as_u16(), 201, "{}", response.text().unwrap_or_default());
}

#[test]
fn a_sites_own_relay_carries_its_emails_and_the_others_use_the_collectors() {
    let mut relay = SmtpSink::new(free_port());
    relay.start();
    let mut default = SmtpSink::new(free_port());
    default.start();
    let dir = tempfile::tempdir().unwrap();
    let school = std::fs::read_to_string(format!("{EXAMPLES}/ecole-exemple/consent.toml"))
        .unwrap()
        .replace("[collector]\n", &format!("[collector]\nsmtp = \"smtp://127.0.0.1:{}\"\n", relay.port));
    assert!(school.contains("smtp = "), "the example has a [collector] table");
    let school = write(dir.path(), "consent.toml", &school);
    let association = format!("{EXAMPLES}/association-exemple/consent.toml");
    let smtp = format!("smtp://127.0.0.1:{}", default.port);
    let c = Collector::start_with_config(&school, &["--config", &association, "--smtp", &smtp]);

    submit(&c, "ecole-exemple", "ada@example.org", &["community", "mentoring"], 31);
    submit(&c, "association-exemple", "grace@example.org", &["community", "jobs", "events"], 32);

    let at_relay = relay.wait_for(1);
    let at_default = default.wait_for(1);
    assert_eq!(at_relay[0].to, ["ada@example.org"], "the school's email went through its own relay");
    assert_eq!(at_default[0].to, ["grace@example.org"], "the association's through the collector's --smtp");
    // Nothing more arrives at either (each email once, at one server).
    std::thread::sleep(std::time::Duration::from_secs(2));
    assert_eq!(relay.messages().len(), 1);
    assert_eq!(default.messages().len(), 1);
}
