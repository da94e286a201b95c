//! Lines over time: one line per series, confidence bands, gaps for missing periods.

use crate::scale::{format_value, Scale};
use crate::svg::{self, w, Esc, AXIS_COLOUR, GRID_COLOUR, MUTED_COLOUR, N, PALETTE, TEXT_COLOUR};
use crate::text::{columns, truncate, COLUMN_PX, MAX_LABEL_COLUMNS};
use crate::{Axis, Point, Series};

pub(crate) const PLOT_LEFT: f64 = 56.0;
pub(crate) const PLOT_RIGHT: f64 = 704.0;
pub(crate) const PLOT_TOP: f64 = 16.0;
pub(crate) const PLOT_BOTTOM: f64 = 256.0;
const X_LABEL_Y: f64 = PLOT_BOTTOM + 18.0;
const LEGEND_TOP: f64 = PLOT_BOTTOM + 36.0;
const LEGEND_ROW: f64 = 20.0;
const SWATCH: f64 = 12.0;
const MARKER_RADIUS: f64 = 3.5;
/// x labels ("2026-W47") are cut shorter than group labels: they sit side by side.
const MAX_X_LABEL_COLUMNS: usize = 16;

/// Lines over time.
///
/// The x positions are the labels of the longest series (normally all series have the same
/// periods, in the same order); point `i` of every series is drawn at position `i`. Each series
/// gets a colour (class `series-0` … `series-5`, cycling) and a legend entry. A confidence
/// interval is a shaded band over consecutive points that have one, and a whisker on a point
/// that stands alone. A point whose value is `None` leaves a gap in the line; a `too_few` point
/// is a hollow marker with class `too-few`. Every marker has a tooltip with its value, interval
/// and `n`.
///
/// With no points at all, only the axes are drawn (the caller's `desc` says why).
pub fn line_chart(title: &str, desc: &str, axis: &Axis, series: &[Series]) -> String {
    let slots = series.iter().map(|s| s.points.len()).max().unwrap_or(0);
    let legend = if slots == 0 {
        Vec::new()
    } else {
        legend_layout(series)
    };
    let legend_rows = legend.last().map_or(0, |item| item.row + 1);
    let height = if legend_rows == 0 {
        X_LABEL_Y + 10.0
    } else {
        LEGEND_TOP + legend_rows as f64 * LEGEND_ROW
    };

    let mut out = String::new();
    svg::open(&mut out, "line-chart", height, title, desc, &(axis, series));
    let y = Scale::new(axis, PLOT_BOTTOM, PLOT_TOP);
    value_axis(&mut out, axis, &y);

    let slot_width = (PLOT_RIGHT - PLOT_LEFT) / slots.max(1) as f64;
    let x = |i: usize| PLOT_LEFT + (i as f64 + 0.5) * slot_width;
    if let Some(longest) = series.iter().find(|s| slots > 0 && s.points.len() == slots) {
        x_labels(&mut out, &longest.points, slot_width, &x);
    }

    let decimals = y.value_decimals(axis);
    for (index, s) in series.iter().enumerate() {
        let colour = PALETTE[index % PALETTE.len()];
        w!(
            out,
            r#"<g class="series series-{}">"#,
            index % PALETTE.len()
        );
        confidence(&mut out, &s.points, colour, &x, &y);
        line(&mut out, &s.points, colour, &x, &y);
        for (i, point) in s.points.iter().enumerate() {
            let Some(value) = finite(point.value) else {
                continue;
            };
            let (class, fill) = if point.too_few {
                ("point too-few", "#fff")
            } else {
                ("point", colour)
            };
            w!(
                out,
                r#"<circle class="{class}" cx="{}" cy="{}" r="{}" fill="{fill}" stroke="{colour}" stroke-width="1.5"><title>{}</title></circle>"#,
                N(x(i)),
                N(y.px(value)),
                N(MARKER_RADIUS),
                Esc(&tooltip(&s.name, point, value, decimals, &axis.unit)),
            );
        }
        out.push_str("</g>");
    }

    if !legend.is_empty() {
        out.push_str(r#"<g class="legend">"#);
        for item in &legend {
            let index = item.series % PALETTE.len();
            let top = LEGEND_TOP + item.row as f64 * LEGEND_ROW - SWATCH + 2.0;
            w!(
                out,
                r#"<g class="legend-item series-{index}"><rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>"#,
                N(item.x),
                N(top),
                N(SWATCH),
                N(SWATCH),
                PALETTE[index],
            );
            let (shown, cut) = truncate(&series[item.series].name, MAX_LABEL_COLUMNS);
            svg::text(
                &mut out,
                "legend-label",
                item.x + SWATCH + 4.0,
                top + SWATCH - 1.0,
                "start",
                TEXT_COLOUR,
                &shown,
                cut.then_some(series[item.series].name.as_str()),
            );
            out.push_str("</g>");
        }
        out.push_str("</g>");
    }
    svg::close(&mut out);
    out
}

fn finite(v: Option<f64>) -> Option<f64> {
    v.filter(|v| v.is_finite())
}

/// Both bounds of a point that has a value, if it has an interval.
fn bounds(point: &Point) -> Option<(f64, f64)> {
    finite(point.value)?;
    Some((finite(point.low)?, finite(point.high)?))
}

/// Horizontal gridlines with their labels, and the two axis lines.
fn value_axis(out: &mut String, axis: &Axis, y: &Scale) {
    out.push_str(r#"<g class="y-axis">"#);
    for (value, label) in y.ticks(axis) {
        let py = y.px(value);
        w!(
            out,
            r#"<line class="grid" x1="{}" y1="{}" x2="{}" y2="{}" stroke="{GRID_COLOUR}" stroke-width="1"/>"#,
            N(PLOT_LEFT),
            N(py),
            N(PLOT_RIGHT),
            N(py)
        );
        svg::text(
            out,
            "tick-label",
            PLOT_LEFT - 6.0,
            py + 4.0,
            "end",
            MUTED_COLOUR,
            &label,
            None,
        );
    }
    w!(
        out,
        r#"<path class="axis" d="M{} {}V{}H{}" fill="none" stroke="{AXIS_COLOUR}" stroke-width="1"/>"#,
        N(PLOT_LEFT),
        N(PLOT_TOP),
        N(PLOT_BOTTOM),
        N(PLOT_RIGHT)
    );
    out.push_str("</g>");
}

/// The period labels under the plot, thinned out so that they do not overlap.
fn x_labels(out: &mut String, points: &[Point], slot_width: f64, x: &dyn Fn(usize) -> f64) {
    let labels: Vec<(String, bool)> = points
        .iter()
        .map(|p| truncate(&p.label, MAX_X_LABEL_COLUMNS))
        .collect();
    let widest = labels.iter().map(|(l, _)| columns(l)).max().unwrap_or(0);
    let label_px = widest as f64 * COLUMN_PX + 8.0;
    let every = (label_px / slot_width).ceil().max(1.0) as usize;
    out.push_str(r#"<g class="x-axis">"#);
    for (i, (point, (shown, cut))) in points.iter().zip(&labels).enumerate() {
        if i % every != 0 {
            continue;
        }
        svg::text(
            out,
            "tick-label",
            x(i),
            X_LABEL_Y,
            "middle",
            MUTED_COLOUR,
            shown,
            cut.then_some(point.label.as_str()),
        );
    }
    out.push_str("</g>");
}

/// Runs of consecutive indices for which `keep` holds.
fn runs(points: &[Point], keep: impl Fn(&Point) -> bool) -> Vec<std::ops::Range<usize>> {
    let mut runs = Vec::new();
    let mut start = None;
    for (i, point) in points.iter().enumerate() {
        match (keep(point), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                runs.push(s..i);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        runs.push(s..points.len());
    }
    runs
}

/// Bands over runs of two or more points with intervals; whiskers on lone ones.
fn confidence(
    out: &mut String,
    points: &[Point],
    colour: &str,
    x: &dyn Fn(usize) -> f64,
    y: &Scale,
) {
    for run in runs(points, |p| bounds(p).is_some()) {
        let b = |i: usize| bounds(&points[i]).unwrap_or_default();
        if run.len() == 1 {
            let (i, (low, high)) = (run.start, b(run.start));
            let (px, top, bottom) = (x(i), y.px(high), y.px(low));
            w!(
                out,
                r#"<path class="ci whisker" d="M{} {}H{}M{} {}V{}M{} {}H{}" fill="none" stroke="{colour}" stroke-width="1.5"/>"#,
                N(px - 4.0),
                N(top),
                N(px + 4.0),
                N(px),
                N(top),
                N(bottom),
                N(px - 4.0),
                N(bottom),
                N(px + 4.0)
            );
            continue;
        }
        let mut d = String::new();
        for i in run.clone() {
            let command = if i == run.start { 'M' } else { 'L' };
            w!(d, "{command}{} {}", N(x(i)), N(y.px(b(i).1)));
        }
        for i in run.rev() {
            w!(d, "L{} {}", N(x(i)), N(y.px(b(i).0)));
        }
        d.push('Z');
        w!(
            out,
            r#"<path class="ci band" d="{d}" fill="{colour}" fill-opacity="0.15" stroke="none"/>"#
        );
    }
}

/// The line through consecutive values; a missing value breaks it.
fn line(out: &mut String, points: &[Point], colour: &str, x: &dyn Fn(usize) -> f64, y: &Scale) {
    let mut d = String::new();
    for run in runs(points, |p| finite(p.value).is_some()) {
        if run.len() < 2 {
            continue; // a lone point is just its marker
        }
        for i in run.clone() {
            let command = if i == run.start { 'M' } else { 'L' };
            let value = finite(points[i].value).unwrap_or_default();
            w!(d, "{command}{} {}", N(x(i)), N(y.px(value)));
        }
    }
    if !d.is_empty() {
        w!(
            out,
            r#"<path class="line" d="{d}" fill="none" stroke="{colour}" stroke-width="2" stroke-linejoin="round"/>"#
        );
    }
}

fn tooltip(series: &str, point: &Point, value: f64, decimals: usize, unit: &str) -> String {
    let mut text = format!(
        "{series} · {}: {}",
        point.label,
        format_value(value, decimals, unit)
    );
    if let Some((low, high)) = bounds(point) {
        w!(
            text,
            " ({}–{})",
            format_value(low, decimals, ""),
            format_value(high, decimals, unit)
        );
    }
    w!(text, " · n={}", point.n);
    text
}

struct LegendItem {
    series: usize,
    row: usize,
    x: f64,
}

/// Legend entries left to right, wrapping to a new row at the plot's right edge.
fn legend_layout(series: &[Series]) -> Vec<LegendItem> {
    let mut items = Vec::new();
    let (mut row, mut x) = (0, PLOT_LEFT);
    for (index, s) in series.iter().enumerate() {
        let (shown, _) = truncate(&s.name, MAX_LABEL_COLUMNS);
        let width = SWATCH + 4.0 + columns(&shown) as f64 * COLUMN_PX + 16.0;
        if x > PLOT_LEFT && x + width > PLOT_RIGHT {
            row += 1;
            x = PLOT_LEFT;
        }
        items.push(LegendItem {
            series: index,
            row,
            x,
        });
        x += width;
    }
    items
}
