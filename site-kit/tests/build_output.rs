//! The built examples: well-formed HTML5, accessible structure, sharing cards, the CTA embed, the widget files.

use crate::support::*;
use scraper::{Html, Selector};

#[test]
fn every_page_is_well_formed_html5() {
    for name in EXAMPLES {
        let (out, report) = build(&example(name));
        let pages = files(out.path(), "html");
        assert!(pages.len() >= report.articles + 3, "{name}: {} pages", pages.len());
        for file in pages {
            let html = std::fs::read_to_string(&file).unwrap();
            assert!(html.starts_with("<!DOCTYPE html>"), "{}", file.display());
            let doc = Html::parse_document(&html);
            assert!(doc.errors.is_empty(), "{}: HTML5 parse errors {:?}", file.display(), doc.errors);
        }
    }
}

#[test]
fn pages_have_landmarks_a_skip_link_and_a_language() {
    let (out, _) = build(&example("association-exemple"));
    for file in files(out.path(), "html") {
        let doc = Html::parse_document(&std::fs::read_to_string(&file).unwrap());
        let count = |s: &str| doc.select(&Selector::parse(s).unwrap()).count();
        assert_eq!(count("html[lang=fr]"), 1, "{}", file.display());
        assert_eq!(count("body > header"), 1, "{}", file.display());
        assert_eq!(count("main#contenu"), 1, "{}", file.display());
        assert_eq!(count("body > footer"), 1, "{}", file.display());
        assert_eq!(count("a.skip-link[href='#contenu']"), 1, "{}", file.display());
        assert_eq!(count("h1"), 1, "one h1 in {}", file.display());
        assert_eq!(count("link[rel=stylesheet][href^='http']") + count("script[src^='http']"), 0, "no external assets");
    }
}

#[test]
fn articles_carry_opengraph_and_twitter_cards() {
    let site = example("association-exemple");
    let (out, _) = build(&site);
    for slug in article_slugs(&site) {
        let html = page(out.path(), &format!("/{slug}/"));
        for prop in ["og:title", "og:description", "og:url", "og:type", "og:image"] {
            let v = attrs(&html, &format!("meta[property='{prop}']"), "content");
            assert_eq!(v.len(), 1, "{slug}: {prop}");
            assert!(!v[0].is_empty(), "{slug}: {prop}");
        }
        for name in ["twitter:card", "twitter:title", "twitter:description", "twitter:image"] {
            assert_eq!(attrs(&html, &format!("meta[name='{name}']"), "content").len(), 1, "{slug}: {name}");
        }
        let url = &attrs(&html, "meta[property='og:url']", "content")[0];
        assert_eq!(url, &format!("http://127.0.0.1:8080/{slug}/"));
        assert!(attrs(&html, "meta[property='og:image']", "content")[0].starts_with("http://127.0.0.1:8080/images/"));
    }
    let lea = page(out.path(), "/portrait-lea-moreau/");
    assert_eq!(attrs(&lea, "meta[property='og:title']", "content")[0], "Portrait\u{a0}: Léa Moreau, promo 2014");
    assert_eq!(attrs(&lea, "meta[property='og:image']", "content")[0], "http://127.0.0.1:8080/images/lea-moreau.svg");
}

#[test]
fn cta_shortcode_and_front_matter_yield_the_embed_markup() {
    let (out, _) = build(&example("association-exemple"));
    let event = page(out.path(), "/soiree-des-promotions-2026/");
    assert!(event.contains("<div data-alumni-consent data-cta=\"event\"></div>"), "{event}");
    let scripts = attrs(&event, "script[type=module]", "src");
    assert_eq!(scripts, ["/widget/alumni-consent.js"], "exactly one module script");
    assert_eq!(attrs(&event, "script[type=module]", "data-endpoint"), ["http://127.0.0.1:8787"]);
    assert_eq!(attrs(&event, "script[type=module]", "data-site"), ["association-exemple"]);
    assert_eq!(attrs(&event, "script[type=module]", "data-config"), ["/widget/config.json"]);
    assert!(event.contains(
        "<script type=\"module\" src=\"/widget/alumni-consent.js\" data-endpoint=\"http://127.0.0.1:8787\" \
         data-site=\"association-exemple\" data-config=\"/widget/config.json\"></script>"
    ));
    // The loader and the config are asked for while the head is read (the form itself only on intent).
    assert_eq!(attrs(&event, "link[rel=modulepreload]", "href"), ["/widget/alumni-consent.js"]);
    assert_eq!(attrs(&event, "link[rel=preload][as=fetch][crossorigin]", "href"), ["/widget/config.json"]);
    assert!(!event.contains("alumni-consent-form.js"), "the form is not preloaded");

    // Front matter `cta = "join"`: a mount point after the body.
    let search = page(out.path(), "/l-ecole-recherche-ses-anciens/");
    assert_eq!(attrs(&search, "article > aside.cta > div[data-alumni-consent]", "data-cta"), ["join"]);
    assert_eq!(attrs(&search, "script[type=module]", "src").len(), 1);

    // Lists have no CTA, hence no script.
    let index = page(out.path(), "/");
    assert!(!index.contains("alumni-consent.js"));
    assert!(!index.contains("__site-kit"), "no live reload outside serve");
}

#[test]
fn widget_config_json_is_written_and_the_bundle_copied() {
    let site = example("association-exemple");
    let bundle = tempfile::tempdir().unwrap();
    std::fs::write(bundle.path().join("alumni-consent.js"), "export {};\n").unwrap();
    std::fs::write(bundle.path().join("alumni-consent_bg.wasm"), b"\0asm").unwrap();
    let out = tempfile::tempdir().unwrap();
    let options = site_kit::BuildOptions {
        out: Some(out.path().to_owned()),
        widget_dir: Some(bundle.path().to_owned()),
        ..Default::default()
    };
    let report = site_kit::build(&site, &options).unwrap();
    assert!(out.path().join("widget/alumni-consent.js").is_file());
    assert!(out.path().join("widget/alumni-consent_bg.wasm").is_file());
    let json: consent::protocol::WidgetConfig = serde_json::from_str(&page(out.path(), "/widget/config.json")).unwrap();
    assert_eq!(json.site.as_str(), "association-exemple");
    assert_eq!(json.notice_version, report.notice_version);
    assert_eq!(json.ctas.len(), 4);
    assert_eq!(json.privacy_url, "/confidentialite/");
}

#[test]
fn french_typography_and_markdown_extensions() {
    let (out, _) = build(&example("association-exemple"));
    let search = page(out.path(), "/l-ecole-recherche-ses-anciens/");
    assert!(search.contains("l'association les recherche\u{202f}!"), "narrow nbsp before !");
    assert!(search.contains("Pourquoi ne pas vous écrire directement\u{202f}?"));
    let network = page(out.path(), "/l-importance-du-reseau/");
    assert!(network.contains("<table>"), "tables");
    assert!(network.contains("footnote-definition"), "footnotes");
    assert!(network.contains("«\u{a0}spécifique\u{a0}»"), "guillemets");
}

#[test]
fn index_is_paginated_and_tags_have_pages() {
    let mut files_owned: Vec<(String, String)> = (1..=23)
        .map(|i| {
            (
                format!("content/article-{i:02}.md"),
                format!("+++\ntitle = \"Article {i}\"\ndate = 2026-01-{i:02}\ntags = [\"Réseau\", \"t{}\"]\ncta = \"join\"\n+++\nTexte {i}.\n", i % 2),
            )
        })
        .collect();
    files_owned.push(("site.toml".into(), "title = \"T\"\nper_page = 10\n".into()));
    let files_ref: Vec<(&str, &str)> = files_owned.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let site = site_with(&files_ref);
    let (out, report) = build(site.path());
    assert_eq!(report.articles, 23);
    let first = page(out.path(), "/");
    assert_eq!(attrs(&first, "a[rel=next]", "href"), ["/page/2/"]);
    assert!(first.contains("Article 23"), "newest first");
    let third = page(out.path(), "/page/3/");
    assert_eq!(attrs(&third, "a[rel=prev]", "href"), ["/page/2/"]);
    assert_eq!(Html::parse_document(&third).select(&Selector::parse(".article-list > li").unwrap()).count(), 3);
    let tag = page(out.path(), "/tags/reseau/page/3/");
    assert!(tag.contains("Thème\u{a0}: Réseau"));
    assert!(page(out.path(), "/tags/").contains("href=\"/tags/t0/\""));
}
