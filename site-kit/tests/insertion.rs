//! The insertion statistics page and shortcode (issue 15.3) from `data/insertion.json` as `collector stats
//! --insertion --json` writes it (the school example's file, generated from a crafted ledger): built through the
//! real binary; secret counts read « secret » with the explanation; bad shortcodes and bad data files are located
//! errors with a hint; without the file there is no page and a shortcode says how to write it.

use crate::support::*;
use std::path::Path;

const PROGRAMME: &str = "Ingénieur généraliste";
const OTHER: &str = "Master science des données";
const SHORTCODE_ARTICLE: &str = "content/insertion-des-diplomes.md";

/// A copy of the school example (`data/insertion.json` and the article with the shortcode included).
fn school() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy(&example("ecole-exemple"), dir.path());
    dir
}

fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() { copy(&path, &target) } else { std::fs::copy(&path, &target).map(|_| ()).unwrap() }
    }
}

/// `site-kit build` of `dir`: success, output folder, what it printed.
fn build_with_binary(dir: &Path) -> (bool, tempfile::TempDir, String) {
    let out = tempfile::tempdir().unwrap();
    let run = site_kit(&["build", dir.to_str().unwrap(), "--out", out.path().to_str().unwrap()]);
    (run.status.success(), out, text(&run))
}

fn write(dir: &Path, rel: &str, text: &str) {
    std::fs::write(dir.join(rel), text).unwrap();
}

fn article(body: &str) -> String {
    format!(
        "+++\ntitle = \"Chiffres\"\ndate = 2026-11-21\ndescription = \"Les chiffres.\"\n+++\n\nIntroduction.\n\n{body}\n"
    )
}

#[test]
fn the_page_and_the_shortcode_show_the_published_numbers_and_the_secret_with_its_reason() {
    let site = school();
    let (ok, out, printed) = build_with_binary(site.path());
    assert!(ok, "{printed}");
    let html = page(out.path(), "/insertion-professionnelle/");
    assert!(html.contains("<h1>Insertion professionnelle des diplômés</h1>"), "{html}");
    // The chart is an image named by its title and description, the numbers are in a table after it.
    assert!(
        html.contains("role=\"img\" aria-labelledby=\"insertion-ensemble-title insertion-ensemble-desc\""),
        "{html}"
    );
    assert!(html.contains("<title id=\"insertion-ensemble-title\">Taux d'emploi par cursus et promotion</title>"));
    assert!(
        html.contains("<desc id=\"insertion-ensemble-desc\">") && html.contains("les valeurs sont dans le tableau")
    );
    assert!(html.contains("<th scope=\"col\">Taux d'emploi</th>"), "{html}");
    // As published by the collector: 20 engineers of 2024, 15 of them employed; the 4 in another situation of
    // the data master, and the job seekers that would give them back, are secret.
    assert!(
        html.contains(&format!(
            "<th scope=\"row\">{PROGRAMME}, 2024</th><td>à 18 mois et plus</td><td>20</td><td>15</td>"
        )),
        "{html}"
    );
    let data_row = &html[html.find(&format!("<th scope=\"row\">{OTHER}, 2025</th>")).unwrap()..];
    let data_row = &data_row[..data_row.find("</tr>").unwrap()];
    assert_eq!(data_row.matches("<td class=\"secret\">secret</td>").count(), 3, "{data_row}");
    assert!(html.contains(
        "« secret »\u{a0}: secret statistique. Un effectif de moins de 5 personnes n&#x27;est jamais publié"
    ));
    assert!(html.contains("<h2>Méthode</h2>") && html.contains("InserSup"), "{html}");
    assert!(!html.contains("null"), "{html}");

    // The article's shortcode: the engineers' chart and table only, with the note and a link to the page.
    let article = page(out.path(), "/insertion-des-diplomes/");
    let block = &article[article.find("<div class=\"insertion-shortcode\">").expect(&article)..];
    let block = &block[..block.find("</div></figure>").unwrap()];
    assert!(block.contains(&format!("Taux d'emploi — {PROGRAMME}")), "{block}");
    assert!(block.contains("<th scope=\"row\">2025</th><td>à 12 mois</td><td>17</td><td>12</td><td>5</td>"), "{block}");
    assert!(!block.contains(OTHER), "{block}");
    assert!(article.contains("<a href=\"/insertion-professionnelle/\">Méthode et autres cursus</a>"), "{article}");
}

#[test]
fn bad_shortcodes_and_bad_data_files_are_located_with_a_hint() {
    // A programme the file does not have.
    let site = school();
    write(site.path(), SHORTCODE_ARTICLE, &article("{{ insertion(programme=\"Licence pro\") }}"));
    let (ok, _, printed) = build_with_binary(site.path());
    assert!(!ok, "{printed}");
    assert!(printed.contains(&format!("{SHORTCODE_ARTICLE}:9:1")), "{printed}");
    assert!(printed.contains("unknown programme `Licence pro`"), "{printed}");
    assert!(
        printed.contains(&format!("{PROGRAMME}, {OTHER}")) || printed.contains(&format!("{OTHER}, {PROGRAMME}")),
        "{printed}"
    );

    // A misspelt shortcode.
    write(site.path(), SHORTCODE_ARTICLE, &article("Texte {{ insertion(cursus=\"x\") }}"));
    let (ok, _, printed) = build_with_binary(site.path());
    assert!(!ok, "{printed}");
    assert!(
        printed.contains(&format!("{SHORTCODE_ARTICLE}:9:7")) && printed.contains("insertion shortcode"),
        "{printed}"
    );
    assert!(printed.contains("write it"), "{printed}");

    // The statistics of another site, of another format, or not JSON at all.
    write(site.path(), SHORTCODE_ARTICLE, &article("Rien."));
    let good = std::fs::read_to_string(site.path().join("data/insertion.json")).unwrap();
    for (text, place, message) in [
        (
            good.replace("\"ecole-exemple\"", "\"association-exemple\""),
            "data/insertion.json:1:1",
            "not `ecole-exemple`",
        ),
        (good.replacen("\"format\": 1", "\"format\": 9", 1), "data/insertion.json:1:1", "format 9 is not known"),
        (good.replacen("\"k\": 5,", "\"k\": 5", 1), "data/insertion.json:6:", "not insertion statistics"),
    ] {
        write(site.path(), "data/insertion.json", &text);
        let (ok, _, printed) = build_with_binary(site.path());
        assert!(!ok, "{printed}");
        assert!(printed.contains(place) && printed.contains(message), "{place} {message}: {printed}");
    }
}

#[test]
fn without_a_data_file_there_is_no_page_and_a_shortcode_says_how_to_write_it() {
    let site = school();
    std::fs::remove_file(site.path().join("data/insertion.json")).unwrap();
    write(site.path(), SHORTCODE_ARTICLE, &article("Rien."));
    let (ok, out, printed) = build_with_binary(site.path());
    assert!(ok, "{printed}");
    assert!(!out.path().join("insertion-professionnelle").exists());
    write(site.path(), SHORTCODE_ARTICLE, &article(&format!("{{{{ insertion(programme=\"{PROGRAMME}\") }}}}")));
    let (ok, _, printed) = build_with_binary(site.path());
    assert!(!ok, "{printed}");
    assert!(
        printed.contains(&format!("{SHORTCODE_ARTICLE}:9:1")) && printed.contains("no data/insertion.json"),
        "{printed}"
    );
    assert!(printed.contains("collector stats --insertion --json > data/insertion.json"), "{printed}");
}

#[test]
fn check_knows_the_generated_statistics_page_only_when_its_data_file_is_there() {
    let site = school();
    let linking = "content/l-importance-du-reseau.md";
    let body = "Les chiffres de nos diplômés : [insertion professionnelle](/insertion-professionnelle/).";
    write(site.path(), linking, &article(body));
    let run = site_kit(&["check", site.path().to_str().unwrap()]);
    let printed = text(&run);
    assert!(run.status.success() && !printed.contains("broken internal link"), "{printed}");
    // Without data/insertion.json no page is built: the same link is broken, and said so.
    std::fs::remove_file(site.path().join("data/insertion.json")).unwrap();
    let run = site_kit(&["check", site.path().to_str().unwrap()]);
    let printed = text(&run);
    assert!(!run.status.success(), "{printed}");
    assert!(
        printed.contains(&format!("{linking}:9:")) && printed.contains("`/insertion-professionnelle/`"),
        "{printed}"
    );
}
