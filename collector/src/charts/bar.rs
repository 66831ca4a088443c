//! A horizontal bar chart (labels such as page paths are long: they read best on the left), with the table of
//! its numbers supplied by the caller, so that the console can make that table sortable.

use super::axis::ticks;
use super::thousands;
use maud::{Markup, PreEscaped, html};
use svg_charts::{HBar, Layout, Tick};

/// Page paths are long: 240 of the 720 units for the labels, cut after 34 characters (the table holds them all).
const LAYOUT: Layout =
    Layout { width: 720.0, label_w: 240.0, right: 56.0, row: 26.0, top: 8.0, axis_h: 28.0, label_chars: 34 };

/// One bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bar {
    /// What it counts (a page, a CTA, a promo…).
    pub label: String,
    /// How many.
    pub value: u64,
}

/// A bar chart, drawn in the order given.
#[derive(Debug, Clone)]
pub struct BarChart<'a> {
    /// A prefix for the ids of its title and description, unique in the page.
    pub id: &'a str,
    /// The accessible name and visible caption.
    pub title: &'a str,
    /// What the chart shows (read by screen readers).
    pub desc: &'a str,
    /// The bars.
    pub bars: &'a [Bar],
}

impl BarChart<'_> {
    /// The SVG, its bars as long as their share of the axis's top.
    fn svg(&self) -> String {
        let max = self.bars.iter().map(|b| b.value).max().unwrap_or(0);
        let axis = ticks(max, 4);
        let top = axis.last().copied().unwrap_or(1).max(1) as f64;
        let ticks: Vec<Tick> = axis.iter().map(|t| Tick { share: *t as f64 / top, label: thousands(*t) }).collect();
        let texts: Vec<String> = self.bars.iter().map(|b| thousands(b.value)).collect();
        let bars: Vec<HBar<'_>> = self
            .bars
            .iter()
            .zip(&texts)
            .map(|(b, text)| HBar { label: &b.label, share: Some(b.value as f64 / top), text })
            .collect();
        LAYOUT.svg(self.id, self.title, self.desc, &ticks, &bars)
    }

    /// The figure: caption, SVG (`role="img"`, named by its title, described by its desc), then `table`.
    pub fn render(&self, table: Markup) -> Markup {
        html! {
            figure.chart {
                figcaption { (self.title) }
                (PreEscaped(self.svg()))
                // The table scrolls (the console caps its height): a keyboard must reach it (WCAG 2.1.1).
                div.chart-data tabindex="0" role="region" aria-label={ "Chiffres / data: " (self.title) } { (table) }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_are_proportional_and_labelled() {
        let bars = vec![
            Bar { label: "/portrait-marie/".into(), value: 40 },
            Bar { label: "/le-reseau/".into(), value: 10 },
            Bar { label: "/a-very-long-page-path/that-goes-on-and-on-and-on/".into(), value: 0 },
        ];
        let chart =
            BarChart { id: "pages", title: "Par page / by page", desc: "Consentements confirmés.", bars: &bars };
        let svg = chart.render(html! { table { tr { td { "t" } } } }).into_string();
        assert!(svg.contains(r#"aria-labelledby="pages-title pages-desc""#));
        assert!(svg.contains(r#"<title id="pages-title">Par page / by page</title>"#));
        // 40 is the top of the axis: the full plot width (720 − 240 − 56 = 424); 10 is a quarter of it.
        assert!(svg.contains(r#"width="424.0""#), "{svg}");
        assert!(svg.contains(r#"width="106.0""#), "{svg}");
        assert!(svg.contains(r#"width="0.0""#), "{svg}");
        assert!(svg.contains("/a-very-long-page-path/that-goes-…"), "{svg}");
        assert!(svg.contains("<td>t</td>"), "the caller's table is beside the chart");
    }

    #[test]
    fn labels_are_text_not_markup() {
        let bars = vec![Bar { label: "<script>alert(1)</script>".into(), value: 1 }];
        let chart = BarChart { id: "x", title: "<t>", desc: "d", bars: &bars };
        let svg = chart.render(html! {}).into_string();
        assert!(!svg.contains("<script>"), "{svg}");
        assert!(!svg.contains("<t>"), "{svg}");
    }
}
