//! Static, accessible SVG bar charts, shared by the collector's staff console and site-kit's statistics page: no
//! script, nothing fetched, fine under a CSP of `default-src 'none'`. The SVG is `role="img"`, named by its
//! `<title>` and described by its `<desc>`; the caller puts the table of every number beside it, so that the
//! chart is never the only way to read them (WCAG 1.1.1). The bar colour has at least 3:1 contrast on white
//! (WCAG 1.4.11). Every text is escaped.

use std::fmt::Write;

/// ≥ 3:1 against white (WCAG 1.4.11).
const COLOUR: &str = "#1d4ed8";

/// The geometry of a horizontal bar chart (labels on the left: long ones read best there).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Layout {
    /// The SVG's width (its viewBox; it is drawn at 100 % of its container).
    pub width: f64,
    /// Room for the labels, left of the bars.
    pub label_w: f64,
    /// Room right of the longest bar, for its value.
    pub right: f64,
    /// Height of one bar's row.
    pub row: f64,
    /// Space above the first bar.
    pub top: f64,
    /// Height of the axis labels' band.
    pub axis_h: f64,
    /// The longest label drawn, in characters (the table beside holds the whole text).
    pub label_chars: usize,
}

/// One bar: its label, its length as a share of the plot (0 to 1), and the text after it; a bar with no
/// length is drawn as its text alone, in italics, where the bar would be (« secret statistique »).
#[derive(Debug, Clone, PartialEq)]
pub struct HBar<'a> {
    /// What the bar is for.
    pub label: &'a str,
    /// Its length, 0 to 1 of the plot; `None`: no bar.
    pub share: Option<f64>,
    /// The value as read (`1 234`, `25 %`, `secret statistique`).
    pub text: &'a str,
}

/// A vertical grid line: where (0 to 1 of the plot) and its label.
#[derive(Debug, Clone, PartialEq)]
pub struct Tick {
    /// Position, 0 to 1 of the plot.
    pub share: f64,
    /// What it reads.
    pub label: String,
}

fn text(s: &str) -> String {
    html_escape::encode_text(s).into_owned()
}

/// `label` cut to `max` characters, an ellipsis last when it was longer.
pub fn shorten(label: &str, max: usize) -> String {
    if label.chars().count() <= max {
        return label.to_owned();
    }
    let mut short: String = label.chars().take(max.saturating_sub(1)).collect();
    short.push('…');
    short
}

/// A number with a narrow no-break space between thousands, as French typography writes it (`12 345`).
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 * 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{202f}');
        }
        out.push(c);
    }
    out
}

/// The ticks of a value axis from 0 covering `max`: at most `max_ticks + 1` values, evenly spaced by a round
/// step (1, 2 or 5 times a power of ten).
pub fn ticks(max: u64, max_ticks: u64) -> Vec<u64> {
    let max_ticks = max_ticks.max(1);
    if max == 0 {
        return vec![0, 1];
    }
    let mut magnitude = 1u64;
    let step = loop {
        if let Some(step) = [1, 2, 5].iter().map(|m| m * magnitude).find(|s| max.div_ceil(*s) <= max_ticks) {
            break step;
        }
        magnitude = magnitude.saturating_mul(10);
    };
    let top = max.div_ceil(step) * step;
    (0..=top / step).map(|i| i * step).collect()
}

impl Layout {
    /// The SVG's height for `bars` bars.
    pub fn height(&self, bars: usize) -> f64 {
        self.top + self.row * bars.max(1) as f64 + self.axis_h
    }

    /// The grid, the labels and the bars: the SVG's content, without the `<svg>` element.
    pub fn drawing(&self, ticks: &[Tick], bars: &[HBar<'_>]) -> String {
        let plot_w = self.width - self.label_w - self.right;
        let x = |share: f64| self.label_w + plot_w * share.clamp(0.0, 1.0);
        let bottom = self.height(bars.len()) - self.axis_h;
        let mut out = String::new();
        for tick in ticks {
            let tx = x(tick.share);
            let _ = write!(
                out,
                r##"<line x1="{tx:.1}" x2="{tx:.1}" y1="{}" y2="{bottom:.1}" stroke="#d4d4d8"/><text x="{tx:.1}" y="{:.1}" text-anchor="middle" font-size="12" fill="#3f3f46">{}</text>"##,
                self.top,
                bottom + 18.0,
                text(&tick.label)
            );
        }
        for (i, bar) in bars.iter().enumerate() {
            let ty = self.top + self.row * i as f64;
            let mid = ty + self.row / 2.0 + 4.0;
            let _ = write!(
                out,
                r##"<text x="{:.1}" y="{mid:.1}" text-anchor="end" font-size="12" fill="#18181b">{}</text>"##,
                self.label_w - 8.0,
                text(&shorten(bar.label, self.label_chars))
            );
            match bar.share {
                Some(share) => {
                    let w = x(share) - self.label_w;
                    let _ = write!(
                        out,
                        r##"<rect x="{}" y="{:.1}" width="{w:.1}" height="{:.1}" fill="{COLOUR}"/><text x="{:.1}" y="{mid:.1}" font-size="12" fill="#18181b">{}</text>"##,
                        self.label_w,
                        ty + 4.0,
                        self.row - 8.0,
                        self.label_w + w + 6.0,
                        text(bar.text)
                    );
                }
                None => {
                    let _ = write!(
                        out,
                        r##"<text x="{:.1}" y="{mid:.1}" font-size="12" font-style="italic" fill="#3f3f46">{}</text>"##,
                        self.label_w + 6.0,
                        text(bar.text)
                    );
                }
            }
        }
        out
    }

    /// The whole SVG: `id` prefixes the ids of its title and description (unique in the page).
    pub fn svg(&self, id: &str, title: &str, desc: &str, ticks: &[Tick], bars: &[HBar<'_>]) -> String {
        format!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" width="100%" role="img" aria-labelledby="{id}-title {id}-desc" focusable="false"><title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>{}</svg>"#,
            self.width,
            self.height(bars.len()),
            text(title),
            text(desc),
            self.drawing(ticks, bars)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LAYOUT: Layout =
        Layout { width: 400.0, label_w: 100.0, right: 100.0, row: 20.0, top: 8.0, axis_h: 28.0, label_chars: 8 };

    #[test]
    fn bars_are_proportional_named_described_and_escaped() {
        let ticks = [Tick { share: 0.0, label: "0".into() }, Tick { share: 1.0, label: "<10>".into() }];
        let bars = [
            HBar { label: "<script>alert(1)</script>", share: Some(1.0), text: "10" },
            HBar { label: "quarter", share: Some(0.25), text: "2,5" },
            HBar { label: "hidden", share: None, text: "secret statistique" },
        ];
        let svg = LAYOUT.svg("c", "Titre <b>", "Une description.", &ticks, &bars);
        assert!(svg.starts_with(r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 96""#), "{svg}");
        assert!(svg.contains(r#"role="img" aria-labelledby="c-title c-desc""#), "{svg}");
        assert!(svg.contains(r#"<title id="c-title">Titre &lt;b&gt;</title>"#), "{svg}");
        assert!(svg.contains(r#"<desc id="c-desc">Une description.</desc>"#), "{svg}");
        // The plot is 400 − 100 − 100 = 200 wide: the whole of it, then a quarter.
        assert!(svg.contains(r#"width="200.0""#) && svg.contains(r#"width="50.0""#), "{svg}");
        assert_eq!(svg.matches("<rect").count(), 2, "no bar without a length");
        assert!(svg.contains(r##"font-style="italic" fill="#3f3f46">secret statistique</text>"##), "{svg}");
        assert!(!svg.contains("<script>") && svg.contains("&lt;script…"), "cut and escaped: {svg}");
        assert!(svg.contains("&lt;10&gt;</text>"), "{svg}");
    }

    #[test]
    fn labels_are_cut_to_their_room() {
        assert_eq!(shorten("court", 8), "court");
        assert_eq!(shorten("bien plus long", 8), "bien pl…");
    }

    #[test]
    fn thousands_are_grouped_the_french_way() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1\u{202f}000");
        assert_eq!(thousands(1_234_567), "1\u{202f}234\u{202f}567");
    }

    #[test]
    fn ticks_are_round_and_cover_the_maximum() {
        assert_eq!(ticks(0, 4), vec![0, 1]);
        assert_eq!(ticks(1, 4), vec![0, 1]);
        assert_eq!(ticks(3, 4), vec![0, 1, 2, 3]);
        assert_eq!(ticks(7, 4), vec![0, 2, 4, 6, 8]);
        assert_eq!(ticks(10, 4), vec![0, 5, 10]);
        assert_eq!(ticks(37, 4), vec![0, 10, 20, 30, 40]);
        assert_eq!(ticks(1_234, 4), vec![0, 500, 1_000, 1_500]);
        assert_eq!(ticks(1_000_000, 5), vec![0, 200_000, 400_000, 600_000, 800_000, 1_000_000]);
    }
}
