//! `collector stats --insertion` (issue 15.3) on the real binary, from a crafted ledger: subjects of the school
//! example who answered the career CTA and filled their profile on the real manage page, two programmes × two
//! promos. Counted: only consents to `insertion_stats` in force (a withdrawn one and one who declined are not);
//! a cell of 4 people is secret (`null`), and so is enough of its row and column that it cannot be rebuilt by
//! subtracting the published counts from the published totals.

use crate::download::confirm;
use crate::util::*;
use collector::links::{self, LinkKind};
use consent::protocol::SubmissionAccepted;
use serde_json::Value;
use std::path::PathBuf;

const SCHOOL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/ecole-exemple/consent.toml");
const ENGINEERS: &str = "Ingénieur généraliste";
const DATA: &str = "Master science des données";

/// The school example under the test site's id (the helpers speak to that site).
fn school_config(dir: &tempfile::TempDir) -> PathBuf {
    let text =
        std::fs::read_to_string(SCHOOL).unwrap().replace("site = \"ecole-exemple\"", &format!("site = \"{SITE}\""));
    let path = dir.path().join("consent.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// A subject who answered the career CTA (`stats`: their answer to the statistics purpose), confirmed, and gave
/// `profile` on the manage page; their manage link.
fn respondent(c: &Collector, n: usize, promo: &str, programme: &str, stats: bool, profile: &[(&str, &str)]) -> String {
    let device = Device::new(u8::try_from(n % 200).unwrap() + 1);
    let alumnus = Alumnus {
        email: format!("diplome{n}@example.org"),
        promo: promo.into(),
        programme: programme.into(),
        cta: "career".into(),
        choices: [("insertion_stats", stats), ("mentoring", true), ("community", true)]
            .iter()
            .map(|(p, v)| ((*p).to_owned(), *v))
            .collect(),
        ..Alumnus::new("unused@example.org")
    };
    let p = alumnus.submission(&c.widget_config(), c.challenge(), &device.jwk);
    let response = c.post_envelope("/v1/submissions", &device.seal(&p));
    assert_eq!(response.status().as_u16(), 201, "{}", response.text().unwrap());
    let record = response.json::<SubmissionAccepted>().unwrap().record_id.0;
    confirm(c, &record);
    let token = links::sign(&c.key(), LinkKind::Manage, SITE, &record, now_ms(), 90);
    let manage = links::url(&c.base, LinkKind::Manage, &token);
    let saved = c.client.post(format!("{manage}/profile")).form(profile).send().unwrap();
    assert_eq!(saved.status().as_u16(), 200, "{}", saved.text().unwrap());
    manage
}

fn stats(c: &Collector, json: bool) -> String {
    let data = c.data();
    let mut args = vec!["stats", "--data", data.to_str().unwrap(), "--insertion"];
    if json {
        args.push("--json");
    }
    let out = c.command(&args);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn row<'a>(stats: &'a Value, programme: &str, promo: &str) -> &'a Value {
    stats["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["programme"] == programme && r["promo"] == promo)
        .unwrap_or_else(|| panic!("no row {programme} {promo}: {stats:#}"))
}

const SITUATIONS: [&str; 4] = ["employed", "job_seeking", "studying", "other"];

/// The published counts of a line, `None` where secret.
fn situations(line: &Value) -> Vec<Option<u64>> {
    SITUATIONS.iter().map(|s| line["situations"][s].as_u64()).collect()
}

/// The data set: engineers 2025 (5 employed, 4 seeking a job: the 4 is the cell to protect), engineers 2024 (6
/// employed, in industry), data 2025 (5 employed, 1 studying), data 2024 (3: under k, the whole row secret); plus
/// one who declined the statistics and one who withdrew that consent, both with a profile.
fn crafted() -> (tempfile::TempDir, Collector) {
    let dir = tempfile::tempdir().unwrap();
    let c = Collector::start_with_config(&school_config(&dir), &[]);
    let employed: &[(&str, &str)] = &[("situation", "employed"), ("sector", "industry")];
    let seeking: &[(&str, &str)] = &[("situation", "job_seeking")];
    let studying: &[(&str, &str)] = &[("situation", "studying")];
    let mut n = 0;
    let mut add = |promo: &str, programme: &str, count: usize, profile: &[(&str, &str)]| {
        for _ in 0..count {
            n += 1;
            respondent(&c, n, promo, programme, true, profile);
        }
    };
    add("2025", ENGINEERS, 5, employed);
    add("2025", ENGINEERS, 4, seeking);
    add("2024", ENGINEERS, 6, employed);
    add("2025", DATA, 5, employed);
    add("2025", DATA, 1, studying);
    add("2024", DATA, 3, employed);
    respondent(&c, 100, "2024", ENGINEERS, false, employed);
    let withdrawn = respondent(&c, 101, "2024", ENGINEERS, true, employed);
    let notice = c.widget_config().notice_version;
    let changed = c
        .client
        .post(format!("{withdrawn}/choices"))
        .form(&[("purpose", "community"), ("purpose", "mentoring"), ("notice_version", notice.as_str())])
        .send()
        .unwrap();
    assert_eq!(changed.status().as_u16(), 200);
    (dir, c)
}

#[test]
fn counts_consents_in_force_and_hides_a_cell_of_four_and_what_would_rebuild_it() {
    let (_dir, c) = crafted();
    let json = stats(&c, true);
    let stats: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(stats["k"], 5);
    assert_eq!(stats["purpose"], "insertion_stats");

    // Only the consents in force: 6 engineers of 2024, not the one who declined nor the one who withdrew.
    let engineers_2024 = row(&stats, ENGINEERS, "2024");
    assert_eq!(engineers_2024["respondents"], 6, "{engineers_2024:#}");
    assert!(matches!(situations(engineers_2024)[0], Some(6) | None), "{engineers_2024:#}");
    let data_2025 = row(&stats, DATA, "2025");
    assert!(matches!(data_2025["respondents"].as_u64(), Some(6) | None), "{data_2025:#}");
    assert_eq!(situations(data_2025)[2], None, "the one student is secret: {data_2025:#}");
    assert!(matches!(situations(data_2025)[0], Some(5) | None), "{data_2025:#}");
    // Under k respondents, nothing of the row is published, not even its zeros — but those that a published
    // total of 0 gives away to everyone (nobody at all in « autre situation »).
    let data_2024 = row(&stats, DATA, "2024");
    assert!(data_2024["respondents"].is_null() && situations(data_2024)[0].is_none(), "{data_2024:#}");
    for (s, v) in SITUATIONS.iter().zip(situations(data_2024)) {
        let total = stats["total"]["situations"][s].as_u64();
        assert!(v.is_none() || (v == Some(0) && total == Some(0)), "{s}: {data_2024:#}");
    }
    assert_eq!(data_2024["situations"]["other"], 0, "{data_2024:#}");

    // The 4 job seekers are secret, and the row cannot give them back: with the row's total published, at least
    // one more of its situations is hidden.
    let engineers_2025 = row(&stats, ENGINEERS, "2025");
    let cells = situations(engineers_2025);
    assert_eq!(cells[1], None, "the cell of 4: {engineers_2025:#}");
    if let Some(total) = engineers_2025["respondents"].as_u64() {
        let published: u64 = cells.iter().flatten().sum();
        assert!(
            cells.iter().filter(|c| c.is_none()).count() >= 2,
            "{total} − {published} would give 4: {engineers_2025:#}"
        );
    }
    // Nor can the column: the job seekers' total minus the other rows' published job seekers.
    let rows = stats["rows"].as_array().unwrap();
    if let Some(total) = stats["total"]["situations"]["job_seeking"].as_u64() {
        let others: Vec<Option<u64>> = rows
            .iter()
            .filter(|r| !(r["programme"] == ENGINEERS && r["promo"] == "2025"))
            .map(|r| r["situations"]["job_seeking"].as_u64())
            .collect();
        assert!(others.iter().any(Option::is_none), "{total} − {others:?} would give 4: {stats:#}");
    }
    // No published count under k except zeros.
    for line in rows.iter().chain([&stats["total"]]) {
        for n in situations(line).into_iter().flatten().chain(line["respondents"].as_u64()) {
            assert!(n == 0 || n >= 5, "{n} published: {line:#}");
        }
    }

    // The text says the same in French first.
    let text = self::stats(&c, false);
    assert!(text.starts_with("Site association-exemple — statistiques d'insertion professionnelle"), "{text}");
    assert!(text.contains("secret statistique"), "{text}");
    assert!(text.contains("Taux d'emploi") && text.contains("En emploi") && text.contains(ENGINEERS), "{text}");
    let line = text.lines().find(|l| l.contains(ENGINEERS) && l.contains("2024")).unwrap();
    assert!(line.contains(" 6 "), "{line}");
}
