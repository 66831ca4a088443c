//! Charts drawn on the server as SVG, for the staff console: no script, nothing fetched, fine under a CSP of
//! `default-src 'none'`. Each chart is a `<figure>` whose SVG carries a `<title>` and a `<desc>` (its
//! accessible name and description) and, beside it, a table with every number the chart shows: a screen reader,
//! a keyboard user or someone who cannot tell two colours apart reads the table, not the picture.
//!
//! Series differ by colour *and* by dash pattern and marker shape (WCAG 1.4.1: colour is never the only cue);
//! colours have at least 3:1 contrast on white (WCAG 1.4.11).

mod axis;
mod bar;
mod line;

pub use bar::{Bar, BarChart};
pub use line::{LineChart, Series};

/// Stroke colours, each ≥ 3:1 against white, with a dash pattern and a marker each.
const STYLES: [(&str, &str, Marker); 4] = [
    ("#1d4ed8", "", Marker::Circle),
    ("#b45309", "6 3", Marker::Square),
    ("#047857", "2 3", Marker::Diamond),
    ("#7e22ce", "8 3 2 3", Marker::Triangle),
];

/// A point's shape, so that series stay apart in grey.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Marker {
    Circle,
    Square,
    Diamond,
    Triangle,
}

/// A number with a narrow no-break space between thousands, as French typography writes it (`12 345`).
pub use svg_charts::thousands;
