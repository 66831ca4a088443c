//! `serve --sites DIR`: every `DIR/*/consent.toml` is served, and SIGHUP serves an added or changed site without a
//! restart, refuses a broken one with located errors and keeps its previous version in service.

use crate::util::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;
use test_kit::{Serve, wait_until};

const SCHOOL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/ecole-exemple/consent.toml");

/// `collector serve --sites DIR` logging at `info` into a file.
struct Hosted {
    process: Serve,
    log: PathBuf,
    client: reqwest::blocking::Client,
}

impl Hosted {
    fn start(dir: &Path, data: &Path) -> Result<Hosted, String> {
        let log = data.with_extension("log");
        let mut command = Command::new(env!("CARGO_BIN_EXE_collector"));
        command
            .args(["serve", "--listen", "127.0.0.1:0", "--sites"])
            .arg(dir)
            .arg("--data")
            .arg(data)
            .env("COLLECTOR_LOG", "info")
            .env_remove("DATABASE_URL")
            .stderr(std::fs::File::create(&log).unwrap());
        let process = Serve::spawn(&mut command)?;
        Ok(Hosted { process, log, client: reqwest::blocking::Client::new() })
    }

    fn hang_up(&self) {
        let status = Command::new("kill").args(["-HUP", &self.process.pid().to_string()]).status().unwrap();
        assert!(status.success());
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn get(&self, path: &str) -> reqwest::blocking::Response {
        self.client.get(format!("{}{path}", self.process.url)).send().unwrap()
    }

    /// The notice version served for `site`, or the HTTP status when the site is not served.
    fn notice_of(&self, site: &str) -> Result<String, u16> {
        let response = self.get(&format!("/v1/sites/{site}/config"));
        if !response.status().is_success() {
            return Err(response.status().as_u16());
        }
        let config: serde_json::Value = response.json().unwrap();
        Ok(config["notice_version"].as_str().unwrap().to_owned())
    }

    /// Waits until the log has said `what` `times` times.
    fn wait_for_log(&self, what: &str, times: usize) -> String {
        wait_until(Duration::from_secs(30), || {
            let log = self.log();
            (log.matches(what).count() >= times).then_some(log)
        })
        .unwrap_or_else(|| panic!("`{what}` not logged {times} times:\n{}", self.log()))
    }
}

fn site_folder(root: &Path, name: &str, toml: &str) -> PathBuf {
    std::fs::create_dir_all(root.join(name)).unwrap();
    write(&root.join(name), "consent.toml", toml)
}

#[test]
fn a_site_added_or_changed_in_the_folder_is_served_on_sighup_and_a_broken_one_keeps_its_previous_version() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("sites");
    let association = std::fs::read_to_string(CONFIG).unwrap();
    let association_file = site_folder(&dir, "association", &association);
    let hosted = Hosted::start(&dir, &tmp.path().join("data")).unwrap();
    let first = hosted.notice_of(SITE).expect("the folder's site is served");
    assert_eq!(hosted.notice_of("ecole-exemple"), Err(404));

    // A site added to the folder: served after SIGHUP, its notice stored in the ledger.
    site_folder(&dir, "ecole", &std::fs::read_to_string(SCHOOL).unwrap());
    hosted.hang_up();
    let school = wait_until(Duration::from_secs(30), || hosted.notice_of("ecole-exemple").ok())
        .unwrap_or_else(|| panic!("the added site is never served:\n{}", hosted.log()));
    assert_eq!(hosted.get(&format!("/v1/notices/{school}")).status(), 200, "the new site's notice is stored");
    assert!(hosted.get("/v1/challenge?site=ecole-exemple").status().is_success());
    assert_eq!(hosted.notice_of(SITE).unwrap(), first, "an unchanged site keeps its version");
    hosted.wait_for_log("sites reloaded", 1);

    // A changed site: its new notice version is served and stored.
    let changed = association.replace(
        "Recevoir des offres d'emploi et de stage adaptées à mon profil",
        "Recevoir des offres d'emploi, de stage et d'alternance adaptées à mon profil",
    );
    assert_ne!(changed, association, "the test changes a purpose's label");
    std::fs::write(&association_file, &changed).unwrap();
    hosted.hang_up();
    let second = wait_until(Duration::from_secs(30), || hosted.notice_of(SITE).ok().filter(|v| *v != first))
        .unwrap_or_else(|| panic!("the changed site's new version is never served:\n{}", hosted.log()));
    assert_eq!(hosted.get(&format!("/v1/notices/{second}")).status(), 200);
    assert_eq!(hosted.get(&format!("/v1/notices/{first}")).status(), 200, "the old notice stays for old records");

    // A broken file: refused with its place, and the version served before stays.
    std::fs::write(&association_file, changed.replace("confirm_within_days = 7", "confirm_within_days = \"sept\""))
        .unwrap();
    hosted.hang_up();
    let log = hosted.wait_for_log("site refused on reload", 1);
    let line = 1 + changed.lines().position(|l| l.starts_with("confirm_within_days")).unwrap();
    let place = format!("{}:{line}:23", association_file.display());
    assert!(log.contains(&place), "the refusal names the file, line and column ({place}):\n{log}");
    assert!(log.contains("expected u32"), "the refusal says what is wrong:\n{log}");
    hosted.wait_for_log("sites reloaded", 3);
    assert_eq!(hosted.notice_of(SITE).unwrap(), second, "the broken file's site stays in service");
    assert!(hosted.notice_of("ecole-exemple").is_ok());
}

#[test]
fn serve_refuses_to_start_on_a_folder_with_a_broken_or_duplicate_site_or_no_site() {
    let tmp = tempfile::tempdir().unwrap();
    let association = std::fs::read_to_string(CONFIG).unwrap();

    let empty = tmp.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let error = Hosted::start(&empty, &tmp.path().join("d1")).err().expect("an empty folder is refused");
    assert!(error.contains("exit status"), "{error}");
    let log = std::fs::read_to_string(tmp.path().join("d1.log")).unwrap();
    assert!(log.contains("no */consent.toml"), "{log}");

    let twice = tmp.path().join("twice");
    site_folder(&twice, "a", &association);
    site_folder(&twice, "b", &association);
    assert!(Hosted::start(&twice, &tmp.path().join("d2")).is_err());
    let log = std::fs::read_to_string(tmp.path().join("d2.log")).unwrap();
    assert!(log.contains("is already declared by"), "{log}");

    let broken = tmp.path().join("broken");
    let file = site_folder(&broken, "a", &association.replace("[controller]", "[controleur]"));
    assert!(Hosted::start(&broken, &tmp.path().join("d3")).is_err());
    let log = std::fs::read_to_string(tmp.path().join("d3.log")).unwrap();
    assert!(log.contains(&format!("{}:", file.display())), "{log}");
}
