//! Markup helpers shared by the charts: escaping, number formatting, the `<svg>` frame.

use std::fmt;

/// Chart width in viewBox units; heights vary by chart.
pub(crate) const WIDTH: f64 = 720.0;

/// Okabe–Ito colours, distinguishable with the common colour-vision deficiencies. Series `i` gets
/// `PALETTE[i % 6]` and class `series-{i % 6}`.
pub(crate) const PALETTE: [&str; 6] = [
    "#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9",
];

pub(crate) const TEXT_COLOUR: &str = "#333";
pub(crate) const MUTED_COLOUR: &str = "#666";
pub(crate) const GRID_COLOUR: &str = "#e3e3e3";
pub(crate) const AXIS_COLOUR: &str = "#888";

/// `write!` into a `String`, which cannot fail.
macro_rules! w {
    ($out:expr, $($arg:tt)*) => {{
        use std::fmt::Write as _;
        let _ = write!($out, $($arg)*);
    }};
}
pub(crate) use w;

/// Text escaped for XML content and attribute values (either quote). Characters XML 1.0 does not
/// allow at all (C0 controls other than tab and line breaks, U+FFFE, U+FFFF) are dropped: one
/// stray control character in an agent's name must not make the whole page's SVG unparseable.
pub(crate) struct Esc<'a>(pub &'a str);

impl fmt::Display for Esc<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        while let Some(i) = rest.find(|c: char| needs_escape(c)) {
            f.write_str(&rest[..i])?;
            let c = rest[i..].chars().next().unwrap_or_default();
            match c {
                '&' => f.write_str("&amp;")?,
                '<' => f.write_str("&lt;")?,
                '>' => f.write_str("&gt;")?,
                '"' => f.write_str("&quot;")?,
                '\'' => f.write_str("&#39;")?,
                _ => {} // not allowed in XML: dropped
            }
            rest = &rest[i + c.len_utf8()..];
        }
        f.write_str(rest)
    }
}

fn needs_escape(c: char) -> bool {
    matches!(c, '&' | '<' | '>' | '"' | '\'' | '\u{FFFE}' | '\u{FFFF}')
        || (c < ' ' && !matches!(c, '\t' | '\n' | '\r'))
}

/// A coordinate, rounded to 0.01 and without trailing zeros (`12.5`, `200`): compact and
/// deterministic output.
pub(crate) struct N(pub f64);

impl fmt::Display for N {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rounded = (self.0 * 100.0).round() / 100.0;
        // Avoid "-0".
        let rounded = if rounded == 0.0 { 0.0 } else { rounded };
        let s = format!("{rounded:.2}");
        f.write_str(s.trim_end_matches('0').trim_end_matches('.'))
    }
}

/// Writes the opening `<svg>` with its accessible name and description, and returns the id
/// prefix for elements that need ids (`{id}-title`, `{id}-hatch`, …).
///
/// The id is a hash of everything that determines the chart, so that two different charts on one
/// page never share ids while the same inputs always render the same bytes.
pub(crate) fn open(
    out: &mut String,
    kind: &str,
    height: f64,
    title: &str,
    desc: &str,
    content: &dyn fmt::Debug,
) -> String {
    let id = format!(
        "{kind}-{:016x}",
        fnv1a(format!("{title}\0{desc}\0{content:?}").as_bytes())
    );
    w!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" width="100%" role="img" aria-labelledby="{id}-title" aria-describedby="{id}-desc" class="chart {kind}" font-family="system-ui, sans-serif" font-size="12">"#,
        N(WIDTH),
        N(height),
    );
    w!(
        out,
        r#"<title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>"#,
        Esc(title),
        Esc(desc)
    );
    id
}

pub(crate) fn close(out: &mut String) {
    out.push_str("</svg>");
}

/// 64-bit FNV-1a: tiny, stable across Rust versions (unlike `DefaultHasher`), good enough to
/// tell charts apart.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// A `<text>` element with optional `<title>` child (the full text when `shown` is truncated).
#[allow(clippy::too_many_arguments)]
pub(crate) fn text(
    out: &mut String,
    class: &str,
    x: f64,
    y: f64,
    anchor: &str,
    fill: &str,
    shown: &str,
    full: Option<&str>,
) {
    w!(
        out,
        r#"<text class="{class}" x="{}" y="{}" text-anchor="{anchor}" fill="{fill}">"#,
        N(x),
        N(y)
    );
    if let Some(full) = full {
        w!(out, "<title>{}</title>", Esc(full));
    }
    w!(out, "{}</text>", Esc(shown));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_drops_characters_xml_forbids() {
        assert_eq!(
            Esc(r#"<script>&"'</script>"#).to_string(),
            "&lt;script&gt;&amp;&quot;&#39;&lt;/script&gt;"
        );
        assert_eq!(Esc("a\u{0}b\u{1b}c\td\u{FFFF}").to_string(), "abc\td");
        assert_eq!(Esc("客服 Ann").to_string(), "客服 Ann");
    }

    #[test]
    fn numbers_are_short_and_never_negative_zero() {
        assert_eq!(N(200.0).to_string(), "200");
        assert_eq!(N(12.5).to_string(), "12.5");
        assert_eq!(N(1.0 / 3.0).to_string(), "0.33");
        assert_eq!(N(-0.001).to_string(), "0");
        assert_eq!(N(-4.25).to_string(), "-4.25");
    }
}
