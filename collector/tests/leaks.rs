//! Bearer links and personal data stay out of the log and out of files that outlive an erasure: confirm and
//! manage links (credentials) are logged only in the explicit demo mode, SMTP errors that echo the recipient
//! are logged without the address, and an erasure (art. 17) removes the subject's emails from the outbox.

use crate::util::*;
use collector::links::{self, LinkKind};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn submit(c: &Collector, seed: u8, email: &str) -> String {
    let device = Device::new(seed);
    let response = c.post_envelope("/v1/submissions", &device.seal(&submission(c, &device, email, "Ada")));
    assert_eq!(response.status().as_u16(), 201);
    response.json::<consent::protocol::SubmissionAccepted>().unwrap().record_id.0
}

/// The `.eml` files of the outbox, once there are `n` of them (at most 30 s).
fn outbox_files(outbox: &Path, n: usize) -> Vec<PathBuf> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let mut files: Vec<PathBuf> = std::fs::read_dir(outbox)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "eml"))
            .collect();
        files.sort();
        if files.len() >= n {
            return files;
        }
        assert!(Instant::now() < deadline, "{n} emails expected in the outbox, {} there", files.len());
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn an_outbox_alone_logs_neither_links_nor_addresses() {
    let outbox = tempfile::tempdir().unwrap();
    let l = Logged::start(&["--outbox", outbox.path().to_str().unwrap()]);
    submit(&l.c, 3, "ada.lovelace@example.org");
    let accepted = l.c.post_raw(
        "/v1/access",
        serde_json::to_vec(&serde_json::json!({"site": SITE, "email": "ada.lovelace@example.org"})).unwrap(),
        Some(ORIGIN),
    );
    assert_eq!(accepted.status().as_u16(), 202);
    outbox_files(outbox.path(), 2);
    let log = l.wait_for_log("email sent");
    assert!(!log.contains("/confirm/") && !log.contains("/manage/"), "a bearer link in the log:\n{log}");
    assert!(!log.contains("ada.lovelace"), "an address in the log:\n{log}");
}

#[test]
fn the_demo_mode_logs_the_links_it_is_asked_to() {
    let outbox = tempfile::tempdir().unwrap();
    let l = Logged::start(&["--outbox", outbox.path().to_str().unwrap(), "--demo-log-links"]);
    submit(&l.c, 4, "grace.hopper@example.org");
    let log = l.wait_for_log("/confirm/");
    assert!(log.contains("/manage/"), "{log}");
    assert!(!log.contains("grace.hopper"), "an address in the log:\n{log}");
}

#[test]
fn an_smtp_refusal_echoing_the_address_is_logged_without_it() {
    let port = free_port();
    let mut server = Command::new("python3")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/smtp_reject.py"))
        .arg(port.to_string())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 with aiosmtpd");
    let mut line = String::new();
    BufReader::new(server.stdout.take().unwrap()).read_line(&mut line).unwrap();
    assert_eq!(line.trim(), "ready");
    let l = Logged::start(&["--smtp", &format!("smtp://127.0.0.1:{port}")]);
    submit(&l.c, 5, "edsger.dijkstra@example.org");
    let log = l.wait_for_log("email refused for good");
    let _ = server.kill();
    let _ = server.wait();
    // The refusal itself is logged (the operator needs it), the address it echoed is not.
    assert!(log.contains("550") && log.contains("Recipient address rejected"), "{log}");
    assert!(!log.contains("edsger") && !log.contains("dijkstra@"), "an address in the log:\n{log}");
}

#[test]
fn an_erasure_removes_the_subjects_emails_from_the_outbox() {
    let outbox = tempfile::tempdir().unwrap();
    let l = Logged::start(&["--outbox", outbox.path().to_str().unwrap()]);
    let erased = submit(&l.c, 6, "marie.curie@example.org");
    outbox_files(outbox.path(), 1);
    submit(&l.c, 7, "pierre.curie@example.org");
    let accepted = l.c.post_raw(
        "/v1/access",
        serde_json::to_vec(&serde_json::json!({"site": SITE, "email": "marie.curie@example.org"})).unwrap(),
        Some(ORIGIN),
    );
    assert_eq!(accepted.status().as_u16(), 202);
    assert_eq!(outbox_files(outbox.path(), 3).len(), 3);

    let token = links::sign(&l.c.key(), LinkKind::Manage, SITE, &erased, now_ms(), 90);
    let manage = links::url(&l.c.base, LinkKind::Manage, &token);
    let done = l.c.client.post(format!("{manage}/erase")).form(&[("confirm", "yes")]).send().unwrap();
    assert_eq!(done.status().as_u16(), 200);

    let left = outbox_files(outbox.path(), 0);
    assert_eq!(left.len(), 1, "only the other subject's email is left: {left:?}");
    let kept = std::fs::read_to_string(&left[0]).unwrap();
    assert!(kept.contains("pierre.curie@example.org"), "{kept}");
}
