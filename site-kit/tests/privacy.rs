//! The privacy-notice page: every GDPR art. 13 item, with the values of consent.toml, in French and English,
//! and the notice version.

use crate::support::*;
use consent::{Config, Locale, Notice};
use scraper::{Html, Selector};

fn text_of(html: &str, selector: &str) -> String {
    let doc = Html::parse_document(html);
    let sel = Selector::parse(selector).unwrap();
    doc.select(&sel).flat_map(|e| e.text()).collect::<Vec<_>>().join("")
}

#[test]
fn privacy_page_holds_every_article_13_item_with_the_configured_values() {
    for name in EXAMPLES {
        let site = example(name);
        let src = std::fs::read_to_string(site.join("consent.toml")).unwrap();
        let config = Config::from_toml_str(&src, "consent.toml").unwrap();
        let notice = Notice::render(&config);
        let (out, _) = build(&site);
        let html = page(out.path(), &config.notice().privacy_url);
        let fr = text_of(&html, "section[lang=fr]");
        let en = text_of(&html, "section[lang=en]");
        let c = config.controller();
        for (section, lang) in [(&fr, "fr"), (&en, "en")] {
            // 13(1)(a) identity and contact of the controller.
            assert!(section.contains(&c.name), "{name} {lang}: controller name");
            assert!(section.contains(&c.address), "{name} {lang}: address");
            assert!(section.contains(&c.email), "{name} {lang}: email");
            // 13(1)(b) DPO.
            let dpo = config.dpo().unwrap();
            assert!(section.contains(&dpo.email), "{name} {lang}: DPO");
            assert!(section.contains(dpo.name.as_deref().unwrap()), "{name} {lang}: DPO name");
            let locale = if lang == "fr" { Locale::Fr } else { Locale::En };
            // 13(1)(c) purposes, 13(1)(e) recipients, 13(2)(a) retention.
            for p in config.purposes() {
                assert!(section.contains(p.label.get(locale)), "{name} {lang}: purpose {}", p.id);
                assert!(section.contains(&p.retention.describe(locale)), "{name} {lang}: retention of {}", p.id);
                for r in &p.recipients {
                    assert!(section.contains(r.label(locale)), "{name} {lang}: recipient {r:?}");
                }
            }
            // 13(1)(f) transfers and hosting.
            assert!(section.contains(config.notice().hosting.get(locale)), "{name} {lang}: hosting");
            // Required and optional fields.
            for f in config.fields() {
                assert!(section.contains(f.label.get(locale)), "{name} {lang}: field {}", f.id);
            }
            assert!(section.contains("CNIL"), "{name} {lang}: complaint");
        }
        for words in [
            "Responsable de traitement",
            "Finalités et bases légales",
            "Transferts hors de l'Union européenne",
            "Durées de conservation",
            "droits d'accès",
            "rectification",
            "d'effacement",
            "limitation",
            "portabilité",
            "d'opposition",
            "Retrait du consentement",
            "Réclamation",
            "Données obligatoires et facultatives",
        ] {
            assert!(fr.contains(words), "{name}: « {words} »");
        }
        for words in ["Controller", "Purposes and legal bases", "Your rights", "Withdrawing consent", "Complaints"] {
            assert!(en.contains(words), "{name}: \"{words}\"");
        }
        let version = notice.version().to_string();
        assert!(text_of(&html, "main").matches(&version).count() >= 2, "{name}: version shown");
    }
}

#[test]
fn school_notice_names_soft_opt_in_and_association_opt_in() {
    let (out, _) = build(&example("ecole-exemple"));
    let fr = text_of(&page(out.path(), "/confidentialite/"), "section[lang=fr]");
    assert!(fr.contains("L.34-5"), "soft opt-in basis of the school");
    let (out, _) = build(&example("association-exemple"));
    let fr = text_of(&page(out.path(), "/confidentialite/"), "section[lang=fr]");
    assert!(!fr.contains("intérêt légitime"), "an autonomous association relies on consent only");
}

#[test]
fn privacy_page_snapshot() {
    let (out, _) = build(&example("association-exemple"));
    let html = page(out.path(), "/confidentialite/");
    let start = html.find("<main").unwrap();
    let end = html.find("</main>").unwrap() + "</main>".len();
    insta::assert_snapshot!("association_privacy_page", &html[start..end]);
}
