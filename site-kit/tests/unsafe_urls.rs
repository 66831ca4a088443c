//! Links and images may only use http, https, mailto, tel, relative or fragment URLs (and `data:` raster images):
//! `check` reports every other URL with file:line:col, also in the obfuscated forms browsers still run, and the
//! build refuses the site. Raw HTML in Markdown is omitted from the page, like Hugo's default, and `check` says
//! where.

use crate::support::*;
use scraper::{Html, Selector};
use site_kit::{Severity, check};

/// Each line: (Markdown, what `check` must name in its message). One paragraph per line, so that the finding of
/// entry `i` is on line `FIRST_BODY_LINE + 2 * i`, column 6 (after `Voir `).
const DANGEROUS: [(&str, &str); 16] = [
    ("[a](javascript:alert(document.cookie))", "javascript:"),
    ("[b](JaVaScRiPt:alert(1))", "javascript:"),
    ("[c](<  javascript:alert(1)>)", "javascript:"),
    ("[d](&#x01;javascript:alert(1))", "javascript:"),
    ("[e](&#106;avascript:alert(1))", "javascript:"),
    ("[f](&#x6A;&#x61;vascript:alert(1))", "javascript:"),
    ("[g](java&#9;script:alert(1))", "javascript:"),
    ("[h](java&#10;scr&#13;ipt:alert(1))", "javascript:"),
    ("[i](vbscript:msgbox(1))", "vbscript:"),
    ("[j](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)", "data:"),
    ("![k](javascript:alert(1))", "javascript:"),
    ("![l](data:text/html;base64,PHN2Zz4=)", "data:"),
    ("![m](data:image/svg+xml;base64,PHN2Zz4=)", "data:"),
    ("[n](data:image/png;base64,iVBORw0KGgo=)", "data:"),
    ("<javascript:alert(1)>", "javascript:"),
    ("[o][ref]", "javascript:"),
];

const FIRST_BODY_LINE: usize = 5;

fn article() -> String {
    let mut src = String::from("+++\ntitle = \"A\"\ncta = \"join\"\n+++\n");
    for (markdown, _) in DANGEROUS {
        src.push_str(&format!("Voir {markdown}\n\n"));
    }
    src.push_str("[ref]: JAVASCRIPT:alert(1)\n");
    src
}

#[test]
fn check_reports_every_dangerous_url_with_its_place() {
    let site = site_with(&[("content/a.md", &article())]);
    let report = check(site.path());
    let found = report.of_rule("unsafe-url");
    assert_eq!(found.len(), DANGEROUS.len(), "{report}");
    for (i, (f, (markdown, scheme))) in found.iter().zip(DANGEROUS).enumerate() {
        assert_eq!(f.severity, Severity::Error, "{f}");
        assert_eq!(f.file, "content/a.md");
        assert_eq!((f.line, f.column), (FIRST_BODY_LINE + 2 * i, 6), "{markdown}: {f}");
        assert!(f.message.contains(&format!("`{scheme}`")), "{markdown}: {f}");
        assert!(f.fix.contains("https://"), "hint: {f}");
        assert!(f.law.contains("XSS") || f.law.contains("script"), "{f}");
    }
    assert!(report.has_errors());
}

#[test]
fn safe_urls_pass() {
    let body = "Voir [a](https://example.org/), [b](http://example.org/x?y=1#z), [c](mailto:bureau@example.org), \
                [d](tel:+33123456789), [e](/confidentialite/), [f](#haut), [g](//cdn.example.org/x.png), \
                [h](../confidentialite/), [i](?page=2), [j](HTTPS://EXAMPLE.ORG/).\n\n\
                ![Un point](data:image/png;base64,iVBORw0KGgo=) ![Un autre](data:IMAGE/JPEG;base64,/9j/)\n";
    let src = format!("+++\ntitle = \"A\"\ncta = \"join\"\n+++\n{body}");
    let site = site_with(&[("content/a.md", &src)]);
    let report = check(site.path());
    assert!(report.of_rule("unsafe-url").is_empty(), "{report}");
    let (out, _) = build(site.path());
    let html = page(out.path(), "/a/");
    assert!(html.contains("href=\"mailto:bureau@example.org\""), "{html}");
    assert!(html.contains("src=\"data:image/png;base64,iVBORw0KGgo=\""), "{html}");
}

#[test]
fn a_dangerous_photo_in_the_front_matter_is_reported() {
    let src =
        "+++\ntitle = \"A\"\ncta = \"join\"\nphoto = \" javascript:alert(1)\"\nphoto_alt = \"Zoé\"\n+++\nTexte.\n";
    let site = site_with(&[("content/a.md", src)]);
    let report = check(site.path());
    let found = report.of_rule("unsafe-url");
    assert_eq!(found.len(), 1, "{report}");
    assert_eq!((found[0].line, found[0].column), (4, 1), "{}", found[0]);
    assert!(site_kit::build(site.path(), &site_kit::BuildOptions::default()).is_err());
}

#[test]
fn build_refuses_dangerous_urls_through_the_binary() {
    let site = site_with(&[("content/a.md", &article()), ("content/ok.md", "+++\ntitle = \"Ok\"\n+++\nTexte.\n")]);
    let out_dir = site.path().join("public");
    let out = site_kit(&["build", site.path().to_str().unwrap(), "--out", out_dir.to_str().unwrap()]);
    let all = text(&out);
    assert_eq!(out.status.code(), Some(1), "{all}");
    for i in 0..DANGEROUS.len() {
        let place = format!("content/a.md:{}:6: error: ", FIRST_BODY_LINE + 2 * i);
        assert!(all.contains(&place), "{place} in {all}");
    }
    assert!(all.contains("content/a.md:5:6: error: link to a `javascript:` URL"), "{all}");
    assert!(all.contains("hint: "), "{all}");
    let written = if out_dir.exists() { files(&out_dir, "html") } else { Vec::new() };
    for file in written {
        let html = std::fs::read_to_string(&file).unwrap().to_lowercase();
        assert!(!html.contains("javascript:"), "{}", file.display());
    }
    let checked = site_kit(&["check", site.path().to_str().unwrap()]);
    let all = text(&checked);
    assert_eq!(checked.status.code(), Some(1), "{all}");
    assert!(all.contains("content/a.md:5:6: error[unsafe-url]: link to a `javascript:` URL"), "{all}");
}

const RAW: &str = "<script>alert(1)</script>\n\n<div onmouseover=\"alert(1)\">survol</div>\n\n\
                   Un <a href=\"javascript:alert(1)\">lien</a> et <img src=x onerror=alert(1)> en ligne.\n";

#[test]
fn raw_html_is_omitted_from_the_page() {
    let src = format!("+++\ntitle = \"A\"\ncta = \"join\"\n+++\n{RAW}");
    let site = site_with(&[("content/a.md", &src)]);
    let (out, _) = build(site.path());
    let html = page(out.path(), "/a/");
    let doc = Html::parse_document(&html);
    for selector in ["main script", "[onmouseover]", "[onerror]", "a[href^=\"javascript\"]"] {
        assert_eq!(doc.select(&Selector::parse(selector).unwrap()).count(), 0, "{selector}: {html}");
    }
    assert!(!html.contains("alert(1)"), "neither run nor shown: {html}");
    assert!(html.contains("<!-- raw HTML omitted -->"), "{html}");
    assert!(html.contains("lien"), "the text between tags stays: {html}");
    let report = check(site.path());
    let found = report.of_rule("raw-html");
    assert_eq!(found.len(), 5, "one per block or tag: {report}");
    assert!(found.iter().all(|f| f.severity == Severity::Warning), "{report}");
    assert_eq!((found[0].line, found[0].column), (5, 1), "{}", found[0]);
    assert_eq!((found[2].line, found[2].column), (9, 4), "{}", found[2]);
    assert!(found[0].fix.contains("shortcode") || found[0].fix.contains("Markdown"), "{}", found[0]);
}
