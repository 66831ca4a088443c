//! `site-kit check`: both examples pass; one failing fixture per rule, each asserting the rule's message and
//! where it points; the three consent.toml errors of the foundation issue through the real binary.

use crate::support::*;
use site_kit::{Finding, Severity, check};

const GOOD: &str = "+++\ntitle = \"Bon article\"\ndate = 2026-01-01\ncta = \"join\"\n+++\nTexte.\n";

fn only(report: &site_kit::Report, rule: &str) -> Finding {
    let found = report.of_rule(rule);
    assert_eq!(found.len(), 1, "one `{rule}` finding expected in:\n{report}");
    found[0].clone()
}

#[test]
fn both_examples_pass_through_the_binary() {
    for name in EXAMPLES {
        let out = site_kit(&["check", example(name).to_str().unwrap()]);
        assert!(out.status.success(), "{name}:\n{}", text(&out));
        assert!(text(&out).contains("0 error(s)"), "{}", text(&out));
    }
}

#[test]
fn regime_is_explained() {
    let report = check(&example("association-exemple"));
    let f = only(&report, "regime");
    assert_eq!(f.severity, Severity::Info);
    assert_eq!((f.file.as_str(), f.line), ("consent.toml", 7));
    assert!(f.message.contains("chaque finalité exige un consentement préalable"), "{f}");
}

fn consent_fixture(edit: impl Fn(String) -> String) -> tempfile::TempDir {
    let site = site_with(&[("content/a.md", GOOD)]);
    let path = site.path().join("consent.toml");
    let src = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, edit(src)).unwrap();
    site
}

fn line_of(path: &std::path::Path, needle: &str) -> usize {
    std::fs::read_to_string(path).unwrap().lines().position(|l| l.contains(needle)).unwrap() + 1
}

#[test]
fn pre_ticked_box_is_refused_by_the_binary() {
    let site = consent_fixture(|s| s.replacen("id = \"jobs\"", "id = \"jobs\"\ndefault = true", 1));
    let line = line_of(&site.path().join("consent.toml"), "default = true");
    let out = site_kit(&["check", site.path().to_str().unwrap()]);
    let all = text(&out);
    assert_eq!(out.status.code(), Some(1), "{all}");
    assert!(all.contains(&format!("consent.toml:{line}:1: error[pre-ticked]: unknown field `default`")), "{all}");
    assert!(all.contains("never pre-ticked"), "hint: {all}");
    assert!(all.contains("Planet49"), "law: {all}");
}

#[test]
fn purpose_without_retention_is_refused_by_the_binary() {
    let site = consent_fixture(|s| s.replacen("retention = { years = 1, from = \"last_activity\" }\n", "", 1));
    let line = line_of(&site.path().join("consent.toml"), "id = \"events\"");
    let out = site_kit(&["check", site.path().to_str().unwrap()]);
    let all = text(&out);
    assert_eq!(out.status.code(), Some(1), "{all}");
    let located =
        all.lines().find(|l| l.contains("purpose `events` has no `retention`")).unwrap_or_else(|| panic!("{all}"));
    assert!(located.starts_with("consent.toml:"), "{located}");
    let at: usize = located.split(':').nth(1).unwrap().parse().unwrap();
    assert!(at + 1 >= line && at <= line + 1, "points at the purpose (line {line}): {located}");
    assert!(located.contains("error[purpose]"), "{located}");
    assert!(all.contains("13(2)(a)"), "hint: {all}");
}

#[test]
fn soft_opt_in_of_an_autonomous_association_is_refused_by_the_binary() {
    let site = consent_fixture(|s| s.replacen("id = \"jobs\"", "id = \"jobs\"\nbasis = \"soft_opt_in\"", 1));
    let line = line_of(&site.path().join("consent.toml"), "basis = \"soft_opt_in\"");
    let out = site_kit(&["check", site.path().to_str().unwrap()]);
    let all = text(&out);
    assert_eq!(out.status.code(), Some(1), "{all}");
    assert!(
        all.contains(&format!(
            "consent.toml:{line}:9: error[regime]: purpose `jobs`: an association with regime `association` cannot use soft opt-in"
        )),
        "{all}"
    );
    assert!(all.contains("fix: an autonomous association is the controller"), "{all}");
}

#[test]
fn cta_offering_an_unknown_purpose_is_refused() {
    let site = consent_fixture(|s| s.replacen("purposes = [\"community\"]", "purposes = [\"newsletter\"]", 1));
    let report = check(site.path());
    let f = only(&report, "cta");
    assert_eq!(f.severity, Severity::Error);
    assert_eq!(f.line, line_of(&site.path().join("consent.toml"), "purposes = [\"newsletter\"]"));
    assert_eq!(f.message, "CTA `interview` offers unknown purpose `newsletter`");
}

#[test]
fn missing_dpo_is_a_warning() {
    let site = consent_fixture(|s| {
        s.replacen(
            "[dpo]\nname = \"Jean Dupont, référent données personnelles\"\nemail = \"dpo@association-exemple.fr\"\n",
            "",
            1,
        )
    });
    let report = check(site.path());
    let f = only(&report, "dpo");
    assert_eq!(f.severity, Severity::Warning);
    assert_eq!(f.line, line_of(&site.path().join("consent.toml"), "[controller]"));
    assert!(f.law.contains("13(1)(b)"), "{f}");
    assert!(!report.has_errors(), "{report}");
}

#[test]
fn article_with_an_unknown_cta_is_located() {
    let src = "+++\ntitle = \"A\"\n+++\nPremier paragraphe.\n\nAvant {{ cta(id=\"newsletter\") }}\n";
    let site = site_with(&[("content/a.md", src)]);
    let f = only(&check(site.path()), "cta");
    assert_eq!((f.file.as_str(), f.line, f.column), ("content/a.md", 6, 7));
    assert!(f.message.starts_with("unknown CTA `newsletter`: consent.toml declares join, event, interview"), "{f}");
    let site = site_with(&[("content/b.md", "+++\ntitle = \"B\"\ntags = []\ncta = \"jion\"\n+++\nTexte.\n")]);
    let f = only(&check(site.path()), "cta");
    assert_eq!((f.file.as_str(), f.line), ("content/b.md", 4));
}

#[test]
fn portrait_without_publication_consent() {
    let src = "+++\ntitle = \"Portrait : Zoé\"\nkind = \"portrait\"\ncta = \"join\"\n+++\nZoé.\n";
    let site = site_with(&[("content/portrait-zoe.md", src)]);
    let report = check(site.path());
    let f = only(&report, "portrait-consent");
    assert_eq!((f.file.as_str(), f.line, f.severity), ("content/portrait-zoe.md", 3, Severity::Error));
    assert!(f.message.contains("has no `publication_consent`"), "{f}");
    assert!(f.law.contains("Code civil art. 9"), "{f}");
    assert!(report.has_errors());
}

#[test]
fn article_that_looks_like_a_portrait() {
    let src = "+++\ntitle = \"Portrait : Zoé\"\npromo = 2012\ncta = \"join\"\n+++\nZoé.\n";
    let site = site_with(&[("content/zoe.md", src)]);
    let report = check(site.path());
    let f = only(&report, "portrait-consent");
    assert_eq!((f.line, f.severity), (2, Severity::Warning));
    assert!(f.message.contains("looks like a portrait"), "{f}");
}

#[test]
fn images_without_alt_text() {
    let src = "+++\ntitle = \"A\"\ncta = \"join\"\nphoto = \"/images/a.svg\"\n+++\nTexte.\n\n![](/images/a.svg)\n";
    let site = site_with(&[("content/a.md", src), ("static/images/a.svg", "<svg/>")]);
    let report = check(site.path());
    let found = report.of_rule("alt-text");
    assert_eq!(found.len(), 2, "{report}");
    assert_eq!((found[0].line, found[0].column), (4, 1), "the photo without photo_alt");
    assert_eq!((found[1].line, found[1].column), (8, 1), "the Markdown image");
    assert_eq!(found[1].message, "image `/images/a.svg` has no alt text");
    assert!(found[1].law.contains("WCAG"), "{}", found[1]);
}

#[test]
fn broken_internal_links() {
    let src = "+++\ntitle = \"A\"\ncta = \"join\"\n+++\nVoir [b](/b/), [absent](/absent/), [site](https://example.org/) et\n[rel](../nulle-part/).\n";
    let site = site_with(&[("content/a.md", src), ("content/b.md", GOOD)]);
    let report = check(site.path());
    let found = report.of_rule("links");
    assert_eq!(found.len(), 2, "{report}");
    assert_eq!((found[0].line, found[0].column), (5, 16));
    assert!(found[0].message.starts_with("broken internal link `/absent/`"), "{}", found[0]);
    assert_eq!(found[1].line, 6);
    assert!(found[1].message.contains("/nulle-part/"), "{}", found[1]);
}

#[test]
fn invalid_front_matter_is_located() {
    let src = "+++\ntitle = \"A\"\nauteur = \"moi\"\n+++\nTexte.\n";
    let site = site_with(&[("content/a.md", src)]);
    let f = only(&check(site.path()), "front-matter");
    assert_eq!((f.file.as_str(), f.line, f.column), ("content/a.md", 3, 1));
    assert!(f.message.contains("unknown field `auteur`"), "{f}");
    assert!(f.fix.contains("publication_consent"), "lists the keys: {f}");
}

#[test]
fn privacy_template_that_drops_the_notice() {
    let template =
        "{% extends \"base.html\" %}{% block content %}<h1>Confidentialité</h1><p>Écrivez-nous.</p>{% endblock %}";
    let site = site_with(&[("content/a.md", GOOD), ("templates/privacy.html", template)]);
    let report = check(site.path());
    let found = report.of_rule("art13");
    assert!(found.len() >= 10, "{report}");
    assert!(found.iter().all(|f| f.file == "templates/privacy.html" && f.line == 1));
    assert!(found.iter().any(|f| f.message == "the privacy page lacks the section « Vos droits » (fr)"), "{report}");
    assert!(found.iter().any(|f| f.message == "the privacy page does not show the notice version"), "{report}");
    assert!(report.has_errors());
}

#[test]
fn labels_without_english() {
    let site = consent_fixture(|s| {
        s.replacen(
            "label = { fr = \"Faites-vous interviewer\", en = \"Get interviewed\" }",
            "label = \"Faites-vous interviewer\"",
            1,
        )
    });
    let f = only(&check(site.path()), "english");
    assert_eq!(f.severity, Severity::Warning);
    assert_eq!(f.line, line_of(&site.path().join("consent.toml"), "id = \"interview\""));
}
