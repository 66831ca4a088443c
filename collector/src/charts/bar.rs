//! A horizontal bar chart (labels such as page paths are long: they read best on the left), with the table of
//! its numbers supplied by the caller, so that the console can make that table sortable.

use super::axis::ticks;
use super::thousands;
use maud::{Markup, PreEscaped, html};
use std::fmt::Write;

const WIDTH: f64 = 720.0;
const LABEL_W: f64 = 240.0;
const RIGHT: f64 = 56.0;
const ROW: f64 = 26.0;
const TOP: f64 = 8.0;
const AXIS_H: f64 = 28.0;
/// The longest label drawn in the SVG, in characters (the table holds the whole text).
const LABEL_CHARS: usize = 34;
const COLOUR: &str = "#1d4ed8";

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

fn shorten(label: &str) -> String {
    if label.chars().count() <= LABEL_CHARS {
        return label.to_owned();
    }
    let mut short: String = label.chars().take(LABEL_CHARS - 1).collect();
    short.push('…');
    short
}

impl BarChart<'_> {
    /// The SVG's height for its bars.
    fn height(&self) -> f64 {
        TOP + ROW * self.bars.len().max(1) as f64 + AXIS_H
    }

    fn drawing(&self) -> String {
        let max = self.bars.iter().map(|b| b.value).max().unwrap_or(0);
        let axis = ticks(max, 4);
        let top = axis.last().copied().unwrap_or(1).max(1) as f64;
        let plot_w = WIDTH - LABEL_W - RIGHT;
        let x = |v: u64| LABEL_W + plot_w * v as f64 / top;
        let bottom = self.height() - AXIS_H;
        let mut out = String::new();
        for tick in &axis {
            let tx = x(*tick);
            let _ = write!(
                out,
                r##"<line x1="{tx:.1}" x2="{tx:.1}" y1="{TOP}" y2="{bottom:.1}" stroke="#d4d4d8"/><text x="{tx:.1}" y="{:.1}" text-anchor="middle" font-size="12" fill="#3f3f46">{}</text>"##,
                bottom + 18.0,
                thousands(*tick)
            );
        }
        for (i, bar) in self.bars.iter().enumerate() {
            let ty = TOP + ROW * i as f64;
            let w = x(bar.value) - LABEL_W;
            let _ = write!(
                out,
                r##"<text x="{:.1}" y="{:.1}" text-anchor="end" font-size="12" fill="#18181b">{}</text><rect x="{LABEL_W}" y="{:.1}" width="{w:.1}" height="{:.1}" fill="{COLOUR}"/><text x="{:.1}" y="{:.1}" font-size="12" fill="#18181b">{}</text>"##,
                LABEL_W - 8.0,
                ty + ROW / 2.0 + 4.0,
                html_escape::encode_text(&shorten(&bar.label)),
                ty + 4.0,
                ROW - 8.0,
                LABEL_W + w + 6.0,
                ty + ROW / 2.0 + 4.0,
                thousands(bar.value)
            );
        }
        out
    }

    /// The figure: caption, SVG (`role="img"`, named by its title, described by its desc), then `table`.
    pub fn render(&self, table: Markup) -> Markup {
        let title_id = format!("{}-title", self.id);
        let desc_id = format!("{}-desc", self.id);
        html! {
            figure.chart {
                figcaption { (self.title) }
                svg xmlns="http://www.w3.org/2000/svg" viewBox={ "0 0 " (WIDTH) " " (self.height()) } width="100%"
                    role="img" aria-labelledby={ (title_id) " " (desc_id) } focusable="false" {
                    title id=(title_id) { (self.title) }
                    desc id=(desc_id) { (self.desc) }
                    (PreEscaped(self.drawing()))
                }
                div.chart-data { (table) }
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
