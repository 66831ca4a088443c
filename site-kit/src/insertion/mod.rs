//! The insertion statistics page and shortcode, from `data/insertion.json` (written by `collector stats
//! --insertion --json`, the shape of [`consent::insertion::InsertionStats`]; secret counts are `null`).
//!
//! The numbers are shown as published: nothing is added up here (a sum of published numbers the collector did
//! not publish could undo its complementary suppression), and a secret count reads « secret », with what that
//! means under every table.

pub mod chart;
pub mod shortcode;

use crate::error::Located;
use crate::shortcodes::escape_attr;
use chart::Bar;
use consent::insertion::{FORMAT, Horizon, InsertionStats, Line, NOT_GIVEN, Row, Situation};
use consent::{Config, Locale};
use std::fmt::Write;
use std::path::Path;

/// Where the statistics are read, in the site folder.
pub const DATA_FILE: &str = "data/insertion.json";

/// The site path of the statistics page.
pub const PAGE_PATH: &str = "/insertion-professionnelle/";

/// The page's title.
pub const TITLE: &str = "Insertion professionnelle des diplômés";

/// A shortcode placed in an article: the programme (or what is wrong with its spelling) and its offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InsertionRef {
    /// The programme named, or what is wrong.
    pub programme: Result<String, &'static str>,
    /// Byte offset in the body.
    pub offset: usize,
}

/// What stands in the rendered body where the shortcode was, replaced when the page is written. Raw HTML is
/// left out of articles, so an author cannot write it.
pub fn marker(index: usize) -> String {
    format!("<!--site-kit:insertion:{index}-->")
}

/// Reads `data/insertion.json` of `dir`: `None` when there is none; an unreadable file, bad JSON, another
/// format or another site's statistics are located errors.
pub fn load(dir: &Path, config: &Config) -> Result<Option<InsertionStats>, Located> {
    let path = dir.join(DATA_FILE);
    let located = |line: usize, column: usize, message: String, hint: &str| Located {
        file: DATA_FILE.to_owned(),
        line,
        column,
        message,
        hint: Some(hint.to_owned()),
    };
    let src = match std::fs::read_to_string(&path) {
        Ok(src) => src,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(located(1, 1, e.to_string(), "check the file's permissions")),
    };
    let stats: InsertionStats = serde_json::from_str(&src).map_err(|e| {
        located(
            e.line().max(1),
            e.column().max(1),
            format!("not insertion statistics: {e}"),
            "write it with `collector stats --insertion --json > data/insertion.json`",
        )
    })?;
    if stats.format != FORMAT {
        return Err(located(
            1,
            1,
            format!("format {} is not known (this site-kit reads {FORMAT})", stats.format),
            "write it again with the collector of this version",
        ));
    }
    if stats.site != config.site().as_str() {
        return Err(located(
            1,
            1,
            format!("the statistics are those of site `{}`, not `{}`", stats.site, config.site()),
            "run `collector stats --insertion --json --site ID` with this site's id",
        ));
    }
    Ok(Some(stats))
}

/// The shortcode problems of one page: misspelt, no statistics, unknown programme. `place` gives the line and
/// column of a body offset.
pub fn errors(
    file: &str,
    refs: &[InsertionRef],
    stats: Option<&InsertionStats>,
    place: impl Fn(usize) -> (usize, usize),
) -> Vec<Located> {
    let mut out = Vec::new();
    for r in refs {
        let (line, column) = place(r.offset);
        let located =
            |message: String, hint: String| Located { file: file.to_owned(), line, column, message, hint: Some(hint) };
        match (&r.programme, stats) {
            (Err(why), _) => {
                out.push(located(format!("insertion shortcode: {why}"), format!("write it {}", shortcode::SYNTAX)))
            }
            (Ok(_), None) => out.push(located(
                format!("insertion shortcode, but no {DATA_FILE}"),
                "write it with `collector stats --insertion --json > data/insertion.json`".to_owned(),
            )),
            (Ok(p), Some(stats)) if stats.programme(p).next().is_none() => {
                let known = stats.programmes();
                let hint = if known.is_empty() {
                    format!("{DATA_FILE} has no programme yet")
                } else {
                    format!("the programmes of {DATA_FILE} are: {}", known.join(", "))
                };
                out.push(located(format!("unknown programme `{p}` in the insertion shortcode"), hint));
            }
            (Ok(_), Some(_)) => {}
        }
    }
    out
}

const SECRET_NOTE: &str = "« secret »\u{a0}: secret statistique. Un effectif de moins de 5 personnes n'est jamais \
    publié, ni ce qui permettrait de le retrouver par soustraction des totaux\u{a0}: d'autres cases sont alors \
    masquées aussi. Une ligne de moins de 5 répondants n'est pas détaillée.";

fn count(n: Option<u32>) -> String {
    match n {
        Some(n) => format!("<td>{n}</td>"),
        None => "<td class=\"secret\">secret</td>".to_owned(),
    }
}

fn share(p: Option<u32>) -> String {
    match p {
        Some(p) => format!("<td>{p}\u{a0}%</td>"),
        None => "<td class=\"secret\">secret</td>".to_owned(),
    }
}

fn situation_cells(line: &Line) -> String {
    let mut out = count(line.respondents);
    for s in Situation::ALL {
        out.push_str(&count(line.situations.get(s)));
    }
    out.push_str(&share(line.indicators.employment_rate));
    out.push_str(&share(line.indicators.employed_share));
    out.push_str(&share(line.indicators.studying_share));
    out.push_str(&share(line.indicators.job_seeking_share));
    out
}

fn situation_header(first: &str) -> String {
    let mut out = format!(
        "<tr><th scope=\"col\">{}</th><th scope=\"col\">Horizon</th><th scope=\"col\">Répondants</th>",
        escape_attr(first)
    );
    for s in Situation::ALL {
        let _ = write!(out, "<th scope=\"col\">{}</th>", escape_attr(s.label(Locale::Fr)));
    }
    out.push_str(
        "<th scope=\"col\">Taux d'emploi</th><th scope=\"col\">Part en emploi</th>\
         <th scope=\"col\">Part en poursuite d'études</th><th scope=\"col\">Part en recherche d'emploi</th></tr>",
    );
    out
}

/// The table of some rows, with an optional total line; rows of several programmes are headed by programme and
/// promo (two promos of the same year would read alike otherwise).
fn situation_table(caption: &str, rows: &[&Row], total: Option<&Line>, with_programme: bool) -> String {
    let first = if with_programme { "Cursus, promotion" } else { "Promotion" };
    let mut out = format!(
        "<div class=\"table-scroll\"><table class=\"insertion\"><caption>{}</caption><thead>{}</thead><tbody>",
        escape_attr(caption),
        situation_header(first)
    );
    for r in rows {
        let heading = if with_programme { format!("{}, {}", r.programme, r.promo) } else { r.promo.clone() };
        let _ = write!(
            out,
            "<tr><th scope=\"row\">{}</th><td>{}</td>{}</tr>",
            escape_attr(&heading),
            r.horizon.label_fr(),
            situation_cells(&r.line)
        );
    }
    if let Some(total) = total {
        let _ =
            write!(out, "<tr class=\"total\"><th scope=\"row\">Ensemble</th><td></td>{}</tr>", situation_cells(total));
    }
    out.push_str("</tbody></table></div>");
    out
}

fn sector_table(stats: &InsertionStats, caption: &str, rows: &[&Row]) -> String {
    let mut out = format!(
        "<div class=\"table-scroll\"><table class=\"insertion\"><caption>{}</caption><thead><tr>\
         <th scope=\"col\">Promotion</th><th scope=\"col\">Horizon</th>",
        escape_attr(caption)
    );
    for s in &stats.sectors {
        let _ = write!(out, "<th scope=\"col\">{}</th>", escape_attr(s.label(Locale::Fr)));
    }
    out.push_str("<th scope=\"col\">Non renseigné</th></tr></thead><tbody>");
    let ids: Vec<&str> = stats.sectors.iter().map(|s| s.id.as_str()).chain([NOT_GIVEN]).collect();
    for r in rows {
        let _ = write!(out, "<tr><th scope=\"row\">{}</th><td>{}</td>", escape_attr(&r.promo), r.horizon.label_fr());
        for id in &ids {
            out.push_str(&count(r.line.sectors.get(*id).copied().flatten()));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></div>");
    out
}

fn label(r: &Row, with_programme: bool) -> String {
    if with_programme {
        format!("{} — {} — {}", r.programme, r.promo, r.horizon.label_fr())
    } else {
        format!("{} — {}", r.promo, r.horizon.label_fr())
    }
}

/// The figure: the chart of the employment rate of `rows`, then their table.
fn figure(id: &str, caption: &str, rows: &[&Row], with_programme: bool, table: &str) -> String {
    let bars: Vec<Bar> = rows
        .iter()
        .map(|r| Bar { label: label(r, with_programme), percent: r.line.indicators.employment_rate })
        .collect();
    let shown = bars.iter().filter(|b| b.percent.is_some()).count();
    let desc = format!(
        "Taux d'emploi (en emploi parmi les répondants qui ne poursuivent pas d'études), {} barre(s) sur {}\u{a0}; \
         les valeurs sont dans le tableau qui suit.",
        shown,
        bars.len()
    );
    format!(
        "<figure class=\"chart insertion-chart\"><figcaption>{}</figcaption>{}<div class=\"chart-data\">{table}</div></figure>",
        escape_attr(caption),
        chart::svg(id, caption, &desc, &bars)
    )
}

fn programme_rows<'a>(stats: &'a InsertionStats, programme: &'a str) -> Vec<&'a Row> {
    stats.programme(programme).collect()
}

/// What a site's reader needs to read the numbers: who counts, the indicators, the horizons, the secret.
fn method(config: &Config, stats: &InsertionStats) -> String {
    let purpose = config.purpose(&stats.purpose).map_or(stats.purpose.as_str(), |p| p.label.get(Locale::Fr));
    let mut out = String::from("<section class=\"insertion-method\"><h2>Méthode</h2><dl>");
    let _ = write!(
        out,
        "<dt>Répondants</dt><dd>Les diplômés qui ont consenti à la finalité «\u{a0}{}\u{a0}» et indiqué leur situation \
         dans leur profil\u{a0}; personne d'autre n'est compté et aucune réponse individuelle n'est publiée.</dd>",
        escape_attr(purpose)
    );
    out.push_str(
        "<dt>Taux d'emploi</dt><dd>Part des répondants en emploi parmi ceux qui ne poursuivent pas d'études \
         (comme InserSup, qui les écarte de sa population).</dd>\
         <dt>Part en emploi, en poursuite d'études, en recherche d'emploi</dt><dd>Parts de l'ensemble des répondants.</dd>\
         <dt>Horizon</dt><dd>Chaque réponse est comptée à la date où elle a été donnée ou mise à jour, la promotion étant \
         réputée diplômée le 1<sup>er</sup> juillet de son année\u{a0}: ",
    );
    let horizons: Vec<String> =
        Horizon::ALL.iter().map(|h| format!("«\u{a0}{}\u{a0}», {}", h.label_fr(), h.window_fr())).collect();
    out.push_str(&escape_attr(&horizons.join("\u{a0}; ")));
    out.push_str(
        ". Une réponse mise à jour remplace la précédente.</dd>\
         <dt>Non publié</dt><dd>Le taux d'emploi salarié en France (le profil ne dit pas si l'emploi est salarié\u{a0}; \
         InserSup le lit dans les déclarations des employeurs) et la part en emploi en lien avec la formation \
         (non demandée).</dd>",
    );
    let _ = write!(out, "<dt>Secret statistique</dt><dd>{}</dd></dl></section>", escape_attr(SECRET_NOTE));
    out
}

/// The body of the statistics page.
pub fn page(config: &Config, stats: &InsertionStats) -> String {
    let mut out = String::new();
    if stats.rows.is_empty() {
        out.push_str("<p>Aucune statistique n'est encore publiée\u{a0}: personne n'a encore répondu.</p>");
        out.push_str(&method(config, stats));
        return out;
    }
    let all: Vec<&Row> = stats.rows.iter().collect();
    out.push_str(
        "<p class=\"lead\">La situation des diplômés, par cursus et par promotion, d'après les réponses de ceux qui ont \
         accepté d'y contribuer.</p>",
    );
    let overview = situation_table("Ensemble des cursus", &all, Some(&stats.total), true);
    let _ =
        write!(out, "{}", figure("insertion-ensemble", "Taux d'emploi par cursus et promotion", &all, true, &overview));
    let _ = write!(out, "<p class=\"secret-note\">{}</p>", escape_attr(SECRET_NOTE));
    for programme in stats.programmes() {
        let rows = programme_rows(stats, programme);
        let _ = write!(out, "<section class=\"insertion-programme\"><h2>{}</h2>", escape_attr(programme));
        out.push_str(&situation_table(&format!("Situation des diplômés — {programme}"), &rows, None, false));
        if !stats.sectors.is_empty() {
            let _ = write!(
                out,
                "{}",
                sector_table(stats, &format!("Secteur d'activité des répondants en emploi — {programme}"), &rows)
            );
        }
        out.push_str("</section>");
    }
    out.push_str(&method(config, stats));
    out
}

/// What an `{{ insertion(programme="…") }}` shortcode becomes: the programme's chart and table, a note on the
/// secret and a link to the page. `index` keeps ids unique in the article.
pub fn fragment(stats: &InsertionStats, programme: &str, index: usize) -> String {
    let rows = programme_rows(stats, programme);
    let caption = format!("Insertion professionnelle — {programme}");
    let table = situation_table(&caption, &rows, None, false);
    format!(
        "<div class=\"insertion-shortcode\">{}<p class=\"secret-note\">{} <a href=\"{PAGE_PATH}\">Méthode et autres cursus</a></p></div>",
        figure(&format!("insertion-{index}"), &format!("Taux d'emploi — {programme}"), &rows, false, &table),
        escape_attr(SECRET_NOTE)
    )
}
