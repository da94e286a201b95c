//! Chart tests: every chart is parsed by a strict XML checker ([`xml`]) and queried as a tree.

mod xml;

use xml::{parse, Element};

use crate::{bar, line, svg::PALETTE, Axis, Bar, Point, Series};
use crate::{bar_chart, line_chart};

/// Parses `svg` and checks what every chart must satisfy: the root's attributes, the accessible
/// name and description, no inline styles, unique ids.
fn check(svg: &str) -> Element {
    let root = parse(svg).unwrap_or_else(|e| panic!("not well-formed: {e}\n{svg}"));
    assert_eq!(root.name, "svg");
    assert_eq!(root.attr("xmlns"), Some("http://www.w3.org/2000/svg"));
    assert_eq!(root.attr("role"), Some("img"));
    let view_box: Vec<f64> = root
        .attr("viewBox")
        .expect("viewBox")
        .split(' ')
        .map(|n| n.parse().expect("viewBox number"))
        .collect();
    assert_eq!(view_box[..3], [0.0, 0.0, 720.0]);
    assert!(view_box[3] > 40.0, "height {}", view_box[3]);
    assert!(matches!(root.attr("width"), None | Some("100%")));
    assert_eq!(root.attr("height"), None);

    // <title> and <desc> come first and are the ones aria-* point at.
    let children: Vec<&Element> = root.elements().collect();
    assert_eq!(children[0].name, "title");
    assert_eq!(children[1].name, "desc");
    assert_eq!(root.attr("aria-labelledby"), children[0].attr("id"));
    assert_eq!(root.attr("aria-describedby"), children[1].attr("id"));

    // CSP style-src 'self': no style attribute or element (checked on the parsed tree, so that
    // user text that merely contains "style=" does not count).
    let all = root.descendants();
    assert!(all.iter().all(|e| e.name != "style"));
    assert!(all.iter().all(|e| e.attr("style").is_none()));
    let mut ids: Vec<&str> = all.iter().filter_map(|e| e.attr("id")).collect();
    let count = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), count, "duplicate ids");
    assert!(!svg.contains("NaN") && !svg.contains("inf"), "{svg}");
    root
}

fn point(label: &str, value: Option<f64>) -> Point {
    Point {
        label: label.into(),
        value,
        n: 30,
        ..Point::default()
    }
}

fn with_ci(label: &str, value: f64, low: f64, high: f64) -> Point {
    Point {
        low: Some(low),
        high: Some(high),
        ..point(label, Some(value))
    }
}

fn weekly(name: &str, values: &[Option<f64>]) -> Series {
    Series {
        name: name.into(),
        points: values
            .iter()
            .enumerate()
            .map(|(i, &v)| point(&format!("2026-W{}", 40 + i), v))
            .collect(),
    }
}

fn bar(label: &str, value: Option<f64>) -> Bar {
    Bar {
        label: label.into(),
        value,
        n: 41,
        ..Bar::default()
    }
}

const TITLE: &str = "Pass rate by week";
const DESC: &str = "Share of scored calls that passed, per week, with 95% confidence intervals.";

// ---------------------------------------------------------------------------------------------
// Line chart

#[test]
fn line_chart_structure() {
    let series = [
        Series {
            name: "Team A".into(),
            points: (0..4)
                .map(|i| with_ci(&format!("2026-W{}", 40 + i), 70.0, 60.0, 80.0))
                .collect(),
        },
        weekly("陳小姐", &[Some(50.0), Some(55.0), Some(60.0), Some(65.0)]),
    ];
    let svg = line_chart(TITLE, DESC, &Axis::percent(), &series);
    let root = check(&svg);
    assert_eq!(root.find("title", "")[0].own_text(), TITLE);
    assert_eq!(root.find("desc", "")[0].own_text(), DESC);
    assert_eq!(root.find("circle", "point").len(), 8);
    assert_eq!(root.find("g", "series-0").len(), 2); // the series and its legend entry
    assert_eq!(root.find("g", "series-1").len(), 2);
    let legend: Vec<String> = root
        .find("text", "legend-label")
        .iter()
        .map(|t| t.own_text())
        .collect();
    assert_eq!(legend, ["Team A", "陳小姐"]);
    let x_labels: Vec<String> = root.find("g", "x-axis")[0]
        .find("text", "")
        .iter()
        .map(|t| t.own_text())
        .collect();
    assert_eq!(x_labels, ["2026-W40", "2026-W41", "2026-W42", "2026-W43"]);
    let ticks: Vec<String> = root.find("g", "y-axis")[0]
        .find("text", "tick-label")
        .iter()
        .map(|t| t.own_text())
        .collect();
    assert_eq!(ticks, ["0%", "25%", "50%", "75%", "100%"]);
    // Each series in its own colour, as attributes (the page may restyle by class).
    let lines = root.find("path", "line");
    assert_eq!(lines[0].attr("stroke"), Some(PALETTE[0]));
    assert_eq!(lines[1].attr("stroke"), Some(PALETTE[1]));
}

#[test]
fn line_chart_places_values_on_the_y_axis() {
    let series = [weekly(
        "A",
        &[Some(25.0), Some(50.0), Some(100.0), Some(0.0), Some(120.0)],
    )];
    let root = check(&line_chart(TITLE, DESC, &Axis::percent(), &series));
    let cy: Vec<f64> = root
        .find("circle", "point")
        .iter()
        .map(|c| c.num("cy"))
        .collect();
    // The plot spans y = 16 (100 %) to y = 256 (0 %), 240 units:
    // 25 → 256 − 0.25·240 = 196; 50 → 256 − 120 = 136; 100 → 16; 0 → 256;
    // 120 is past the axis and drawn at its edge, 16.
    assert_eq!((line::PLOT_TOP, line::PLOT_BOTTOM), (16.0, 256.0));
    assert_eq!(cy, [196.0, 136.0, 16.0, 256.0, 16.0]);
    // x: 5 slots over 56..704 are 129.6 wide; the first centre is 56 + 64.8 = 120.8.
    assert_eq!(root.find("circle", "point")[0].num("cx"), 120.8);

    // Another axis: 1 to 5, value 4 → 256 − (4 − 1)/(5 − 1)·240 = 256 − 180 = 76.
    let axis = Axis {
        min: 1.0,
        max: 5.0,
        unit: String::new(),
        ticks: 5,
    };
    let root = check(&line_chart(
        TITLE,
        DESC,
        &axis,
        &[weekly("A", &[Some(4.0)])],
    ));
    assert_eq!(root.find("circle", "point")[0].num("cy"), 76.0);
}

#[test]
fn missing_values_leave_gaps() {
    let series = [weekly(
        "A",
        &[
            Some(10.0),
            Some(20.0),
            None,
            Some(40.0),
            Some(f64::NAN),
            Some(60.0),
            Some(70.0),
        ],
    )];
    let root = check(&line_chart(TITLE, DESC, &Axis::percent(), &series));
    let circles = root.find("circle", "point");
    assert_eq!(circles.len(), 5, "no marker for None or NaN");
    // 7 slots over 648 units: centres at 56 + (i + 0.5)·92.571…; slots 2 and 4 have none.
    let slot = |i: f64| ((56.0 + (i + 0.5) * 648.0 / 7.0) * 100.0_f64).round() / 100.0;
    let cx: Vec<f64> = circles.iter().map(|c| c.num("cx")).collect();
    assert_eq!(cx, [slot(0.0), slot(1.0), slot(3.0), slot(5.0), slot(6.0)]);
    // The line restarts (M) after each gap and never spans one: runs 0–1 and 5–6 are drawn,
    // point 3 stands alone (marker only).
    let d = root.find("path", "line")[0].attr("d").unwrap().to_owned();
    assert_eq!(d.matches('M').count(), 2, "{d}");
    assert_eq!(d.matches('L').count(), 2, "{d}");
    assert!(!d.contains(&slot(3.0).to_string()), "{d}");

    // A single lone point: a marker and no line at all.
    let root = check(&line_chart(
        TITLE,
        DESC,
        &Axis::percent(),
        &[weekly("A", &[None, Some(30.0), None])],
    ));
    assert_eq!(root.find("circle", "point").len(), 1);
    assert!(root.find("path", "line").is_empty());
}

#[test]
fn confidence_intervals_are_bands_or_whiskers() {
    let banded = Series {
        name: "banded".into(),
        points: vec![
            with_ci("W1", 50.0, 40.0, 60.0),
            with_ci("W2", 50.0, 40.0, 60.0),
            with_ci("W3", 50.0, 40.0, 60.0),
        ],
    };
    let root = check(&line_chart(TITLE, DESC, &Axis::percent(), &[banded]));
    let bands = root.find("path", "band");
    assert_eq!(bands.len(), 1);
    let d = bands[0].attr("d").unwrap();
    // Three highs left to right, three lows back, closed: M + 5 L + Z.
    assert_eq!((d.matches('M').count(), d.matches('L').count()), (1, 5));
    assert!(d.ends_with('Z'));
    // high 60 → 256 − 0.6·240 = 112; low 40 → 256 − 0.4·240 = 160.
    assert!(d.contains(" 112L") && d.contains(" 160"), "{d}");
    assert!(root.find("path", "whisker").is_empty());

    // Intervals on points separated by a gap: a whisker on each, no band.
    let lone = Series {
        name: "lone".into(),
        points: vec![
            with_ci("W1", 50.0, 40.0, 60.0),
            point("W2", None),
            with_ci("W3", 50.0, 40.0, 60.0),
        ],
    };
    let root = check(&line_chart(TITLE, DESC, &Axis::percent(), &[lone]));
    assert!(root.find("path", "band").is_empty());
    let whiskers = root.find("path", "whisker");
    assert_eq!(whiskers.len(), 2);
    // From the high (y 112) down to the low (y 160) at the point's x (56 + 108 = 164).
    assert!(whiskers[0].attr("d").unwrap().contains("M164 112V160"));

    // No bounds (or only one), no interval.
    let mut half = with_ci("W1", 50.0, 40.0, 60.0);
    half.high = None;
    let root = check(&line_chart(
        TITLE,
        DESC,
        &Axis::percent(),
        &[
            weekly("plain", &[Some(1.0), Some(2.0)]),
            Series {
                name: "half".into(),
                points: vec![half],
            },
        ],
    ));
    assert!(root.find("path", "ci").is_empty());
}

#[test]
fn too_few_points_are_hollow() {
    let mut series = weekly("A", &[Some(50.0), Some(60.0), Some(70.0)]);
    series.points[1].too_few = true;
    let root = check(&line_chart(TITLE, DESC, &Axis::percent(), &[series]));
    let circles = root.find("circle", "point");
    let too_few: Vec<bool> = circles.iter().map(|c| c.has_class("too-few")).collect();
    assert_eq!(too_few, [false, true, false]);
    assert_eq!(circles[1].attr("fill"), Some("#fff"));
    assert_eq!(circles[1].attr("stroke"), Some(PALETTE[0]));
    assert_eq!(circles[0].attr("fill"), Some(PALETTE[0]));
}

#[test]
fn markers_have_tooltips_with_value_interval_and_n() {
    let series = Series {
        name: "Ann".into(),
        points: vec![with_ci("2026-W47", 72.5, 61.26, 81.0)],
    };
    let root = check(&line_chart(TITLE, DESC, &Axis::percent(), &[series]));
    assert_eq!(
        root.find("circle", "point")[0].title().unwrap(),
        "Ann · 2026-W47: 72.5% (61.3–81.0%) · n=30"
    );
}

#[test]
fn line_chart_escapes_user_text() {
    let evil = r#"<script>&"'</script>"#;
    let attr_injection = r#"" onload="f()"#;
    let mut series = weekly(evil, &[Some(10.0)]);
    series.points[0].label = attr_injection.into();
    let svg = line_chart(evil, evil, &Axis::percent(), &[series]);
    assert!(!svg.contains("<script"), "{svg}");
    let root = check(&svg);
    assert_eq!(root.find("title", "")[0].own_text(), evil);
    assert_eq!(root.find("desc", "")[0].own_text(), evil);
    assert_eq!(root.find("text", "legend-label")[0].own_text(), evil);
    assert_eq!(
        root.find("g", "x-axis")[0].find("text", "")[0].own_text(),
        attr_injection
    );
    assert!(root
        .descendants()
        .iter()
        .all(|e| e.attr("onload").is_none()));
}

#[test]
fn empty_line_chart_draws_only_the_axes() {
    for series in [vec![], vec![weekly("A", &[])]] {
        let root = check(&line_chart(
            TITLE,
            "No calls were scored in this period.",
            &Axis::percent(),
            &series,
        ));
        assert_eq!(root.find("title", "")[0].own_text(), TITLE);
        assert_eq!(root.find("line", "grid").len(), 5);
        assert_eq!(root.find("path", "axis").len(), 1);
        assert!(root.find("circle", "").is_empty());
        assert!(root.find("path", "line").is_empty());
        assert!(root.find("g", "legend").is_empty());
        assert!(root.find("g", "x-axis").is_empty());
    }
}

#[test]
fn unusable_axis_and_values_still_render() {
    let axis = Axis {
        min: f64::NAN,
        max: f64::INFINITY,
        unit: "%".into(),
        ticks: 0,
    };
    let mut series = weekly("A", &[Some(0.5), Some(f64::INFINITY), Some(-3.0)]);
    series.points[0].low = Some(f64::NAN);
    series.points[0].high = Some(0.9);
    let root = check(&line_chart(TITLE, DESC, &axis, &[series]));
    // Falls back to 0..1 with two ticks; the infinite value is a gap, −3 sits at the bottom.
    assert_eq!(root.find("line", "grid").len(), 2);
    let cy: Vec<f64> = root
        .find("circle", "point")
        .iter()
        .map(|c| c.num("cy"))
        .collect();
    assert_eq!(cy, [136.0, 256.0]); // 256 − 0.5·240 = 136; clamped to 256
    assert!(root.find("path", "ci").is_empty());
}

#[test]
fn colours_cycle_and_the_legend_wraps() {
    let series: Vec<Series> = (0..7)
        .map(|i| {
            weekly(
                &format!("A rather long team name number {i}"),
                &[Some(10.0 * i as f64)],
            )
        })
        .collect();
    let svg = line_chart(TITLE, DESC, &Axis::percent(), &series);
    let root = check(&svg);
    let groups: Vec<&Element> = root.elements().filter(|e| e.has_class("series")).collect();
    assert_eq!(groups.len(), 7);
    assert!(groups[6].has_class("series-0"));
    assert_eq!(
        root.find("circle", "point")[6].attr("fill"),
        Some(PALETTE[0])
    );
    // Names are cut at 28 columns with the full name as tooltip.
    let labels = root.find("text", "legend-label");
    assert_eq!(labels[0].own_text(), "A rather long team name num…");
    assert_eq!(
        labels[0].title().unwrap(),
        "A rather long team name number 0"
    );
    // Seven ~220-unit entries do not fit in one 648-unit row: several rows, a taller chart,
    // nothing past the right edge.
    let rows: std::collections::BTreeSet<i64> = root
        .find("g", "legend-item")
        .iter()
        .map(|g| g.find("rect", "")[0].num("y") as i64)
        .collect();
    assert!(rows.len() >= 3, "{rows:?}");
    let single = check(&line_chart(TITLE, DESC, &Axis::percent(), &series[..1]));
    let height = |e: &Element| {
        e.attr("viewBox")
            .unwrap()
            .split(' ')
            .nth(3)
            .unwrap()
            .parse::<f64>()
            .unwrap()
    };
    assert!(height(&root) > height(&single));
    for rect in root.find("g", "legend")[0].find("rect", "") {
        assert!(rect.num("x") < 704.0);
    }
}

#[test]
fn many_periods_thin_the_x_labels() {
    let values: Vec<Option<f64>> = (0..52).map(|i| Some(i as f64)).collect();
    let root = check(&line_chart(
        TITLE,
        DESC,
        &Axis::percent(),
        &[weekly("A", &values)],
    ));
    let labels = root.find("g", "x-axis")[0].find("text", "");
    // 52 slots of 648/52 = 12.46 units; an 8-character label needs 8·6.8 + 8 = 62.4, five
    // slots and a bit, so every 6th: 0, 6, …, 48 is 9 labels.
    assert_eq!(labels.len(), 9);
    assert_eq!(labels[1].own_text(), "2026-W46");
    assert_eq!(root.find("circle", "point").len(), 52);
}

#[test]
fn charts_are_deterministic_and_ids_distinct() {
    let series = [weekly("A", &[Some(1.0)])];
    let a = line_chart(TITLE, DESC, &Axis::percent(), &series);
    assert_eq!(a, line_chart(TITLE, DESC, &Axis::percent(), &series));
    let b = line_chart("Other", DESC, &Axis::percent(), &series);
    let id = |svg: &str| check(svg).attr("aria-labelledby").unwrap().to_owned();
    assert_ne!(id(&a), id(&b));
    let c = bar_chart(TITLE, DESC, &Axis::percent(), &[bar("x", Some(1.0))]);
    assert_ne!(id(&a), id(&c));
}

// ---------------------------------------------------------------------------------------------
// Bar chart

fn bars_of(root: &Element) -> Vec<&Element> {
    root.find("g", "bar")
}

#[test]
fn bar_chart_structure() {
    let bars = [
        bar("Ann", Some(40.0)),
        bar("陳小姐", Some(90.0)),
        bar("Bob", Some(10.0)),
    ];
    let root = check(&bar_chart(TITLE, DESC, &Axis::percent(), &bars));
    let groups = bars_of(&root);
    assert_eq!(groups.len(), 3);
    for (g, b) in groups.iter().zip(&bars) {
        let first = g.elements().next().unwrap();
        assert_eq!(first.name, "title");
        assert_eq!(first.own_text(), b.label);
        assert_eq!(g.find("text", "bar-label")[0].own_text(), b.label);
        assert_eq!(g.find("text", "n")[0].own_text(), "n=41");
        assert_eq!(g.find("rect", "bar-fill").len(), 1);
    }
    // Rows 28 apart from the top (8): bar centres at 22, 50, 78; bars 16 high.
    let ys: Vec<f64> = root
        .find("rect", "bar-fill")
        .iter()
        .map(|r| r.num("y"))
        .collect();
    assert_eq!(ys, [14.0, 42.0, 70.0]);
    let ticks: Vec<String> = root
        .find("text", "tick-label")
        .iter()
        .map(|t| t.own_text())
        .collect();
    assert_eq!(ticks, ["0%", "25%", "50%", "75%", "100%"]);
}

#[test]
fn bar_lengths_follow_the_axis() {
    let root = check(&bar_chart(
        TITLE,
        DESC,
        &Axis::percent(),
        &[bar("Ann", Some(40.0))],
    ));
    let rect = root.find("rect", "bar-fill")[0];
    // The plot spans x = 216 (0 %) to 656 (100 %), 440 units: 40 % is 0.4·440 = 176 long.
    assert_eq!((bar::PLOT_LEFT, bar::PLOT_RIGHT), (216.0, 656.0));
    assert_eq!((rect.num("x"), rect.num("width")), (216.0, 176.0));

    // An axis through zero: bars grow from 0 either way. −50..50 puts 0 at 216 + 220 = 436;
    // −20 is at 216 + 0.3·440 = 348, so the bar runs 348..436 (88 wide); 30 runs 436..568.
    let axis = Axis {
        min: -50.0,
        max: 50.0,
        unit: " pt".into(),
        ticks: 3,
    };
    let root = check(&bar_chart(
        TITLE,
        DESC,
        &axis,
        &[bar("down", Some(-20.0)), bar("up", Some(30.0))],
    ));
    let rects = root.find("rect", "bar-fill");
    assert_eq!((rects[0].num("x"), rects[0].num("width")), (348.0, 88.0));
    assert_eq!((rects[1].num("x"), rects[1].num("width")), (436.0, 132.0));
    let ticks: Vec<String> = root
        .find("text", "tick-label")
        .iter()
        .map(|t| t.own_text())
        .collect();
    assert_eq!(ticks, ["-50 pt", "0 pt", "50 pt"]);
}

#[test]
fn bar_whiskers_show_the_interval() {
    let mut with = bar("with", Some(40.0));
    with.low = Some(30.0);
    with.high = Some(50.0);
    let root = check(&bar_chart(
        TITLE,
        DESC,
        &Axis::percent(),
        &[with, bar("without", Some(40.0))],
    ));
    let groups = bars_of(&root);
    let whiskers = groups[0].find("path", "whisker");
    assert_eq!(whiskers.len(), 1);
    // 30 % → 216 + 132 = 348, 50 % → 216 + 220 = 436, at the row's centre y = 8 + 14 = 22.
    assert!(
        whiskers[0].attr("d").unwrap().starts_with("M348 22H436"),
        "{:?}",
        whiskers[0].attr("d")
    );
    assert!(groups[1].find("path", "whisker").is_empty());
}

#[test]
fn too_few_bars_are_hatched() {
    let mut few = bar("few", Some(60.0));
    few.too_few = true;
    let root = check(&bar_chart(
        TITLE,
        DESC,
        &Axis::percent(),
        &[bar("many", Some(60.0)), few],
    ));
    let groups = bars_of(&root);
    assert!(!groups[0].has_class("too-few"));
    assert!(groups[1].has_class("too-few"));
    let fill = groups[1].find("rect", "bar-fill")[0]
        .attr("fill")
        .unwrap()
        .to_owned();
    let pattern_id = fill
        .strip_prefix("url(#")
        .and_then(|f| f.strip_suffix(')'))
        .expect("a pattern fill");
    let patterns = root.find("pattern", "");
    assert_eq!(patterns.len(), 1);
    assert_eq!(patterns[0].attr("id"), Some(pattern_id));
    assert_eq!(
        groups[0].find("rect", "bar-fill")[0].attr("fill"),
        Some(PALETTE[0])
    );

    // No too-few bar, no pattern.
    let root = check(&bar_chart(
        TITLE,
        DESC,
        &Axis::percent(),
        &[bar("many", Some(60.0))],
    ));
    assert!(root.find("pattern", "").is_empty());
}

#[test]
fn missing_values_keep_their_row() {
    let mut none = bar("no scores", None);
    none.n = 0;
    none.low = Some(1.0);
    none.high = Some(2.0);
    let root = check(&bar_chart(
        TITLE,
        DESC,
        &Axis::percent(),
        &[bar("Ann", Some(50.0)), none, bar("Bob", Some(f64::NAN))],
    ));
    let groups = bars_of(&root);
    assert_eq!(groups.len(), 3);
    for g in &groups[1..] {
        assert!(g.find("rect", "").is_empty());
        assert!(g.find("path", "").is_empty());
        assert_eq!(g.find("text", "no-value")[0].own_text(), "—");
    }
    assert_eq!(
        groups[1].find("text", "bar-label")[0].own_text(),
        "no scores"
    );
    assert_eq!(groups[1].find("text", "n")[0].own_text(), "n=0");
}

#[test]
fn long_labels_are_cut_and_kept_whole_in_the_title() {
    let long = "Greets the customer by name and states the purpose";
    let chinese = "客戶是否在通話開始時被告知本次通話將會被錄音";
    let exact = "x".repeat(28);
    let root = check(&bar_chart(
        TITLE,
        DESC,
        &Axis::percent(),
        &[
            bar(long, Some(1.0)),
            bar(chinese, Some(2.0)),
            bar(&exact, Some(3.0)),
        ],
    ));
    let groups = bars_of(&root);
    let shown = |g: &Element| g.find("text", "bar-label")[0].own_text();
    // 27 columns + "…".
    assert_eq!(shown(groups[0]), "Greets the customer by name…");
    assert_eq!(groups[0].title().unwrap(), long);
    // CJK characters are two columns: 13 of them (26) + "…".
    assert_eq!(shown(groups[1]), "客戶是否在通話開始時被告知…");
    assert_eq!(groups[1].title().unwrap(), chinese);
    assert_eq!(shown(groups[2]), exact);
}

#[test]
fn bar_chart_escapes_user_text() {
    let evil = r#"<script>&"'</script>"#;
    let svg = bar_chart(
        evil,
        evil,
        &Axis {
            unit: "<b>".into(),
            ..Axis::percent()
        },
        &[bar(evil, Some(5.0))],
    );
    assert!(!svg.contains("<script") && !svg.contains("<b>"), "{svg}");
    let root = check(&svg);
    assert_eq!(root.find("title", "")[0].own_text(), evil);
    let g = bars_of(&root)[0];
    assert_eq!(g.title().unwrap(), evil);
    assert_eq!(g.find("text", "bar-label")[0].own_text(), evil);
    assert_eq!(root.find("text", "tick-label")[1].own_text(), "25<b>");
}

#[test]
fn empty_bar_chart_draws_only_the_axis() {
    let svg = bar_chart(
        TITLE,
        "No agent has scored calls yet.",
        &Axis::percent(),
        &[],
    );
    let root = check(&svg);
    assert_eq!(root.find("title", "")[0].own_text(), TITLE);
    assert_eq!(root.find("line", "grid").len(), 5);
    assert_eq!(root.find("line", "axis").len(), 1);
    assert!(bars_of(&root).is_empty());
    assert!(root.find("rect", "").is_empty());
}

#[test]
fn no_inline_styles_anywhere() {
    let mut few = bar("few", Some(10.0));
    few.too_few = true;
    let mut series = weekly("A", &[Some(1.0), None, Some(3.0)]);
    series.points[0].too_few = true;
    series.points[0].low = Some(0.0);
    series.points[0].high = Some(2.0);
    for svg in [
        line_chart(TITLE, DESC, &Axis::percent(), &[series]),
        line_chart(TITLE, DESC, &Axis::percent(), &[]),
        bar_chart(TITLE, DESC, &Axis::percent(), &[few, bar("none", None)]),
        bar_chart(TITLE, DESC, &Axis::percent(), &[]),
    ] {
        assert!(!svg.contains("style="), "{svg}");
        assert!(!svg.contains("<style"), "{svg}");
        check(&svg);
    }
}
