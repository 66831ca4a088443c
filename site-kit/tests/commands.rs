//! The commands through the real binary: notice, init, new, build errors.

use crate::support::*;

#[test]
fn notice_prints_the_same_version_on_its_last_line_twice() {
    let dir = example("association-exemple");
    let dir = dir.to_str().unwrap();
    let first = site_kit(&["notice", dir]);
    let second = site_kit(&["notice", dir]);
    assert!(first.status.success(), "{}", text(&first));
    let last = |o: &std::process::Output| String::from_utf8_lossy(&o.stdout).lines().last().unwrap_or("").to_owned();
    let version = last(&first);
    assert_eq!(version.len(), 64, "{version}");
    assert!(version.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(version, last(&second));

    let layered = site_kit(&["notice", dir, "--layer", "second", "--lang", "en"]);
    let out = String::from_utf8_lossy(&layered.stdout);
    assert!(out.starts_with("# Privacy policy"), "{out}");
    assert_eq!(out.lines().last().unwrap(), version, "the version stays the last line");
    let first_fr = site_kit(&["notice", dir, "--layer", "first", "--lang", "fr"]);
    let out = String::from_utf8_lossy(&first_fr.stdout);
    assert!(out.contains("reportez-vous à la politique de confidentialité"), "{out}");
    assert_eq!(out.lines().last().unwrap(), version);

    let school = site_kit(&["notice", example("ecole-exemple").to_str().unwrap()]);
    assert_ne!(last(&school), version, "another config, another version");
}

#[test]
fn init_gives_a_site_that_passes_check_and_builds() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("site");
    let d = dir.to_str().unwrap();
    let out = site_kit(&["init", d]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(files(&dir.join("content"), "md").len(), 3);
    assert!(dir.join("templates").is_dir());
    let checked = site_kit(&["check", d]);
    assert!(checked.status.success(), "{}", text(&checked));
    let built = site_kit(&["build", d, "--out", root.path().join("public").to_str().unwrap()]);
    assert!(built.status.success(), "{}", text(&built));
    assert!(root.path().join("public/confidentialite/index.html").is_file());
    assert!(!site_kit(&["init", d]).status.success(), "init refuses to overwrite");

    let new = site_kit(&["new", "portrait", "Zoé \"Zaza\" Œuvray", "--dir", d]);
    assert!(new.status.success(), "{}", text(&new));
    let path = dir.join("content/portrait-zoe-zaza-oeuvray.md");
    let src = std::fs::read_to_string(&path).unwrap();
    for key in [
        "title",
        "date",
        "promo",
        "programme",
        "job",
        "company",
        "quote",
        "photo",
        "photo_alt",
        "tags",
        "cta",
        "publication_consent",
    ] {
        assert!(src.lines().any(|l| l.starts_with(&format!("{key} ="))), "{key} in\n{src}");
    }
    assert!(src.contains("Portrait : Zoé \"Zaza\" Œuvray"), "{src}");
    let checked = site_kit(&["check", d]);
    assert_eq!(checked.status.code(), Some(1), "the new portrait needs its consent");
    assert!(
        text(&checked).contains("content/portrait-zoe-zaza-oeuvray.md:3:1: error[portrait-consent]"),
        "{}",
        text(&checked)
    );
    let article = site_kit(&["new", "article", "Le gala 2026", "--dir", d]);
    assert!(article.status.success());
    assert!(dir.join("content/le-gala-2026.md").is_file());
}

#[test]
fn build_errors_name_the_file_and_line() {
    let site = site_with(&[
        ("content/ok.md", "+++\ntitle = \"Ok\"\n+++\nTexte.\n"),
        ("content/bad.md", "+++\ntitle = \"Bad\"\ndate = \"hier\"x\n+++\n"),
        ("content/cta.md", "+++\ntitle = \"Cta\"\n+++\n\nTexte {{ cta(id=\"nope\") }}\n"),
    ]);
    let out = site_kit(&["build", site.path().to_str().unwrap()]);
    let all = text(&out);
    assert!(!out.status.success(), "{all}");
    assert!(all.contains("content/bad.md:3:"), "{all}");
    let broken = site_with(&[("content/cta.md", "+++\ntitle = \"Cta\"\n+++\n\nTexte {{ cta(id=\"nope\") }}\n")]);
    let all = text(&site_kit(&["build", broken.path().to_str().unwrap()]));
    assert!(all.contains("content/cta.md:5:7: error: unknown CTA `nope`"), "{all}");
    assert!(all.contains("hint: the CTAs of consent.toml are: join, event, interview"), "{all}");
}
