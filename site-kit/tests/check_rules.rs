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

/// 1-based (line, column) of `needle` in `path`, searching from the first line that contains `after`.
fn place_after(path: &std::path::Path, after: &str, needle: &str) -> (usize, usize) {
    let src = std::fs::read_to_string(path).unwrap();
    let from = src.find(after).unwrap_or_else(|| panic!("{after} not in {src}"));
    let at = from + src[from..].find(needle).unwrap_or_else(|| panic!("{needle} after {after}"));
    let line = src[..at].matches('\n').count() + 1;
    let column = src[..at].rsplit('\n').next().unwrap().chars().count() + 1;
    (line, column)
}

#[test]
fn a_purpose_that_claims_data_no_field_collects_is_refused_by_the_binary() {
    let site = consent_fixture(|s| {
        let (head, tail) = s.split_at(s.find("id = \"events\"").unwrap());
        let tail =
            tail.replacen("data = [\"identity\", \"academic\"]", "data = [\"identity\", \"academic\", \"photo\"]", 1);
        format!("{head}{tail}")
    });
    let consent = site.path().join("consent.toml");
    let (line, column) = place_after(&consent, "id = \"events\"", "\"photo\"");
    let report = check(site.path());
    let f = only(&report, "minimisation");
    assert_eq!((f.severity, f.file.as_str(), f.line, f.column), (Severity::Error, "consent.toml", line, column), "{f}");
    assert_eq!(
        f.message,
        "purpose `events` declares `photo` (photographie), but no field of the form collects it: the notice claims data you do not collect"
    );
    assert!(f.law.contains("5(1)(c)"), "{f}");
    assert!(f.fix.contains("remove `photo` from the `data` of purpose `events`"), "{f}");
    let out = site_kit(&["check", site.path().to_str().unwrap()]);
    let all = text(&out);
    assert_eq!(out.status.code(), Some(1), "{all}");
    assert!(
        all.contains(&format!("consent.toml:{line}:{column}: error[minimisation]: purpose `events` declares `photo`")),
        "{all}"
    );
}

#[test]
fn a_field_that_collects_data_no_purpose_declares() {
    let linkedin = "\n[[fields]]\nid = \"linkedin\"\nlabel = { fr = \"Profil LinkedIn\", en = \"LinkedIn profile\" }\n\
                    data = \"interests\"\n\n[[fields]]\nid = \"company\"\nlabel = { fr = \"Entreprise\", en = \"Company\" }\n";
    let site = consent_fixture(|s| format!("{s}{linkedin}"));
    let consent = site.path().join("consent.toml");
    let report = check(site.path());
    let found = report.of_rule("minimisation");
    assert_eq!(found.len(), 2, "{report}");
    let (line, column) = place_after(&consent, "id = \"linkedin\"", "\"interests\"");
    assert_eq!((found[0].line, found[0].column), (line, column), "{}", found[0]);
    assert_eq!(
        found[0].message,
        "field `linkedin` collects `interests` (centres d'intérêt), but no purpose declares it: the notice does not say why it is collected"
    );
    assert!(found[0].fix.contains("add `interests` to the `data` of the purposes"), "{}", found[0]);
    let (line, column) = place_after(&consent, "[[fields]]\nid = \"company\"", "\"company\"");
    assert_eq!((found[1].line, found[1].column), (line, column), "{}", found[1]);
    assert!(found[1].message.contains("field `company` does not say which data category it collects"), "{}", found[1]);
    assert!(found[1].fix.contains("data = \"career\""), "{}", found[1]);
    // Declared by the purpose that uses it, and with a category: nothing to say.
    let site = consent_fixture(|s| {
        let (head, tail) = s.split_at(s.find("id = \"jobs\"").unwrap());
        let tail = tail.replacen(
            "data = [\"identity\", \"academic\", \"career\"]",
            "data = [\"identity\", \"academic\", \"career\", \"interests\"]",
            1,
        );
        format!("{head}{tail}{linkedin}data = \"career\"\n")
    });
    let report = check(site.path());
    assert!(report.of_rule("minimisation").is_empty(), "{report}");
}

#[test]
fn a_service_cta_that_requires_more_than_its_service_needs_is_a_warning() {
    let needs = "needs = [\"last_name\", \"first_name\", \"promo\", \"email\"]";
    let site = consent_fixture(|s| s.replacen(needs, "needs = [\"last_name\", \"first_name\", \"email\"]", 1));
    let consent = site.path().join("consent.toml");
    let report = check(site.path());
    let f = only(&report, "service-fields");
    assert_eq!(f.severity, Severity::Warning);
    assert_eq!((f.line, f.column), place_after(&consent, "id = \"event\"", "[\"last_name\""), "{f}");
    assert_eq!(f.message, "CTA `event` (a service) requires the field `promo`, which its `needs` does not list");
    assert!(f.fix.contains("required = false") && f.fix.contains("needs"), "{f}");
    assert!(f.law.contains("7(4)"), "{f}");
    assert!(!report.has_errors(), "{report}");
    // Without `needs`, every required field but the email is questioned, at the `service` key.
    let site = consent_fixture(|s| s.replacen(&format!("{needs}\n"), "", 1));
    let report = check(site.path());
    let found = report.of_rule("service-fields");
    assert_eq!(found.len(), 3, "{report}");
    let at = place_after(&site.path().join("consent.toml"), "id = \"event\"", "{ fr = \"Votre inscription");
    assert!(found.iter().all(|f| (f.line, f.column) == at), "{report}");
    assert!(found[0].message.contains("does not say which fields its service needs"), "{}", found[0]);
}

#[test]
fn rights_promised_through_the_manage_link_must_be_offered_there() {
    let report = check(&example("association-exemple"));
    let found = report.of_rule("rights");
    let messages: Vec<&str> = found.iter().map(|f| f.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            // Rectification (art. 16) is offered there since issue 15.1; restriction is not.
            "the privacy page promises the right to restriction of processing (art. 18) through the manage link, which does not offer it",
        ],
        "{report}"
    );
    let notice = line_of(&example("association-exemple").join("consent.toml"), "[notice]");
    assert!(found.iter().all(|f| (f.file.as_str(), f.line, f.column) == ("consent.toml", notice, 1)), "{report}");
    assert!(found.iter().all(|f| f.severity == Severity::Warning && f.law.contains("art. 12")), "{report}");
    assert!(found[0].fix.contains("contact@association-exemple.fr"), "{}", found[0]);
}

#[test]
fn both_examples_say_only_what_their_forms_collect() {
    for name in EXAMPLES {
        let report = check(&example(name));
        assert!(report.of_rule("minimisation").is_empty(), "{name}: {report}");
        assert!(report.of_rule("service-fields").is_empty(), "{name}: {report}");
    }
}
