//! Horizontal bars, one per group, with confidence whiskers and sample sizes.

use crate::scale::Scale;
use crate::svg::{self, w, Esc, AXIS_COLOUR, GRID_COLOUR, MUTED_COLOUR, N, PALETTE, TEXT_COLOUR};
use crate::text::{truncate, MAX_LABEL_COLUMNS};
use crate::{Axis, Bar};

/// Labels end here (right-aligned); 28 columns of 12 px text (about 7 px each in a wide sans
/// serif) fit in the 208 px before it.
const LABEL_RIGHT: f64 = 208.0;
pub(crate) const PLOT_LEFT: f64 = 216.0;
pub(crate) const PLOT_RIGHT: f64 = 656.0;
/// "n=…" is right-aligned here, in the column after the plot.
const N_RIGHT: f64 = 712.0;
pub(crate) const PLOT_TOP: f64 = 8.0;
pub(crate) const ROW: f64 = 28.0;
const BAR_HEIGHT: f64 = 16.0;
const CAP: f64 = 5.0;
const TOO_FEW_FILL: &str = "#bdbdbd";

/// Horizontal bars, one row per group, in the order given.
///
/// Each bar is a `<g class="bar">` whose first child is a `<title>` with the full label; the
/// visible label is cut with "…" past 28 columns. Bars start at 0 (or the axis edge nearest to
/// it) and carry a whisker for the confidence interval when both bounds are set, and "n=…" in a
/// column on the right. A `too_few` bar is hatched grey and its group has class `too-few`. A bar
/// whose value is `None` keeps its row, label and "n=…", with "—" in place of the bar.
///
/// With no bars, only the axis is drawn (the caller's `desc` says why).
pub fn bar_chart(title: &str, desc: &str, axis: &Axis, bars: &[Bar]) -> String {
    let plot_bottom = PLOT_TOP + bars.len().max(1) as f64 * ROW;
    let height = plot_bottom + 26.0;
    let mut out = String::new();
    let id = svg::open(&mut out, "bar-chart", height, title, desc, &(axis, bars));
    let x = Scale::new(axis, PLOT_LEFT, PLOT_RIGHT);

    if bars.iter().any(|b| b.too_few) {
        w!(
            out,
            r##"<defs><pattern id="{id}-hatch" patternUnits="userSpaceOnUse" width="6" height="6" patternTransform="rotate(45)"><rect width="6" height="6" fill="#eee"/><line x1="0" y1="0" x2="0" y2="6" stroke="{TOO_FEW_FILL}" stroke-width="3"/></pattern></defs>"##
        );
    }

    out.push_str(r#"<g class="x-axis">"#);
    for (value, label) in x.ticks(axis) {
        let px = x.px(value);
        w!(
            out,
            r#"<line class="grid" x1="{}" y1="{}" x2="{}" y2="{}" stroke="{GRID_COLOUR}" stroke-width="1"/>"#,
            N(px),
            N(PLOT_TOP),
            N(px),
            N(plot_bottom)
        );
        svg::text(
            &mut out,
            "tick-label",
            px,
            plot_bottom + 16.0,
            "middle",
            MUTED_COLOUR,
            &label,
            None,
        );
    }
    // Bars grow from 0 when the axis includes it, otherwise from the nearer edge.
    let base = x.px(0.0);
    w!(
        out,
        r#"<line class="axis" x1="{}" y1="{}" x2="{}" y2="{}" stroke="{AXIS_COLOUR}" stroke-width="1"/>"#,
        N(base),
        N(PLOT_TOP),
        N(base),
        N(plot_bottom)
    );
    out.push_str("</g>");

    for (row, bar) in bars.iter().enumerate() {
        let centre = PLOT_TOP + (row as f64 + 0.5) * ROW;
        let class = if bar.too_few { "bar too-few" } else { "bar" };
        w!(
            out,
            r#"<g class="{class}"><title>{}</title>"#,
            Esc(&bar.label)
        );
        let (shown, _) = truncate(&bar.label, MAX_LABEL_COLUMNS);
        svg::text(
            &mut out,
            "bar-label",
            LABEL_RIGHT,
            centre + 4.0,
            "end",
            TEXT_COLOUR,
            &shown,
            None,
        );
        match bar.value.filter(|v| v.is_finite()) {
            Some(value) => {
                let end = x.px(value);
                let fill = if bar.too_few {
                    format!("url(#{id}-hatch)")
                } else {
                    PALETTE[0].to_owned()
                };
                let stroke = if bar.too_few {
                    TOO_FEW_FILL
                } else {
                    PALETTE[0]
                };
                w!(
                    out,
                    r#"<rect class="bar-fill" x="{}" y="{}" width="{}" height="{}" fill="{fill}" stroke="{stroke}" stroke-width="1"/>"#,
                    N(base.min(end)),
                    N(centre - BAR_HEIGHT / 2.0),
                    N((end - base).abs()),
                    N(BAR_HEIGHT)
                );
                if let (Some(low), Some(high)) = (
                    bar.low.filter(|v| v.is_finite()),
                    bar.high.filter(|v| v.is_finite()),
                ) {
                    let (from, to) = (x.px(low), x.px(high));
                    w!(
                        out,
                        r#"<path class="ci whisker" d="M{} {}H{}M{} {}V{}M{} {}V{}" fill="none" stroke="{TEXT_COLOUR}" stroke-width="1.5"/>"#,
                        N(from),
                        N(centre),
                        N(to),
                        N(from),
                        N(centre - CAP),
                        N(centre + CAP),
                        N(to),
                        N(centre - CAP),
                        N(centre + CAP)
                    );
                }
            }
            None => svg::text(
                &mut out,
                "no-value",
                base + 6.0,
                centre + 4.0,
                "start",
                MUTED_COLOUR,
                "—",
                None,
            ),
        }
        svg::text(
            &mut out,
            "n",
            N_RIGHT,
            centre + 4.0,
            "end",
            MUTED_COLOUR,
            &format!("n={}", bar.n),
            None,
        );
        out.push_str("</g>");
    }
    svg::close(&mut out);
    out
}
