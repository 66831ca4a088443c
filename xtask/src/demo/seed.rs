//! The demo's first run: a few hundred alumni join through the real API — each with a device key of its own,
//! a fresh challenge, a signed submission from one of the example articles and its CTA — and most confirm by
//! following the real link of their confirmation email (read from the collector's log, as the demo's outbox
//! mode writes it). So the staff dashboard has real numbers, pages and CTAs to show from the start.
//!
//! It runs a collector of its own on the demo's data folder, without the per-IP limit (every request comes from
//! 127.0.0.1), then stops it; the demo then starts its collector as usual.

use crate::bench::load::{ORIGIN, SITE, device};
use consent::protocol::{SignedEnvelope, SubmissionAccepted, SubmissionPayload, WidgetConfig, b64url_encode};
use ring::rand::SystemRandom;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The demo's admin of the staff console, and its password.
pub const ADMIN: &str = "admin@demo.example.org";
/// Set through the real one-time link on the first run.
pub const ADMIN_PASSWORD: &str = "console de démonstration alumni";

/// How many alumni join.
const ALUMNI: u64 = 300;

/// The example articles, the CTA each carries, and how often (out of 20) an alumnus joins from it.
const PAGES: [(&str, &str, u64); 6] = [
    ("/portrait-lea-moreau/", "join", 6),
    ("/l-importance-du-reseau/", "join", 4),
    ("/l-ecole-recherche-ses-anciens/", "join", 3),
    ("/offres-emploi-du-reseau/", "join", 2),
    ("/portrait-karim-benali/", "interview", 2),
    ("/soiree-des-promotions-2026/", "event", 3),
];

const FIRST: [&str; 10] = ["Léa", "Karim", "Inès", "Thomas", "Chloé", "Mehdi", "Camille", "Hugo", "Sarah", "Yanis"];
const LAST: [&str; 10] =
    ["Moreau", "Benali", "Martin", "Bernard", "Dubois", "Durand", "Lefebvre", "Garcia", "Nguyen", "Roux"];
const PROGRAMMES: [&str; 3] = ["Ingénieur généraliste", "Master management", "Bachelor numérique"];

/// A small deterministic generator: the same demo every time.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

/// The marker left once the data folder is seeded.
fn marker(data: &Path) -> std::path::PathBuf {
    data.join("demo-seeded")
}

/// Seeds the demo's data folder once.
pub fn seed(bin: &Path, config: &Path, data: &Path, work: &Path) -> anyhow::Result<()> {
    if marker(data).exists() {
        println!("   (demo data already seeded: {})", data.display());
        return Ok(());
    }
    std::fs::create_dir_all(data)?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let url = format!("http://127.0.0.1:{port}");
    let log_path = work.join("seed.log");
    let log = std::fs::File::create(&log_path)?;
    let mut child = Command::new(bin)
        .env_remove("DATABASE_URL")
        .env("COLLECTOR_LOG_FORMAT", "json")
        .arg("serve")
        .arg("--config")
        .arg(config)
        .arg("--listen")
        .arg(format!("127.0.0.1:{port}"))
        .arg("--data")
        .arg(data)
        .arg("--outbox")
        .arg(work.join("outbox"))
        .arg("--public-url")
        .arg(&url)
        // The confirmation links are read from this log (the seed follows them as the alumni would); the collector
        // logs links only when told, since they are credentials.
        .arg("--demo-log-links")
        .args(["--ip-rate-limit", "0", "--email-rate-limit", "0"])
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()?;
    let result = send_all(&url, &log_path).and_then(|counts| demo_admin(bin, data, &url).map(|()| counts));
    let _ = child.kill();
    let _ = child.wait();
    let (sent, confirmed) = result?;
    std::fs::write(marker(data), format!("{sent} submissions, {confirmed} confirmed\n"))?;
    println!(
        "   {sent} alumni joined through the API across the example articles, {confirmed} confirmed by their link"
    );
    Ok(())
}

fn payload(
    config: &WidgetConfig,
    rng: &mut Lcg,
    n: u64,
    challenge: String,
    jwk: consent::protocol::Jwk,
) -> SubmissionPayload {
    let mut pick = rng.next(20);
    let (page, cta, _) = PAGES
        .iter()
        .find(|(_, _, weight)| {
            if pick < *weight {
                return true;
            }
            pick -= weight;
            false
        })
        .copied()
        .unwrap_or(PAGES[0]);
    let purposes = config.cta(cta).map(|c| c.purposes.clone()).unwrap_or_default();
    let choices: BTreeMap<String, bool> =
        purposes.iter().enumerate().map(|(i, p)| (p.to_string(), i == 0 || rng.next(3) > 0)).collect();
    let first = FIRST[(n % 10) as usize];
    let last = LAST[((n / 10) % 10) as usize];
    SubmissionPayload {
        v: 1,
        site: SITE.into(),
        cta: cta.into(),
        page_url: format!("http://127.0.0.1:8080{page}"),
        locale: if rng.next(5) == 0 { consent::Locale::En } else { consent::Locale::Fr },
        notice_version: config.notice_version.clone(),
        challenge,
        subject: BTreeMap::from([
            ("last_name".into(), last.into()),
            ("first_name".into(), first.into()),
            ("promo".into(), (2005 + rng.next(20)).to_string()),
            ("programme".into(), PROGRAMMES[rng.next(3) as usize].into()),
            ("email".into(), format!("{}.{}.{n}@demo.example.org", first.to_lowercase(), last.to_lowercase())),
        ]),
        choices,
        privacy_ack: true,
        submitted_at: "2026-12-01T09:00:00.000Z".into(),
        device_key: jwk,
    }
}

/// Creates the demo admin with `collector staff add` and sets its password through the link it prints.
fn demo_admin(bin: &Path, data: &Path, url: &str) -> anyhow::Result<()> {
    let out = Command::new(bin)
        .env_remove("DATABASE_URL")
        .args(["staff", "add", ADMIN, "--role", "admin", "--public-url", url, "--data"])
        .arg(data)
        .output()?;
    anyhow::ensure!(out.status.success(), "collector staff add: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    let link = text
        .split_whitespace()
        .find(|w| w.contains("/staff/password/"))
        .ok_or_else(|| anyhow::anyhow!("no one-time link in: {text}"))?;
    let http = reqwest::blocking::Client::builder().redirect(reqwest::redirect::Policy::none()).build()?;
    let page = http.get(link).send()?.error_for_status()?;
    let cookie = page
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("staff_login="))
        .and_then(|v| v.split(';').next())
        .unwrap_or_default()
        .to_owned();
    let body = page.text()?;
    let marker = "name=\"csrf\" value=\"";
    let csrf = body.split(marker).nth(1).and_then(|r| r.split('"').next()).unwrap_or_default().to_owned();
    let set = http
        .post(link)
        .header("Origin", url)
        .header("Cookie", cookie)
        .form(&[("csrf", csrf.as_str()), ("password", ADMIN_PASSWORD), ("confirm", ADMIN_PASSWORD)])
        .send()?;
    anyhow::ensure!(set.status().is_redirection(), "setting the demo admin's password: {}", set.status());
    Ok(())
}

/// Submits every alumnus, then confirms most of them through the links the collector logged.
fn send_all(url: &str, log: &Path) -> anyhow::Result<(u64, u64)> {
    let http = reqwest::blocking::Client::builder().timeout(Duration::from_secs(20)).build()?;
    let start = Instant::now();
    let config: WidgetConfig = loop {
        match http.get(format!("{url}/v1/sites/{SITE}/config")).send().and_then(|r| r.error_for_status()) {
            Ok(r) => break r.json()?,
            Err(e) => {
                anyhow::ensure!(start.elapsed() < Duration::from_secs(30), "the seeding collector did not answer: {e}");
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    };
    let rng_keys = SystemRandom::new();
    let mut rng = Lcg(13);
    let mut to_confirm = Vec::new();
    for n in 0..ALUMNI {
        let token: serde_json::Value = http
            .get(format!("{url}/v1/challenge?site={SITE}"))
            .header("Origin", ORIGIN)
            .send()?
            .error_for_status()?
            .json()?;
        let challenge = token["token"].as_str().unwrap_or_default().to_owned();
        let (key, jwk) = device(&rng_keys)?;
        let text = payload(&config, &mut rng, n, challenge, jwk).to_canonical()?;
        let signature = key.sign(&rng_keys, text.as_bytes()).map_err(|_| anyhow::anyhow!("P-256 signing failed"))?;
        let envelope = SignedEnvelope { payload: text, signature: b64url_encode(signature.as_ref()), hp: None };
        let accepted: SubmissionAccepted = http
            .post(format!("{url}/v1/submissions"))
            .header("Origin", ORIGIN)
            .json(&envelope)
            .send()?
            .error_for_status()?
            .json()?;
        // One in seven never follows the link: the dashboard's confirmation rate is not 100 %.
        if rng.next(7) != 0 {
            to_confirm.push(accepted.record_id.0);
        }
    }
    let mut confirmed = 0u64;
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut pending: std::collections::BTreeSet<String> = to_confirm.into_iter().collect();
    while !pending.is_empty() && Instant::now() < deadline {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        for line in text.lines() {
            let Ok(entry) = serde_json::from_str::<serde_json::Value>(line) else { continue };
            let fields = &entry["fields"];
            let (Some(record), Some(link)) = (fields["record_id"].as_str(), fields["confirm"].as_str()) else {
                continue;
            };
            if !pending.remove(record) {
                continue;
            }
            let token = link.rsplit('/').next().unwrap_or_default();
            http.post(format!("{url}/confirm/{token}")).send()?.error_for_status()?;
            confirmed += 1;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    anyhow::ensure!(pending.is_empty(), "{} confirmation links never appeared in {}", pending.len(), log.display());
    Ok((ALUMNI, confirmed))
}
