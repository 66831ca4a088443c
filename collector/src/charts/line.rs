//! A line chart: one line per series over ordered labels (days, weeks or months), with its data table.

use super::axis::ticks;
use super::{Marker, STYLES, thousands};
use maud::{Markup, PreEscaped, html};
use std::fmt::Write;

const WIDTH: f64 = 720.0;
/// The plot's own height.
const PLOT_H: f64 = 220.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 16.0;
/// Room above the plot for the legend: one line per series.
const LEGEND_ROW: f64 = 18.0;
const BOTTOM: f64 = 44.0;
/// Beyond this many points the markers would touch: the line alone is drawn.
const MAX_MARKED: usize = 62;
/// Labels written under the axis at most (the table has them all).
const MAX_LABELS: usize = 8;

/// One line: a name and a value per label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Series {
    /// The name in the legend and the table's column header.
    pub name: String,
    /// One value per label of the chart (missing values count as 0).
    pub values: Vec<u64>,
}

/// A line chart and the table of its numbers.
#[derive(Debug, Clone)]
pub struct LineChart<'a> {
    /// A prefix for the ids of its title and description, unique in the page.
    pub id: &'a str,
    /// The accessible name and visible caption.
    pub title: &'a str,
    /// What the chart shows, in one or two sentences (read by screen readers).
    pub desc: &'a str,
    /// The header of the label column of the table (`Jour / day`, `Mois / month`).
    pub x_header: &'a str,
    /// The labels, in order.
    pub labels: &'a [String],
    /// The lines (at most four are told apart; more reuse the styles).
    pub series: &'a [Series],
}

fn marker(out: &mut String, shape: Marker, x: f64, y: f64, colour: &str) {
    let _ = match shape {
        Marker::Circle => write!(out, r#"<circle cx="{x:.1}" cy="{y:.1}" r="3.5" fill="{colour}"/>"#),
        Marker::Square => {
            write!(out, r#"<rect x="{:.1}" y="{:.1}" width="7" height="7" fill="{colour}"/>"#, x - 3.5, y - 3.5)
        }
        Marker::Diamond => write!(
            out,
            r#"<path d="M{x:.1} {:.1}L{:.1} {y:.1}L{x:.1} {:.1}L{:.1} {y:.1}Z" fill="{colour}"/>"#,
            y - 4.5,
            x + 4.5,
            y + 4.5,
            x - 4.5
        ),
        Marker::Triangle => write!(
            out,
            r#"<path d="M{x:.1} {:.1}L{:.1} {:.1}L{:.1} {:.1}Z" fill="{colour}"/>"#,
            y - 4.5,
            x + 4.5,
            y + 3.5,
            x - 4.5,
            y + 3.5
        ),
    };
}

impl LineChart<'_> {
    fn x(&self, i: usize) -> f64 {
        let n = self.labels.len();
        if n <= 1 {
            return LEFT + (WIDTH - LEFT - RIGHT) / 2.0;
        }
        LEFT + (WIDTH - LEFT - RIGHT) * i as f64 / (n - 1) as f64
    }

    /// The plot's top: below one legend line per series.
    fn top(&self) -> f64 {
        12.0 + LEGEND_ROW * self.series.len().max(1) as f64
    }

    /// The SVG's height.
    fn height(&self) -> f64 {
        self.top() + PLOT_H + BOTTOM
    }

    /// The SVG drawing alone (shapes and text are numbers and escaped labels only).
    fn drawing(&self) -> String {
        let max = self.series.iter().flat_map(|s| s.values.iter().copied()).max().unwrap_or(0);
        let axis = ticks(max, 4);
        let top = axis.last().copied().unwrap_or(1).max(1) as f64;
        let plot_top = self.top();
        let y = |v: u64| plot_top + PLOT_H - PLOT_H * v as f64 / top;
        let mut out = String::new();
        for tick in &axis {
            let ty = y(*tick);
            let _ = write!(
                out,
                r##"<line x1="{LEFT}" x2="{:.1}" y1="{ty:.1}" y2="{ty:.1}" stroke="#d4d4d8"/><text x="{:.1}" y="{:.1}" text-anchor="end" font-size="12" fill="#3f3f46">{}</text>"##,
                WIDTH - RIGHT,
                LEFT - 6.0,
                ty + 4.0,
                thousands(*tick)
            );
        }
        let every = self.labels.len().div_ceil(MAX_LABELS).max(1);
        for (i, label) in self.labels.iter().enumerate() {
            if i % every != 0 && i + 1 != self.labels.len() {
                continue;
            }
            let _ = write!(
                out,
                r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="12" fill="#3f3f46">{}</text>"##,
                self.x(i),
                self.height() - BOTTOM + 18.0,
                html_escape::encode_text(label)
            );
        }
        for (n, series) in self.series.iter().enumerate() {
            let (colour, dash, shape) = STYLES[n % STYLES.len()];
            let points: Vec<String> = (0..self.labels.len())
                .map(|i| format!("{:.1},{:.1}", self.x(i), y(series.values.get(i).copied().unwrap_or(0))))
                .collect();
            let _ = write!(
                out,
                r#"<polyline points="{}" fill="none" stroke="{colour}" stroke-width="2.5" stroke-dasharray="{dash}"/>"#,
                points.join(" ")
            );
            if self.labels.len() <= MAX_MARKED {
                for i in 0..self.labels.len() {
                    marker(&mut out, shape, self.x(i), y(series.values.get(i).copied().unwrap_or(0)), colour);
                }
            }
            // The legend, one line per series above the plot, in the series' own line style and marker.
            let ly = 14.0 + LEGEND_ROW * n as f64;
            let _ = write!(
                out,
                r##"<line x1="{LEFT}" x2="{:.1}" y1="{ly:.1}" y2="{ly:.1}" stroke="{colour}" stroke-width="2.5" stroke-dasharray="{dash}"/>"##,
                LEFT + 28.0
            );
            marker(&mut out, shape, LEFT + 14.0, ly, colour);
            let _ = write!(
                out,
                r##"<text x="{:.1}" y="{:.1}" font-size="12" fill="#18181b">{}</text>"##,
                LEFT + 36.0,
                ly + 4.0,
                html_escape::encode_text(&series.name)
            );
        }
        out
    }

    /// The figure: caption, SVG (`role="img"`, named by its title and described by its desc), and the table.
    pub fn render(&self) -> Markup {
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
                // The table scrolls (the console caps its height): a keyboard must reach it (WCAG 2.1.1).
                div.chart-data tabindex="0" role="region" aria-label={ "Chiffres / data: " (self.title) } {
                    table {
                        caption { "Chiffres du graphique / chart data\u{a0}: " (self.title) }
                        thead { tr {
                            th scope="col" { (self.x_header) }
                            @for s in self.series { th scope="col" { (s.name) } }
                        } }
                        tbody {
                            @for (i, label) in self.labels.iter().enumerate() {
                                tr {
                                    th scope="row" { (label) }
                                    @for s in self.series { td { (thousands(s.values.get(i).copied().unwrap_or(0))) } }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart<'a>(labels: &'a [String], series: &'a [Series]) -> String {
        LineChart {
            id: "inforce",
            title: "Consentements en vigueur / consents in force",
            desc: "Par finalité, jour par jour.",
            x_header: "Jour / day",
            labels,
            series,
        }
        .render()
        .into_string()
    }

    #[test]
    fn every_number_is_in_the_table_and_every_series_is_drawn() {
        let labels: Vec<String> = ["01/12", "02/12", "03/12"].map(String::from).to_vec();
        let series = vec![
            Series { name: "community".into(), values: vec![3, 5, 1_200] },
            Series { name: "events".into(), values: vec![0, 1, 2] },
        ];
        let svg = chart(&labels, &series);
        assert!(svg.contains(r#"role="img" aria-labelledby="inforce-title inforce-desc""#), "{svg}");
        assert!(svg.contains(r#"<title id="inforce-title">Consentements en vigueur / consents in force</title>"#));
        assert!(svg.contains(r#"<desc id="inforce-desc">Par finalité, jour par jour.</desc>"#));
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert!(svg.contains("stroke-dasharray=\"6 3\""), "the second series is dashed, not only coloured");
        for cell in ["<td>3</td>", "<td>5</td>", "<td>1\u{202f}200</td>", "<td>0</td>", "<td>1</td>", "<td>2</td>"] {
            assert!(svg.contains(cell), "{cell} missing from the table");
        }
        assert!(svg.contains(r#"<th scope="row">02/12</th>"#));
        // The axis goes to a round value above the largest one.
        assert!(svg.contains(">1\u{202f}500</text>"), "{svg}");
    }

    #[test]
    fn names_are_text_not_markup() {
        let labels = vec!["<b>x</b>".to_owned()];
        let series = vec![Series { name: "<img src=x onerror=alert(1)>".into(), values: vec![1] }];
        let svg = chart(&labels, &series);
        assert!(!svg.contains("<img"), "{svg}");
        assert!(!svg.contains("<b>"), "{svg}");
        assert!(svg.contains("&lt;img src=x onerror=alert(1)&gt;"));
    }

    #[test]
    fn an_empty_or_single_point_chart_still_draws() {
        let svg = chart(&[], &[]);
        assert!(svg.contains("<svg"));
        let labels = vec!["01/12".to_owned()];
        let series = vec![Series { name: "community".into(), values: vec![0] }];
        let svg = chart(&labels, &series);
        assert!(svg.contains("<polyline points=\"384.0,250.0\""), "{svg}");
    }
}
