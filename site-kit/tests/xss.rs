//! `<img src=x onerror=alert(1)>` in front matter or consent.toml stays text on every page and in every feed.

use crate::support::*;
use scraper::{Html, Selector};

const XSS: &str = "<img src=x onerror=alert(1)>";

#[test]
fn markup_in_front_matter_and_config_is_escaped() {
    let article = format!(
        "+++\ntitle = \"{XSS}\"\ndescription = \"{XSS}\"\nkind = \"portrait\"\nquote = \"{XSS}\"\njob = \"{XSS}\"\n\
         photo = \"/x.svg\\\" onerror=\\\"alert(1)\"\nphoto_alt = \"{XSS}\"\ntags = [\"{XSS}\"]\npublication_consent = \"r\"\n\
         cta = \"join\"\n+++\n{XSS}\n\n*{XSS}*\n"
    );
    let site = site_with(&[
        ("content/xss.md", &article),
        ("site.toml", &format!("title = \"{XSS}\"\ndescription = \"{XSS}\"\n")),
    ]);
    let consent = std::fs::read_to_string(site.path().join("consent.toml"))
        .unwrap()
        .replace("name = \"Association des diplômés de l'École Exemple\"", &format!("name = \"{XSS}\""));
    std::fs::write(site.path().join("consent.toml"), consent).unwrap();
    let (out, _) = build(site.path());
    for file in files(out.path(), "html") {
        let html = std::fs::read_to_string(&file).unwrap();
        let doc = Html::parse_document(&html);
        let injected = doc.select(&Selector::parse("[onerror]").unwrap()).count();
        assert_eq!(injected, 0, "{}: an element with onerror", file.display());
        assert!(!html.contains("<img src=x"), "{}", file.display());
    }
    let article = page(out.path(), "/xss/");
    assert!(article.contains("&lt;img src=x onerror=alert(1)&gt;"), "shown as text");
    let privacy = page(out.path(), "/confidentialite/");
    assert!(privacy.contains("&lt;img src=x onerror=alert(1)&gt;"), "controller name shown as text");
    for feed in ["/atom.xml", "/sitemap.xml"] {
        let xml = page(out.path(), feed);
        roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{feed}: {e}"));
        assert!(!xml.contains("<img"), "{feed}");
    }
}
