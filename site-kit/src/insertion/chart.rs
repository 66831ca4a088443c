//! A static, accessible SVG bar chart of percentages (the employment rate of each row of the statistics): no
//! script, nothing fetched. The SVG is `role="img"`, named by its `<title>` and described by its `<desc>`; the
//! page puts the table of every number beside it, so the chart is never the only way to read them (WCAG 1.1.1).
//! A secret value draws no bar and says « secret statistique » where the bar would be.

use std::fmt::Write;

const WIDTH: f64 = 720.0;
const LABEL_W: f64 = 280.0;
const RIGHT: f64 = 130.0;
const ROW: f64 = 28.0;
const TOP: f64 = 8.0;
const AXIS_H: f64 = 28.0;
/// The longest label drawn, in characters (the table beside holds the whole text).
const LABEL_CHARS: usize = 40;
/// ≥ 3:1 against white (WCAG 1.4.11).
const COLOUR: &str = "#1d4ed8";

/// One bar: what it is, and the percentage (`None`: secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bar {
    /// What the bar is for.
    pub label: String,
    /// 0–100, or secret.
    pub percent: Option<u32>,
}

fn text(s: &str) -> String {
    html_escape::encode_text(s).into_owned()
}

fn shorten(label: &str) -> String {
    if label.chars().count() <= LABEL_CHARS {
        return label.to_owned();
    }
    let mut short: String = label.chars().take(LABEL_CHARS - 1).collect();
    short.push('…');
    short
}

/// The SVG: `id` prefixes the ids of its title and description (unique in the page).
pub fn svg(id: &str, title: &str, desc: &str, bars: &[Bar]) -> String {
    let height = TOP + ROW * bars.len().max(1) as f64 + AXIS_H;
    let plot_w = WIDTH - LABEL_W - RIGHT;
    let x = |p: u32| LABEL_W + plot_w * f64::from(p.min(100)) / 100.0;
    let bottom = height - AXIS_H;
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" aria-labelledby="{id}-title {id}-desc" focusable="false"><title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>"#,
        text(title),
        text(desc)
    );
    for tick in [0, 25, 50, 75, 100] {
        let tx = x(tick);
        let _ = write!(
            out,
            r##"<line x1="{tx:.1}" x2="{tx:.1}" y1="{TOP}" y2="{bottom:.1}" stroke="#d4d4d8"/><text x="{tx:.1}" y="{:.1}" text-anchor="middle" font-size="12" fill="#3f3f46">{tick} %</text>"##,
            bottom + 18.0
        );
    }
    for (i, bar) in bars.iter().enumerate() {
        let ty = TOP + ROW * i as f64;
        let mid = ty + ROW / 2.0 + 4.0;
        let _ = write!(
            out,
            r##"<text x="{:.1}" y="{mid:.1}" text-anchor="end" font-size="12" fill="#18181b">{}</text>"##,
            LABEL_W - 8.0,
            text(&shorten(&bar.label))
        );
        match bar.percent {
            Some(p) => {
                let w = x(p) - LABEL_W;
                let _ = write!(
                    out,
                    r##"<rect x="{LABEL_W}" y="{:.1}" width="{w:.1}" height="{:.1}" fill="{COLOUR}"/><text x="{:.1}" y="{mid:.1}" font-size="12" fill="#18181b">{p} %</text>"##,
                    ty + 4.0,
                    ROW - 8.0,
                    LABEL_W + w + 6.0
                );
            }
            None => {
                let _ = write!(
                    out,
                    r##"<text x="{:.1}" y="{mid:.1}" font-size="12" font-style="italic" fill="#3f3f46">secret statistique</text>"##,
                    LABEL_W + 6.0
                );
            }
        }
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_are_proportional_named_and_described() {
        let bars = vec![
            Bar { label: "Ingénieur — 2023".into(), percent: Some(100) },
            Bar { label: "Ingénieur — 2024".into(), percent: Some(25) },
            Bar { label: "MBA — 2024".into(), percent: None },
        ];
        let svg = svg("taux", "Taux d'emploi", "Un taux par promotion.", &bars);
        assert!(svg.contains(r#"role="img" aria-labelledby="taux-title taux-desc""#), "{svg}");
        assert!(
            svg.contains(r#"<title id="taux-title">Taux d&#x27;emploi</title>"#)
                || svg.contains("<title id=\"taux-title\">Taux d'emploi</title>"),
            "{svg}"
        );
        assert!(svg.contains(r#"<desc id="taux-desc">Un taux par promotion.</desc>"#), "{svg}");
        // 100 % is the whole plot (720 − 280 − 130 = 310), 25 % a quarter of it.
        assert!(svg.contains(r#"width="310.0""#), "{svg}");
        assert!(svg.contains(r#"width="77.5""#), "{svg}");
        assert_eq!(svg.matches("<rect").count(), 2, "no bar for a secret value");
        assert!(svg.contains("secret statistique"), "{svg}");
    }

    #[test]
    fn labels_are_text_not_markup() {
        let svg = svg("x", "<t>", "<d>", &[Bar { label: "<script>alert(1)</script>".into(), percent: Some(1) }]);
        assert!(!svg.contains("<script>") && !svg.contains("<t>") && !svg.contains("<d>"), "{svg}");
    }
}
