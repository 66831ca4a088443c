//! A static, accessible SVG bar chart of percentages (the employment rate of each row of the statistics): no
//! script, nothing fetched. The SVG is `role="img"`, named by its `<title>` and described by its `<desc>`; the
//! page puts the table of every number beside it, so the chart is never the only way to read them (WCAG 1.1.1).
//! A secret value draws no bar and says « secret statistique » where the bar would be.

use svg_charts::{HBar, Layout, Tick};

const LAYOUT: Layout =
    Layout { width: 720.0, label_w: 280.0, right: 130.0, row: 28.0, top: 8.0, axis_h: 28.0, label_chars: 40 };

/// One bar: what it is, and the percentage (`None`: secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bar {
    /// What the bar is for.
    pub label: String,
    /// 0–100, or secret.
    pub percent: Option<u32>,
}

/// The SVG: `id` prefixes the ids of its title and description (unique in the page).
pub fn svg(id: &str, title: &str, desc: &str, bars: &[Bar]) -> String {
    let ticks: Vec<Tick> =
        [0, 25, 50, 75, 100].map(|t| Tick { share: f64::from(t) / 100.0, label: format!("{t} %") }).to_vec();
    let texts: Vec<String> =
        bars.iter().map(|b| b.percent.map_or_else(|| "secret statistique".to_owned(), |p| format!("{p} %"))).collect();
    let drawn: Vec<HBar<'_>> = bars
        .iter()
        .zip(&texts)
        .map(|(b, text)| HBar { label: &b.label, share: b.percent.map(|p| f64::from(p.min(100)) / 100.0), text })
        .collect();
    LAYOUT.svg(id, title, desc, &ticks, &drawn)
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
