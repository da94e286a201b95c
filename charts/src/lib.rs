//! Server-rendered SVG charts for Earshot's QA dashboards.
//!
//! Each function takes plain data and returns the markup of one `<svg>` element, ready to be
//! embedded in a page. The pages are served with `Content-Security-Policy: style-src 'self'`, so
//! the charts never use `style="…"` attributes or `<style>` elements: colours and strokes are SVG
//! presentation attributes, and every element that a stylesheet may want to restyle carries a
//! class (`series-0` … `series-5`, `too-few`, `ci`, `grid`, …).
//!
//! Every chart:
//!
//! - has a fixed `viewBox` width of 720 and `width="100%"`, so it scales with its container;
//! - is `role="img"`, named by its `<title>` (`aria-labelledby`) and described by its `<desc>`
//!   (`aria-describedby`), with ids derived from its content so that several charts can share a
//!   page;
//! - XML-escapes all text: labels are user data (agent names, questions in Chinese);
//! - shows a confidence interval where the data has one (`low` and `high` both set) and marks
//!   estimates from too few samples (`too_few`) as such, since a dashboard otherwise invites
//!   ranking agents on three calls.
//!
//! Values are in the axis' unit (`Axis::percent()` expects 0–100, not proportions); values outside
//! the axis are drawn at its edge; non-finite values count as missing.
//!
//! ```
//! use earshot_charts::{bar_chart, Axis, Bar};
//!
//! let bars = [Bar {
//!     label: "陳小姐".into(),
//!     value: Some(72.0),
//!     low: Some(61.5),
//!     high: Some(80.6),
//!     n: 41,
//!     too_few: false,
//! }];
//! let svg = bar_chart("Pass rate by agent", "Share of calls passing QA, last 30 days", &Axis::percent(), &bars);
//! assert!(svg.starts_with("<svg"));
//! assert!(svg.contains("n=41"));
//! ```

mod bar;
mod line;
mod scale;
mod svg;
mod text;

#[cfg(test)]
mod tests;

pub use bar::bar_chart;
pub use line::line_chart;

/// One observation of a [`Series`]: the estimate for one x position (a week, a day, …).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Point {
    /// The x label, e.g. `"2026-W47"`.
    pub label: String,
    /// `None` leaves a gap in the line (no data for that period).
    pub value: Option<f64>,
    /// Confidence interval, drawn when both bounds are set.
    pub low: Option<f64>,
    pub high: Option<f64>,
    /// Sample size, shown in the point's tooltip.
    pub n: u64,
    /// The estimate rests on too few samples to compare: drawn as a hollow marker.
    pub too_few: bool,
}

/// A named line of [`Point`]s.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Series {
    pub name: String,
    pub points: Vec<Point>,
}

/// The value axis (y for [`line_chart`], x for [`bar_chart`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    pub min: f64,
    pub max: f64,
    /// Appended as-is to tick and value labels, e.g. `"%"` or `" s"`.
    pub unit: String,
    /// Number of labelled ticks, evenly spaced from `min` to `max` inclusive (at least 2 are
    /// drawn, at most 21).
    pub ticks: usize,
}

impl Axis {
    /// 0 to 100 %, ticks every 25 %.
    pub fn percent() -> Self {
        Axis {
            min: 0.0,
            max: 100.0,
            unit: "%".into(),
            ticks: 5,
        }
    }
}

/// One group of a [`bar_chart`] (an agent, a team, a question).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Bar {
    /// Truncated with "…" past 28 columns (CJK characters count as two); the full label stays in
    /// the bar's `<title>`.
    pub label: String,
    /// `None` draws no bar, only the label and "—".
    pub value: Option<f64>,
    /// Confidence interval, drawn as a whisker when both bounds are set.
    pub low: Option<f64>,
    pub high: Option<f64>,
    /// Sample size, printed as "n=…" beside the bar.
    pub n: u64,
    /// The estimate rests on too few samples to compare: drawn hatched grey, class `too-few`.
    pub too_few: bool,
}
